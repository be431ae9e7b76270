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


class Rows:
    """What full detail books per batch, kept as lists of id arrays until the horizon."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self._clear()

    def _clear(self) -> None:
        self.received: list[np.ndarray] = []
        self.started: tuple[list, list] = ([], [])  # id arrays, start times
        self.cold: tuple[list, list] = ([], [])  # id arrays, cold or not
        self.deleted: tuple[list, list] = ([], [])  # id arrays, end times

    def book(self) -> None:
        led = self.ledger
        if self.received:
            ids = np.concatenate(self.received)
            led.attempts[: led.n] += np.bincount(ids, minlength=led.n).astype(np.int32)
        led.set_last(led.start, *_flat(*self.started))
        led.set_last(led.cold, *_flat(*self.cold))
        ids, end = _flat(*self.deleted)
        led.ended(ids, end, SUCCEEDED, led.cold[ids])
        self._clear()


def _flat(ids: list, values: list) -> tuple[np.ndarray, np.ndarray]:
    """The id arrays joined, and each array's value repeated over its ids."""
    if not ids:
        return np.empty(0, np.int64), np.empty(0)
    counts = np.fromiter(map(len, ids), np.int64, len(ids))
    return np.concatenate(ids), np.repeat(np.asarray(values), counts)
