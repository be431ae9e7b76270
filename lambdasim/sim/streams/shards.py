"""The records each shard holds, and how keys map to shards.

- Keys: a record's partition key (an item, for DynamoDB) is hashed to a shard, the hash key
  space being split evenly among shards as Kinesis does, so a hot key makes a hot shard. With
  ParallelizationFactor > 1 the key also picks the record's batch lane, so order is kept per
  key.
- Retention: records stay readable for the retention period (Kinesis 24 h by default,
  DynamoDB 24 h); records trimmed before the mapping processes them are ``expired``.

Records live in per-shard numpy columns appended a window at a time, in write order; the
mapping refers to them by global position (``base`` + column index) and every per-record
computation is vectorised. Consumed prefixes are dropped, so memory is bounded by what is
unprocessed. Each record's ledger id is kept only with ledger rows (``record_detail="full"``).
"""

from __future__ import annotations

import numpy as np

from ..ledger import EXPIRED, SUCCEEDED, ConservationError, Ledger, Reason
from .metrics import M_SUCCEEDED, StreamMetrics

COMPACT_MIN = 4096  # drop a consumed prefix once it is longer than this


def mix64(x: np.ndarray, salt: int) -> np.ndarray:
    """A 64-bit hash of integer keys (splitmix64), standing in for Kinesis's MD5."""
    z = (np.asarray(x, dtype=np.uint64) + np.uint64(salt)) * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def key_to_shard(keys: np.ndarray, shards: int) -> np.ndarray:
    """Kinesis splits the 128-bit hash key space evenly among shards; so does this."""
    return ((mix64(keys, 1) >> np.uint64(11)).astype(np.float64) * (shards / 2.0**53)).astype(
        np.int64)


def key_to_lane(keys: np.ndarray, lanes: int) -> np.ndarray:
    """With ParallelizationFactor > 1, records of one key always go to the same batch lane."""
    if lanes == 1:
        return np.zeros(len(keys), dtype=np.int64)
    return (mix64(keys, 2) % np.uint64(lanes)).astype(np.int64)


class Settlements:
    """Passes records' outcomes to the ledger (and successes to the Succeeded metric).

    Without ledger rows the ledger only counts outcomes and bins the latencies of successes;
    successes are then handed over in chunks of :data:`CHUNK` batches, which costs far less
    than one call per batch and gives the same counts and latencies. :meth:`flush` hands
    over the rest (at the horizon, before the ledger is closed).
    """

    CHUNK = 512

    def __init__(self, ledger: Ledger, metrics: StreamMetrics):
        self.ledger, self.metrics = ledger, metrics
        self.source = ledger.source
        self._ok: list[tuple] = []  # (ids, arrival, end) of successes not yet in the ledger

    def settle(self, ids: np.ndarray, arrival: np.ndarray, outcome: int, end: float,
               start: float = np.nan, cold: bool = False, reason: int = 0) -> None:
        if outcome == SUCCEEDED:
            self.metrics.count(M_SUCCEEDED, end, len(ids))
            if not self.ledger.rows:
                self._ok.append((ids, arrival, end))
                if len(self._ok) >= self.CHUNK:
                    self.flush()
                return
        self.ledger.settle(ids, arrival, outcome, end, start=start, cold=cold, reason=reason)

    def attempted(self, ids: np.ndarray) -> None:
        """Records ``ids`` were sent to the function (rows only)."""
        self.ledger.attempts[ids] += 1

    def flush(self) -> None:
        ok = self._ok
        if ok and self.ledger.warmup <= 0:  # every one counts: the ids are not needed
            self._ok = []
            self.ledger.succeeded([(o[1], o[2]) for o in ok], sum(len(o[0]) for o in ok))
        elif ok:
            self._ok = []
            ids = np.concatenate([o[0] for o in ok])
            end = np.repeat([o[2] for o in ok], [len(o[0]) for o in ok])
            self.ledger.settle(ids, np.concatenate([o[1] for o in ok]), SUCCEEDED, end)


_COLS = {"written": float, "arrival": float, "done": bool, "lane": np.int16, "poison": bool,
         "id": np.int64}


class ShardRecords:
    """One shard's records: columns indexed by global position minus ``base``.

    ``written`` (when the stream accepted the record), ``arrival`` (when the producer first
    put it), ``done`` (settled), and as needed ``lane``, ``poison`` and the ledger ``id``.
    """

    def __init__(self, index: int, columns: tuple, retention_s: float, out: Settlements):
        self.index, self.retention_s, self.out = index, retention_s, out
        self.cols = {k: np.empty(0, dtype=_COLS[k]) for k in columns}
        self.ids = "id" in self.cols
        self.base = 0  # global position of cols[...][0]

    @property
    def end(self) -> int:
        """Global position after the last record written."""
        return self.base + len(self.cols["written"])

    def append(self, cols: dict) -> None:
        """Append records (a dict of columns), in write order."""
        self.cols = {k: np.concatenate([v, cols[k]]) for k, v in self.cols.items()}

    def compact(self, low: int) -> None:
        """Forget the records before global position ``low`` (all settled)."""
        cut = low - self.base
        if cut > COMPACT_MIN:  # views: dropped for good at the next append
            if not self.cols["done"][:cut].all():
                raise ConservationError(f"{self.out.source}: shard {self.index} compacts "
                                        "records that have no outcome")
            self.cols = {k: v[cut:] for k, v in self.cols.items()}
            self.base = low

    # -- outcomes -------------------------------------------------------------------------
    def settle(self, pos: np.ndarray, outcome: int, end: float, start: float = np.nan,
               cold: bool = False, reason: int = 0) -> None:
        """Give records (global positions ``pos``, ascending) their outcome, once."""
        n = len(pos)
        if n == 0:
            return
        cols = self.cols
        # a batch is usually a run of positions: a slice is cheaper than an index
        p0 = pos.item(0)
        first = p0 - self.base
        at = slice(first, first + n) if pos.item(-1) - p0 == n - 1 else pos - self.base
        if np.count_nonzero(cols["done"][at]):
            raise ConservationError(f"{self.out.source}: a record of shard {self.index} "
                                    "ended twice")
        cols["done"][at] = True
        # without ledger rows the ledger only counts the records: positions stand in for ids
        ids = cols["id"][at] if self.ids else pos
        if outcome == EXPIRED:
            reason = Reason.RETENTION
        self.out.settle(ids, cols["arrival"][at], outcome, end, start, cold, reason)

    def attempted(self, batch: np.ndarray) -> None:
        """The records at global positions ``batch`` were sent to the function."""
        if self.ids:
            self.out.attempted(self.cols["id"][batch - self.base])

    def trim(self, lo: int, hi: int, now: float) -> int:
        """Unread records (global positions ``lo`` to ``hi``) past retention expire; returns
        the position of the first one left."""
        written = self.cols["written"]
        base = self.base
        if lo < hi and written[lo - base] < now - self.retention_s:
            cut = base + int(np.searchsorted(written, now - self.retention_s, side="left"))
            cut = min(cut, hi)
            self.settle(np.arange(lo, cut), EXPIRED, now)
            return cut
        return lo

    def close(self, now: float) -> np.ndarray:
        """At the horizon: unsettled records past retention expire; returns the arrival times
        of the records still held."""
        cols = self.cols
        open_ = np.flatnonzero(~cols["done"])
        if len(open_):
            old = open_[cols["written"][open_] < now - self.retention_s]
            self.settle(old + self.base, EXPIRED, now)
        return cols["arrival"][~cols["done"]]


def record_columns(lanes: int, has_poison: bool, full: bool) -> tuple:
    """The columns a shard keeps: a lane with ParallelizationFactor > 1, the poison flag if
    records can be poison, the ledger id with ledger rows."""
    return (("written", "arrival", "done") + (("lane",) if lanes > 1 else ())
            + (("poison",) if has_poison else ()) + (("id",) if full else ()))
