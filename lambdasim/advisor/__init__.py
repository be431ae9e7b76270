"""The advisor: which settings? The cheapest configuration of a grid of knobs whose simulated
latency, backlog age and losses meet the targets with 95 % confidence, with the evidence (every
configuration's means and confidence intervals, the Pareto fronts, what was skipped and why).

A face: it runs the sweep machinery (:mod:`lambdasim.sweep`: seeds, executors, resumable
files) and reads the results layer's columns. The modules: :mod:`.targets` (targets and the
objective), :mod:`.prune` (capacity bounds, dominance), :mod:`.search` (which runs, in which
order), :mod:`.advice` (the answer) and :mod:`.core` (:func:`advise`).
"""

from .advice import Advice, Recommendation
from .core import advise
from .targets import Target, parse_targets

__all__ = ["Advice", "Recommendation", "Target", "advise", "parse_targets"]
