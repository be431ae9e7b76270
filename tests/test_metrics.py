"""The per-period metric helpers: the one-pass maximum concurrency agrees with the interval
maximum computed one period at a time."""

from __future__ import annotations

import numpy as np
import pytest

from lambdasim.results.metrics import concurrency_steps, max_level, max_levels


@pytest.mark.parametrize("seed", range(5))
def test_max_levels_equals_max_level_per_period(seed):
    rng = np.random.default_rng(seed)
    start = np.sort(rng.uniform(5.0, 80.0, 300))  # none before 5 s or after ~90 s
    end = start + rng.exponential(2.0, 300)
    times, levels = concurrency_steps(start, end)
    period = 0.7
    t0 = np.arange(int(np.ceil(100 / period))) * period
    want = [max_level(times, levels, a, a + period) for a in t0]
    got = max_levels(times, levels, t0, t0 + period)
    assert got.tolist() == want  # exactly: the same maxima of the same levels
    assert got[0] == 0.0 and got[-1] == 0.0  # before the first start, after the last end
    assert got.max() == levels.max()


def test_max_levels_level_held_through_periods_without_steps():
    times, levels = concurrency_steps(np.array([1.0, 1.5]), np.array([9.0, 2.0]))
    got = max_levels(times, levels, np.arange(10.0), np.arange(10.0) + 1)
    # one in flight from 2 s to 9 s; as in max_level, a step at a period's end counts in it
    assert got.tolist() == [1, 2, 1, 1, 1, 1, 1, 1, 1, 0]
    assert got.tolist() == [max_level(times, levels, a, a + 1) for a in np.arange(10.0)]


def test_max_levels_without_steps():
    empty = np.empty(0)
    assert max_levels(empty, empty, np.arange(3.0), np.arange(3.0) + 1).tolist() == [0, 0, 0]
