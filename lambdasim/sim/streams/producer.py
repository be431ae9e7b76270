"""The applications writing to the stream: keys, ledger ids, shard write limits.

- Write limits (Kinesis): a shard accepts 1,000 records/s or 1 MB/s, second by second; a
  throttled put (WriteProvisionedThroughputExceeded) is retried at the start of the next
  second, ahead of that second's new records, up to ``producer_max_attempts`` attempts in all,
  after which the record is ``dropped``. DynamoDB Streams have no shard write limit: the
  table's capacity governs.

Each window of records is worked out with a few whole-window numpy passes: the shards are
independent, so in each second a shard accepts its waiting retries first and then its new
records in time order up to the limit, and only the records over the limit (the last ones of
that shard's second) are looked at one by one.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ..ledger import DROPPED, Ledger, Reason
from .metrics import M_OFFERED, M_WRITE_THROTTLES, StreamMetrics
from .shards import ShardRecords, key_to_lane, key_to_shard

_EMPTY = np.empty(0, np.int64)
#: records waiting to retry a put: none
_NO_CARRY = {"arrival": np.empty(0), "key": _EMPTY, "id": _EMPTY, "shard": _EMPTY,
             "attempt": np.empty(0, np.int32)}
_BLOCK = 1 << 17  # records grouped by shard at a time
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
        # the columns ``_write`` reads besides written, arrival and shard
        self._write_extra = (("id",) if "id" in self.columns else ()) + (
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
        ids = np.arange(first, first + len(arrival)) if "id" in self.columns else None
        return keys, ids, shard

    def backlog(self, times: np.ndarray) -> None:
        """Records already in the stream (written at ``times`` < 0) when the mapping starts."""
        keys, ids, shard = self._offer(times)
        self._write({"written": times, "arrival": times, "key": keys, "id": ids,
                     "shard": shard})

    def produce(self, times: np.ndarray, t0: float, t1: float) -> None:
        """A window ``[t0, t1)`` of records from the producer."""
        if len(times) == 0 and self.carry is None:  # nothing new, nothing to retry
            return
        keys, ids, shard = self._offer(times)
        self.metrics.count_sorted(M_OFFERED, times)
        # no write limit, or nothing to retry and too few records for any shard to go over it
        # in any second: every record is written when it arrives
        if self.write_cap is None or (self.carry is None and len(times) <= self.write_cap):
            self._write({"written": times, "arrival": times, "key": keys, "id": ids,
                         "shard": shard})
        else:
            self._put(times, keys, ids, shard, t0, t1)

    def held(self) -> np.ndarray:
        """Arrival times of the records waiting to retry a put."""
        return self.carry["arrival"] if self.carry is not None else np.empty(0)

    def _put(self, times, keys, ids, shard, t0, t1) -> None:
        """Kinesis shard write limits, second by second: a throttled put is retried at the
        start of the next second, ahead of that second's new records.

        Pool positions are the waiting retries (``carry``) first, then the new records; keys
        and ids are kept only if the shards keep them (without ledger rows the ledger only
        counts the records given up on)."""
        cap, ns = self.write_cap, self.nshards
        carry = self.carry or _NO_CARRY
        nc = len(carry["arrival"])
        new = {"arrival": times, "key": keys, "id": ids, "shard": shard,
               "attempt": np.ones(len(times), np.int32)}
        keep = ("arrival", "shard", "attempt", *self._write_extra)
        pool = {k: np.concatenate([carry[k], new[k]]) for k in keep}
        written = pool["written"] = np.concatenate([np.zeros(nc), times])
        secs = np.arange(math.floor(t0), math.ceil(t1))
        bounds = np.append(np.searchsorted(times, secs), len(times)).tolist()
        # each second's new records per shard (a second's records are one slice of them)
        counts = np.stack([np.bincount(shard[lo:hi], minlength=ns)
                           for lo, hi in itertools.pairwise(bounds)], axis=1)
        if nc == 0 and counts.max(initial=0) <= cap:  # nothing retries, nothing goes over
            self._write(pool)
            return
        full = np.full(ns, cap)  # room per shard with nothing waiting
        waiting = np.arange(nc)  # pool positions retrying at the next second
        accepted, dropped = [], []
        for k, sec in enumerate(secs):
            lo, hi = bounds[k], bounds[k + 1]
            fresh = np.arange(nc + lo, nc + hi)
            w_ok, w_rej, room = waiting, _EMPTY, full
            if len(waiting):
                written[waiting] = sec
                w_ok, w_rej, room = _first_fit(waiting, pool["shard"][waiting], cap, ns)
            over = np.flatnonzero(counts[:, k] > room)
            if not len(over) and not len(w_rej):
                accepted.append(np.concatenate([waiting, fresh]) if len(waiting) else fresh)
                waiting = _EMPTY
                continue
            # the second's new records sorted by shard: the last r of each shard over its room
            by_shard = np.argsort(_small(shard[lo:hi], ns), kind="stable")
            r = counts[over, k] - room[over]
            cut = np.zeros(hi - lo, bool)
            cut[_tails(by_shard, np.cumsum(counts[:, k])[over], r)] = True
            accepted.append(np.concatenate([w_ok, fresh[~cut]]))
            rej = np.concatenate([w_rej, fresh[cut]])  # the new ones in position order
            self.metrics.count(M_WRITE_THROTTLES, sec, len(rej))
            pool["attempt"][rej] += 1
            out = pool["attempt"][rej] > self.max_attempts
            dropped.append(rej[out])
            waiting = rej[~out]
        gone = np.concatenate(dropped) if dropped else _EMPTY
        if len(gone):  # the producer gave up on them
            self.ledger.settle(pool["id"][gone] if "id" in pool else gone,
                               pool["arrival"][gone], DROPPED, written[gone],
                               reason=Reason.PUT_THROTTLED)
        self.carry = {k: pool[k][waiting] for k in keep} if len(waiting) else None
        self._write(pool, np.concatenate(accepted) if accepted else _EMPTY)

    def _write(self, pool: dict, acc: np.ndarray | None = None) -> None:
        """Append the accepted records (``pool`` positions ``acc`` in write order; None: all)
        to their shards, each shard's records in write order. Records are grouped by shard a
        block at a time, so the gathers stay within the processor's cache."""
        n = len(pool["shard"]) if acc is None else len(acc)
        names = ["written", "arrival"] + (["id"] if "id" in self.columns else [])
        poison = None
        if "poison" in self.columns:
            poison = (self._poison_rng.random(n) < self.poison_rate if self.poison_rate > 0
                      else np.zeros(n, bool))  # drawn in write order
        parts: list[list] = [[] for _ in self.shards]
        for b0 in range(0, n, _BLOCK):
            at = np.arange(b0, min(n, b0 + _BLOCK)) if acc is None else acc[b0:b0 + _BLOCK]
            shard = pool["shard"][at]
            order = None
            if self.nshards > 1:
                order = np.argsort(_small(shard, self.nshards), kind="stable")
                at = at[order]
            cols = {k: pool[k][at] for k in names}
            self.metrics.tally_times("records_put", cols["written"])  # billed PUTs
            cols["done"] = np.zeros(len(at), bool)
            if "lane" in self.columns or self.poison_key is not None:
                keys = pool["key"][at]
            if "lane" in self.columns:
                cols["lane"] = key_to_lane(keys, self.lanes).astype(np.int16)
            if poison is not None:
                p = poison[b0:b0 + _BLOCK]
                cols["poison"] = (p if order is None else p[order]) | (
                    keys == self.poison_key if self.poison_key is not None else False)
            if order is None:
                parts[0].append(cols)
                continue
            cuts = np.cumsum(np.bincount(shard, minlength=self.nshards)).tolist()
            for i, lo, hi in zip(range(self.nshards), [0] + cuts[:-1], cuts, strict=True):
                if hi > lo:
                    parts[i].append({k: v[lo:hi] for k, v in cols.items()})
        for s, p in zip(self.shards, parts, strict=True):
            if p:
                s.append(p)


def _small(shard: np.ndarray, n: int) -> np.ndarray:
    """Shard numbers in the narrowest integer type (numpy's stable sort is a radix sort on
    8- and 16-bit integers, one pass per byte)."""
    return shard.astype(np.uint8 if n <= 256 else np.int16)


def _first_fit(waiting: np.ndarray, shard: np.ndarray, cap: int, ns: int) -> tuple:
    """The waiting retries go first: each shard takes its first ``cap`` (in order). Returns
    (accepted, throttled, room left per shard)."""
    count = np.bincount(shard, minlength=ns)
    if count.max(initial=0) <= cap:
        return waiting, _EMPTY, cap - count
    over = np.flatnonzero(count > cap)
    ok = np.ones(len(shard), bool)  # all but the last count - cap of each shard over it
    ok[_tails(np.argsort(_small(shard, ns), kind="stable"), np.cumsum(count)[over],
              count[over] - cap)] = False
    return waiting[ok], waiting[~ok], np.maximum(cap - count, 0)


def _tails(sorted_pos: np.ndarray, ends: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The last ``r[i]`` entries of ``sorted_pos`` before ``ends[i]``, for every i."""
    total = int(r.sum())
    idx = np.repeat(ends - r, r) + (np.arange(total) - np.repeat(np.cumsum(r) - r, r))
    return sorted_pos[idx]
