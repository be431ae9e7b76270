"""The applications writing to the stream: keys, ledger ids, shard write limits.

- Write limits (Kinesis): a shard accepts 1,000 records/s or 1 MB/s, second by second; a
  throttled put (WriteProvisionedThroughputExceeded) is retried at the start of the next
  second, ahead of that second's new records, up to ``producer_max_attempts`` attempts in all,
  after which the record is ``dropped``. DynamoDB Streams have no shard write limit: the
  table's capacity governs.

Each window of records is worked out with numpy passes a second at a time, the records
grouped by shard (each shard's in order): the shards are independent, so a shard takes the
first of its group of retries and then the first of its group of new records up to the
limit, and the rest of both groups waits for the next second.
"""

from __future__ import annotations

import math

import numpy as np

from ..ledger import DROPPED, Ledger, Reason
from .metrics import M_OFFERED, M_WRITE_THROTTLES, StreamMetrics
from .shards import ShardRecords, key_to_lane, key_to_shard

_EMPTY = np.empty(0, np.int64)
#: records waiting to retry a put: none (a carry is grouped by shard, with ``counts`` per shard)
_NO_CARRY = {"arrival": np.empty(0), "key": _EMPTY, "id": _EMPTY, "shard": _EMPTY,
             "attempt": np.empty(0, np.int32)}
_BLOCK = 1 << 17  # records grouped by shard at a time where no write limit applies
#: a key space this small gets a key -> shard table once twice its size has been hashed
#: (a gather instead of the hash's passes; the same shards)
TABLE_KEYS = 1 << 22


class Producer:
    """The applications writing to the stream: keys, ledger ids, write limits, shards."""

    def __init__(self, spec, shards: list[ShardRecords], ledger: Ledger, metrics: StreamMetrics,
                 keys_rng: np.random.Generator, poison_rng: np.random.Generator):
        self.shards, self.ledger, self.metrics = shards, ledger, metrics
        self.nshards, self.lanes = spec.shards, spec.parallelization_factor
        self.write_cap = spec.write_cap_per_s  # None: no shard write limit (DynamoDB)
        self.max_attempts = spec.producer_max_attempts
        self.poison_rate, self.poison_key = spec.poison_rate, spec.poison_key
        self.columns = tuple(shards[0].cols)
        self._keys = spec.keys.sampler(keys_rng)
        self._key_count, self._hashed = spec.keys.count, 0
        self._shard_of: np.ndarray | None = None  # key -> shard, once worth building
        self._poison_rng = poison_rng
        self.carry: dict | None = None  # records waiting to retry a throttled put
        # the columns ``_write`` reads besides arrival and shard (ids also give the write
        # order that poison is drawn in)
        self._write_extra = (("id",) if "id" in self.columns or "poison" in self.columns
                             else ()) + (
            ("key",) if "lane" in self.columns or self.poison_key is not None else ())

    def _shards(self, keys: np.ndarray) -> np.ndarray:
        """The shard of each key."""
        if self._shard_of is None:
            if self._key_count > TABLE_KEYS or self._hashed < 2 * self._key_count:
                self._hashed += len(keys)
                return key_to_shard(keys, self.nshards)
            self._shard_of = key_to_shard(np.arange(self._key_count), self.nshards).astype(
                np.uint16)  # at most 10,000 shards
        return self._shard_of[keys].astype(np.int64)

    def _offer(self, arrival: np.ndarray) -> tuple:
        """New records arriving at ``arrival``: their keys, ledger ids (None: the shards do
        not keep them) and shards."""
        keys = self._keys(len(arrival))
        shard = self._shards(keys)
        first = self.ledger.offer(arrival, shard=shard, key=keys)
        ids = np.arange(first, first + len(arrival)) if "id" in self._write_extra else None
        return keys, ids, shard

    def backlog(self, times: np.ndarray) -> None:
        """Records already in the stream (written at ``times`` < 0) when the mapping starts."""
        self._write_on_arrival(times, *self._offer(times))

    def produce(self, times: np.ndarray, t0: float, t1: float) -> None:
        """A window ``[t0, t1)`` of records from the producer."""
        if len(times) == 0 and self.carry is None:  # nothing new, nothing to retry
            return
        keys, ids, shard = self._offer(times)
        self.metrics.count_sorted(M_OFFERED, times)
        # no write limit, or nothing to retry and too few records for any shard to go over it
        # in any second: every record is written when it arrives
        if self.write_cap is None or (self.carry is None and len(times) <= self.write_cap):
            self._write_on_arrival(times, keys, ids, shard)
        else:
            self._put(times, keys, ids, shard, t0, t1)

    def _write_on_arrival(self, times, keys, ids, shard) -> None:
        """Records that no write limit holds back: each written when it arrives."""
        pool = {"arrival": times, "key": keys, "id": ids, "shard": shard}
        self._write(pool, _blocks(shard, self.nshards))

    def held(self) -> np.ndarray:
        """Arrival times of the records waiting to retry a put."""
        return self.carry["arrival"] if self.carry is not None else np.empty(0)

    def _put(self, times, keys, ids, shard, t0, t1) -> None:
        """Kinesis shard write limits, second by second: a throttled put is retried at the
        start of the next second, ahead of that second's new records.

        Pool positions are the waiting retries (``carry``) first, then the new records; keys
        and ids are kept only if needed (without ledger rows the ledger only counts the
        records given up on). A second's new records are sorted by shard and the retries are
        kept so, so what each shard takes is the head of its group."""
        cap, ns = self.write_cap, self.nshards
        carry = self.carry or _NO_CARRY
        nc = len(carry["arrival"])
        new = {"arrival": times, "key": keys, "id": ids, "shard": shard,
               "attempt": np.ones(len(times), np.int32)}
        keep = ("arrival", "shard", "attempt", *self._write_extra)
        pool = {k: np.concatenate([carry[k], new[k]]) for k in keep}
        secs = np.arange(math.floor(t0), math.ceil(t1)).tolist()
        bounds = np.append(np.searchsorted(times, secs), len(times)).tolist()
        waiting = np.arange(nc)  # the retries, grouped by shard, and how many per shard
        wc = carry["counts"] if nc else np.zeros(ns, np.int64)
        taken, gone, gone_at = [], [], []
        for sec, lo, hi in zip(secs, bounds[:-1], bounds[1:], strict=True):
            fresh = nc + lo + np.argsort(_small(shard[lo:hi], ns), kind="stable")
            fc = np.bincount(shard[lo:hi], minlength=ns)
            w_take = np.minimum(wc, cap)
            f_take = np.minimum(fc, cap - w_take)
            w_ok, w_rej = _heads(waiting, wc, w_take)
            f_ok, f_rej = _heads(fresh, fc, f_take)
            taken.append((sec, w_ok, f_ok, w_take, f_take))
            rej, wc = _merge(w_rej, wc - w_take, f_rej, fc - f_take)
            if len(rej):
                self.metrics.count(M_WRITE_THROTTLES, sec, len(rej))
                attempt = pool["attempt"]
                attempt[rej] += 1
                out = attempt[rej] > self.max_attempts
                if out.any():  # given up on: a retry's last put was now, a new one's on arrival
                    g = rej[out]
                    gone.append(g)
                    gone_at.append(np.where(g < nc + lo, float(sec), pool["arrival"][g]))
                    wc = wc - np.bincount(pool["shard"][g], minlength=ns)
                    rej = rej[~out]
            waiting = rej
        if gone:  # the producer gave up on them
            g = np.concatenate(gone)
            self.ledger.settle(pool["id"][g] if "id" in self.columns else g,
                               pool["arrival"][g], DROPPED, np.concatenate(gone_at),
                               reason=Reason.PUT_THROTTLED)
        self.carry = (dict({k: pool[k][waiting] for k in keep}, counts=wc) if len(waiting)
                      else None)
        self._write(pool, taken)

    def _write(self, pool: dict, taken) -> None:
        """Append the records taken to their shards. ``taken`` holds, chunk by chunk (a
        second, or a block of records where no limit applies), ``(second, retries, new,
        retries per shard, new per shard)``: ``pool`` positions grouped by shard. A shard
        gets, chunk by chunk, its retries (written at the second's start) and then its new
        records (written on arrival)."""
        if not taken:
            return
        took = np.stack([w + f for _, _, _, w, f in taken], axis=1)  # per shard and chunk
        total = took.sum(axis=1)
        # where each (shard, chunk) run starts in the output, grouped by shard
        at = (np.cumsum(total) - total)[:, None] + np.cumsum(took, axis=1) - took
        n = int(total.sum())
        names = ["arrival"] + (["id"] if "id" in self.columns else []) + (
            ["key"] if "key" in self._write_extra else [])
        cols = {k: np.empty(n, pool[k].dtype) for k in names}
        written = np.empty(n)
        poison = np.zeros(n, bool) if "poison" in self.columns else None
        u = (self._poison_rng.random(n) if poison is not None and self.poison_rate > 0
             else None)  # drawn in write order
        o = 0
        for k, (sec, w_ok, f_ok, w_take, f_take) in enumerate(taken):
            dw, df = _EMPTY, _runs(at[:, k] + w_take, f_take)
            if len(w_ok):
                dw = _runs(at[:, k], w_take)
                written[dw] = sec
                for c in names:
                    cols[c][dw] = pool[c][w_ok]
            for c in names:
                cols[c][df] = pool[c][f_ok]
            written[df] = cols["arrival"][df]
            if u is not None:  # write order: the order the records were first put in
                src, dst = np.concatenate([w_ok, f_ok]), np.concatenate([dw, df])
                poison[dst] = u[o + _rank(pool["id"][src])] < self.poison_rate
                o += len(src)
        cols["written"] = written
        self.metrics.tally_times("records_put", written)  # billed PUTs
        cols["done"] = np.zeros(n, bool)
        keys = cols.pop("key", None)
        if "lane" in self.columns:
            cols["lane"] = key_to_lane(keys, self.lanes).astype(np.int16)
        if poison is not None:
            cols["poison"] = poison | (keys == self.poison_key if self.poison_key is not None
                                       else False)
        cuts = np.cumsum(total).tolist()
        for rec, lo, hi in zip(self.shards, [0] + cuts[:-1], cuts, strict=True):
            if hi > lo:
                rec.append({k: v[lo:hi] for k, v in cols.items()})


def _blocks(shard: np.ndarray, ns: int) -> list:
    """Records all written on arrival, as ``Producer._write`` takes them: blocks of
    positions grouped by shard (a block at a time, so sorting stays within the processor's
    cache)."""
    out = []
    for b0 in range(0, len(shard), _BLOCK):
        s = shard[b0:b0 + _BLOCK]
        grouped = b0 + (np.argsort(_small(s, ns), kind="stable") if ns > 1
                        else np.arange(len(s)))
        out.append((None, _EMPTY, grouped, np.zeros(ns, np.int64),
                    np.bincount(s, minlength=ns)))
    return out


def _small(shard: np.ndarray, n: int) -> np.ndarray:
    """Shard numbers in the narrowest integer type (numpy's stable sort is a radix sort on
    8- and 16-bit integers, one pass per byte)."""
    return shard.astype(np.uint8 if n <= 256 else np.int16)


def _heads(items: np.ndarray, counts: np.ndarray, take: np.ndarray) -> tuple:
    """Items grouped by shard (``counts`` per shard): each group's first ``take`` and the
    rest, both still grouped."""
    if np.array_equal(take, counts):
        return items, _EMPTY
    rank = _runs(np.zeros_like(counts), counts)  # each item's place in its group
    head = rank < np.repeat(take, counts)
    return items[head], items[~head]


def _rank(x: np.ndarray) -> np.ndarray:
    """Each value's place in ``x`` sorted."""
    rank = np.empty(len(x), np.int64)
    rank[np.argsort(x, kind="stable")] = np.arange(len(x))
    return rank


def _runs(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Positions ``starts[i], starts[i] + 1, ...`` ``counts[i]`` of them, for every i."""
    return np.arange(int(counts.sum())) + np.repeat(starts - (np.cumsum(counts) - counts),
                                                    counts)


def _merge(a: np.ndarray, ca: np.ndarray, b: np.ndarray, cb: np.ndarray) -> tuple:
    """Two arrays grouped by shard (``ca``, ``cb`` per shard) merged group by group, ``a``'s
    first: (merged, counts)."""
    total = ca + cb
    start = np.cumsum(total) - total
    out = np.empty(len(a) + len(b), a.dtype)
    out[_runs(start, ca)] = a
    out[_runs(start + ca, cb)] = b
    return out, total
