"""Columns the hot paths append one number at a time (the invocation log, the callers' starts
and endings), kept typed so that no Python object stays alive per item.

An item is written into a numpy buffer through a memoryview, which stores a Python float or
int directly; ``array.array.append`` parses each item with ``PyArg_Parse`` and costs about
five times as much. The buffer doubles when full.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Column:
    """A growing column of one numpy ``dtype`` (float64 or int64): :meth:`add` for a float
    column, :meth:`add_int` for an int one (compiled, ``add`` turns an int into a float, which
    an int64 memoryview refuses)."""

    __slots__ = ("_buf", "_mv", "_cap", "n")

    def __init__(self, dtype: type, size: int = 1024):
        self._buf: np.ndarray = np.empty(size, dtype)
        self._mv: Any = self._buf.data  # a memoryview (typed Any: typeshed's takes ints only)
        self._cap, self.n = size, 0

    def _grow(self) -> None:
        buf: np.ndarray = np.empty(2 * len(self._buf), self._buf.dtype)
        buf[: self.n] = self._buf
        self._buf, self._mv, self._cap = buf, buf.data, len(buf)

    def add(self, x: float) -> None:
        if self.n == self._cap:
            self._grow()
        self._mv[self.n] = x
        self.n += 1

    def add_int(self, x: int) -> None:
        if self.n == self._cap:
            self._grow()
        self._mv[self.n] = x
        self.n += 1

    def values(self) -> np.ndarray:
        """The items so far (a copy)."""
        return self._buf[: self.n].copy()

    def __len__(self) -> int:
        return self.n
