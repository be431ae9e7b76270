"""Figures of a parameter sweep: kept as a module for ``from lambdasim.sweep_plots import
plot_heatmap, plot_sweep``; they live in :mod:`lambdasim.plots.sweep` and are also
``lambdasim.plots.plot_sweep`` and ``lambdasim.plots.plot_heatmap``."""

from .plots.sweep import plot_heatmap, plot_sweep

__all__ = ["plot_heatmap", "plot_sweep"]
