"""Full detail's per-message rows (``record_detail="full"``), booked in bulk at the horizon.

For each batch the mapping notes its receive (every receive is an attempt, as
ApproximateReceiveCount counts them, a throttled batch's included), its invocation's start
and cold start, and, when the batch's messages are deleted, its end. :meth:`Rows.book` writes
them into the ledger's rows before the ledger closes: a message's start and cold are those of
its last invocation, and a message deleted twice (or deleted and also expired or moved to the
DLQ) raises ``ConservationError`` there. Messages ending otherwise are settled as they end.
"""

from __future__ import annotations

import numpy as np

from ..ledger import SUCCEEDED, Ledger
from .store import Batch, expand


class Noted:
    """Batches' ids, each batch with a value of type ``dtype`` (None: ids only): a batch of
    never-received messages as its range of ids (two ints), any other as its id array."""

    def __init__(self, dtype: type | None = None):
        self.dtype = dtype
        self.lo: list[int] = []
        self.n: list[int] = []
        self.range_values: list = []
        self.arrays: list[np.ndarray] = []
        self.array_values: list = []

    def add(self, ids: np.ndarray | Batch, value=None) -> None:
        """Note messages ``ids``: an array, or a batch's."""
        if isinstance(ids, Batch):
            if ids.lo >= 0:
                self.lo.append(ids.lo)
                self.n.append(ids.n)
                self.range_values.append(value)
                return
            ids = ids.ids
        self.arrays.append(ids)
        self.array_values.append(value)

    def ids(self) -> np.ndarray:
        """Every id noted. The ranges come first: a range is its messages' first receive, so
        whatever is noted later for an id stays later."""
        return np.concatenate([expand(_array(self.lo, np.int64), _array(self.n, np.int64)),
                               *self.arrays])

    def flat(self) -> tuple[np.ndarray, np.ndarray]:
        """Every id noted (as :meth:`ids`), and its batch's value."""
        counts = _array([*self.n, *map(len, self.arrays)], np.int64)
        values = _array([*self.range_values, *self.array_values], self.dtype)
        return self.ids(), np.repeat(values, counts)


def _last(column: np.ndarray, noted: Noted) -> None:
    """``column[id]`` = the value last noted for each id."""
    ids, values = noted.flat()
    if noted.arrays:
        Ledger.set_last(column, ids, values)
    else:  # ranges only: each id once
        column[ids] = values


def _array(values: list, dtype) -> np.ndarray:
    return np.fromiter(values, dtype, len(values))


class Rows:
    """What full detail books per batch, until the horizon."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self._clear()

    def _clear(self) -> None:
        self.received = Noted()  # (ids only)
        self.started = Noted(float)  # start times
        self.cold = Noted(bool)  # cold or not
        self.deleted = Noted(float)  # end times

    def book(self) -> None:
        led = self.ledger
        ids = self.received.ids()
        if len(ids):
            led.attempts[: led.n] += np.bincount(ids, minlength=led.n).astype(np.int32)
        _last(led.start, self.started)
        _last(led.cold, self.cold)
        ids, end = self.deleted.flat()
        led.ended(ids, end, SUCCEEDED, led.cold[ids])
        self._clear()
