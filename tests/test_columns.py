"""The hot paths' typed columns keep every item, in order, through their buffer's growth."""

import numpy as np

from lambdasim.sim.columns import Column


def test_a_float_column_keeps_every_item_through_growth():
    col, xs = Column(float, size=4), np.random.default_rng(1).random(1000)
    for x in xs.tolist():
        col.add(x)
    assert len(col) == 1000
    out = col.values()
    assert out.dtype == np.float64 and np.array_equal(out, xs)
    col.add(2)  # an int is stored as a float
    assert col.values()[-1] == 2.0 and len(out) == 1000  # values() is a copy


def test_an_int_column_keeps_ids_exactly():
    col = Column(np.int64, size=1)
    ids = [0, 1, 2**40, 7, 300_000]
    for i in ids:
        col.add_int(i)
    assert col.values().dtype == np.int64 and col.values().tolist() == ids
