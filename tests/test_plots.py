"""Figures: every plot returns a headless Figure whose axes have titles and labels with units,
for sync, async (S3), Kinesis and SQS sources and for histogram detail; the comparison figure
shares its axes per row; ages are converted to seconds from each metric's own unit. Read from
the artists: a source has one colour in every panel of ``overview`` and ``compare`` (a
function-wide series is in its source's colour, or near-black when several sources feed the
function), legends lie outside the axes, the figures say push and pull, and the age panel
plots the age of the oldest waiting event, never a false 0."""

from __future__ import annotations

import io
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import same_color, to_rgba
from matplotlib.figure import Figure

import lambdasim as ls
from lambdasim import plots
from lambdasim.plots.panels import _CDF_POINTS, _cdf_points

FN = {"name": "f", "duration": {"dist": "lognormal", "mean_s": 0.2, "cv": 0.5},
      "cold_start": {"dist": "constant", "value_s": 0.3}}


def poisson(rate: float) -> dict:
    return {"pattern": "poisson", "rate_per_s": rate}


def scenario(*sources: dict, duration_s: float = 60.0, warmup_s: float = 0.0,
             **function) -> ls.Scenario:
    return ls.Scenario.from_dict({
        "duration_s": duration_s, "warmup_s": warmup_s,
        "functions": [{**FN, **function}],
        "sources": [{"function": "f", **s} for s in sources]})


SYNC_S3 = ({"name": "api", "kind": "sync", "workload": poisson(20)},
           {"name": "uploads", "kind": "s3", "workload": poisson(10)})
KINESIS = ({"name": "clicks", "kind": "kinesis", "shards": 2, "workload": poisson(50)},)
SQS = ({"name": "orders", "kind": "sqs", "batch_size": 10, "workload": poisson(30)},)
#: the demo's situation, small: an S3 source throttled by its function's reserved concurrency
#: and a Kinesis source with a function of its own
PUSH_PULL = {
    "duration_s": 120.0, "warmup_s": 10.0,
    "functions": [{**FN, "name": "push-worker", "reserved_concurrency": 2},
                  {**FN, "name": "pull-worker"}],
    "sources": [{"name": "uploads", "kind": "s3", "function": "push-worker",
                 "workload": poisson(20)},
                {"name": "clicks", "kind": "kinesis", "function": "pull-worker", "shards": 1,
                 "workload": poisson(20)}]}


@pytest.fixture(scope="module")
def results() -> dict[str, ls.Result]:
    out = {
        "sync+s3": ls.simulate(scenario(*SYNC_S3, warmup_s=10), seed=1),
        "kinesis": ls.simulate(scenario(*KINESIS), seed=1),
        "histogram": ls.simulate(scenario(*SYNC_S3, *KINESIS), seed=1,
                                 record_detail="histogram"),
        # reserved concurrency 2 for ~4 erlangs of S3 events: throttles and a growing queue
        "throttled": ls.simulate(scenario(SYNC_S3[1], reserved_concurrency=2), seed=1),
        "sqs": ls.simulate(scenario(*SQS), seed=1),
        "push+pull": ls.simulate(ls.Scenario.from_dict(PUSH_PULL), seed=1),
    }
    return out


NAMES = ["sync+s3", "kinesis", "histogram", "throttled", "sqs", "push+pull"]
SINGLE = [plots.latency_cdf, plots.throughput, plots.throttles, plots.concurrency, plots.ages,
          plots.outcomes]


def assert_labelled(ax) -> None:
    assert ax.get_title(), "axes without a title"
    if ax.xaxis.get_ticklabels() or ax.get_xlabel():
        assert "(" in ax.get_xlabel(), f"x label without unit: {ax.get_xlabel()!r}"
    assert "(" in ax.get_ylabel(), f"y label without unit: {ax.get_ylabel()!r}"


def render(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    return buf.getvalue()


def texts(ax) -> str:
    return " ".join(t.get_text() for t in ax.texts)


def legend(ax) -> list[str]:
    leg = ax.get_legend()
    return [t.get_text() for t in leg.get_texts()] if leg else []


def test_plots_do_not_use_pyplot_and_lambdasim_does_not_import_widgets():
    code = ("import sys, lambdasim; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported by lambdasim'; "
            "import lambdasim.plots; "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'; "
            "assert 'lambdasim.widgets' not in sys.modules, 'widgets imported'; "
            "assert 'ipywidgets' not in sys.modules, 'ipywidgets imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_sweep_figures_are_plain_attributes_of_plots():
    """``from lambdasim.plots import plot_heatmap, plot_sweep`` (notebook 07, README) and the
    older ``lambdasim.sweep_plots`` give the same functions, without a module __getattr__."""
    from lambdasim import sweep_plots
    from lambdasim.plots import plot_heatmap, plot_sweep

    assert plot_sweep is sweep_plots.plot_sweep and plot_heatmap is sweep_plots.plot_heatmap
    assert {"plot_sweep", "plot_heatmap"} <= set(vars(plots)) and "__getattr__" not in vars(plots)
    assert set(plots.__all__) <= set(vars(plots))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("plot", SINGLE, ids=lambda f: f.__name__)
def test_each_plot_is_a_labelled_figure(results, name, plot):
    fig = plot(results[name])
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert_labelled(ax)
    assert render(fig).startswith(b"\x89PNG")


@pytest.mark.parametrize("name", NAMES)
def test_overview(results, name):
    fig = plots.overview(results[name])
    assert len(fig.axes) == 6
    for ax in fig.axes:
        assert_labelled(ax)
    assert fig.get_suptitle()
    if name == "sync+s3":
        render(fig)


def test_plots_draw_into_given_axes(results):
    fig = Figure()
    ax = fig.add_subplot()
    assert plots.throughput(results["kinesis"], ax=ax) is fig
    assert len(fig.axes) == 1 and ax.lines


# -- latency ----------------------------------------------------------------------------------
def test_latency_cdf_marks_percentiles_of_the_summary(results):
    r = results["sync+s3"]
    ax = plots.latency_cdf(r).axes[0]
    for row in r.summary.itertuples():
        for q, v in ((50, row.latency_p50_s), (99, row.latency_p99_s)):
            assert f"p{q} {v:.3g} s" in texts(ax)
    curve = [ln for ln in ax.lines if ln.get_label().startswith("api")][0]
    y = curve.get_ydata()
    assert y[-1] == pytest.approx(1.0) and np.all(np.diff(y) >= 0)
    assert ax.get_xscale() == "log"


def test_latency_cdf_thins_large_samples_but_keeps_the_ends():
    lat = np.sort(np.random.default_rng(0).lognormal(0, 1, 100_000))
    x, y = _cdf_points(lat)
    assert len(x) <= _CDF_POINTS + 1
    assert x[0] == lat[0] and x[-1] == lat[-1] and y[-1] == 1.0
    assert np.all(np.diff(x) >= 0)
    # the tail is kept dense: a point within the last 0.1 %
    assert (y > 0.999).sum() >= 10


def test_latency_cdf_with_histogram_detail_uses_the_summary_and_says_so(results):
    r = results["histogram"]
    with pytest.raises(ValueError):
        r.events  # noqa: B018 - the property raises
    ax = plots.latency_cdf(r).axes[0]
    assert "record_detail" in texts(ax)
    p50 = r.summary.set_index("source").loc["clicks", "latency_p50_s"]
    assert f"p50 {p50:.3g} s" in texts(ax)


# -- throttles, concurrency, ages -------------------------------------------------------------
def test_throttles_stacked_by_reason(results):
    r = results["throttled"]
    ax = plots.throttles(r, period_s=10).axes[0]
    assert "uploads (s3, push): reserved" in legend(ax)
    steps = [p.get_data() for p in ax.patches if p.get_label() != "warm-up"]
    total = sum(float(np.sum(d.values - d.baseline)) for d in steps) * 10
    assert total == pytest.approx(len(r.throttles), rel=1e-9)
    ax = plots.throttles(results["kinesis"]).axes[0]
    assert "no throttles" in texts(ax)


def test_concurrency_draws_limits_or_lists_them_off_scale(results):
    ax = plots.concurrency(results["throttled"]).axes[0]
    labels = legend(ax)
    assert "f reserved 2" in labels
    assert "account limit 1000 (off scale)" in labels
    ax = plots.concurrency(results["kinesis"]).axes[0]
    assert any("shards x ParallelizationFactor 2" in lbl for lbl in legend(ax))


def age_line(ax, source: str, metric: str):
    return [ln for ln in ax.lines
            if ln.get_label().startswith(f"{source} (")
            and ln.get_label().endswith(plots.AGE_NAMES[metric])][0]


def test_ages_are_plotted_in_seconds_from_each_metrics_unit(results):
    for name, metric in (("throttled", "OldestWaitingEventAge"), ("kinesis", "IteratorAge")):
        r = results[name]
        src = r.scenario.sources[0].name
        ax = plots.ages(r, period_s=10).axes[0]
        line = age_line(ax, src, metric)
        m = r.metrics(10)
        raw = m[(m.metric == metric) & (m.source == src)].value.to_numpy()
        assert plots.age_unit(metric) == "Milliseconds"
        assert np.nanmax(line.get_ydata()) == pytest.approx(np.nanmax(raw) / 1e3)
        # a period without a data point is a gap in the line, not a 0
        assert (np.isnan(line.get_ydata()) == np.isnan(raw)).all()
        assert plots.max_age_s(r, src) == pytest.approx(np.nanmax(raw) / 1e3)
    assert "no queue or stream source" in texts(plots.ages(
        ls.simulate(scenario(SYNC_S3[0], duration_s=10))).axes[0])


def test_push_age_is_the_oldest_waiting_event_never_a_false_zero(results):
    """AWS's AsyncEventAge is emitted only when an event is invoked: while throttled events
    wait it can show a fresh event's small age. The panel plots the age of the oldest event
    still waiting, so in every period during which an event waited throughout it is at least
    as old as that event at the period's start."""
    r = results["throttled"]
    period = 10.0
    ax = plots.ages(r, period_s=period).axes[0]
    line = age_line(ax, "uploads", "OldestWaitingEventAge")
    assert "AsyncEventAge" not in " ".join(ln.get_label() for ln in ax.lines)
    assert "oldest waiting event" in ax.get_title() and "waiting" in ax.get_ylabel()
    ev = r.events
    left = np.where(ev.start_s.notna(), ev.start_s, np.where(ev.end_s.notna(), ev.end_s, np.inf))
    y = line.get_ydata()
    checked = 0
    for k, t0 in enumerate(np.arange(0, r.duration_s, period)):
        waiting = (ev.enqueued_s < t0) & (left > t0 + period)
        if waiting.any():
            assert y[k] >= t0 - ev.enqueued_s[waiting].min() - 1.0  # sampled once a second
            assert y[k] > 0
            checked += 1
    assert checked >= 3
    # AsyncEventAge, as AWS has it, would have shown less than the oldest waiting event
    m = r.metrics(period)
    aea = m[(m.metric == "AsyncEventAge") & (m.source == "uploads")].value.to_numpy() / 1e3
    assert (np.nan_to_num(aea) < y - 1).any()


def test_sqs_queue_age_is_in_seconds(results):
    r = results["sqs"]
    assert plots.age_unit("ApproximateAgeOfOldestMessage") == "Seconds"
    ax = plots.ages(r, period_s=10).axes[0]
    line = [ln for ln in ax.lines if "ApproximateAgeOfOldestMessage" in ln.get_label()][0]
    m = r.metrics(10)
    raw = m[(m.metric == "ApproximateAgeOfOldestMessage") & (m.source == "orders")].value
    assert np.nanmax(line.get_ydata()) == pytest.approx(np.nanmax(raw))


# -- colours, legends, push and pull --------------------------------------------------------
def series(ax) -> list[tuple[str, tuple]]:
    """(label, colour) of every labelled series of ``ax``: lines (curves, limits) and filled
    steps (throttles); the warm-up shading and unlabelled helpers left out."""
    out = [(ln.get_label(), to_rgba(ln.get_color())) for ln in ax.lines]
    out += [(p.get_label(), to_rgba(p.get_facecolor())) for p in ax.patches]
    return [(lbl, c) for lbl, c in out if lbl and not lbl.startswith("_") and lbl != "warm-up"]


def assert_one_colour_per_source(ax, result, colors: dict) -> None:
    """A series named after a source is in its colour, and a series in a source's colour is
    about that source or the function only it feeds."""
    feeds: dict[str, list[str]] = {}
    for src in result.scenario.sources:
        feeds.setdefault(src.function, []).append(src.name)
    for lbl, c in series(ax):
        for src in result.scenario.sources:
            own = colors[src.name]
            if lbl.startswith(f"{src.name} (") or lbl.startswith(f"{src.name}: "):
                assert same_color(c[:3], own[:3]), f"{ax.get_title()}: {lbl!r} not in its colour"
            if same_color(c[:3], own[:3]):
                mine = feeds[src.function] == [src.name] and lbl.split()[0] in (
                    src.function, f"{src.function}:")
                assert src.name in lbl or mine, (
                    f"{ax.get_title()}: {lbl!r} drawn in the colour of source {src.name!r}")


def test_each_source_has_one_colour_in_every_panel_of_overview(results):
    for name in ("push+pull", "sync+s3", "throttled"):
        r = results[name]
        fig = plots.overview(r)
        colors = plots.source_colors(r)
        for ax in fig.axes:
            assert_one_colour_per_source(ax, r, colors)
    # the demo's bug: the push function's throttles drawn in the colour that means Kinesis
    r = results["push+pull"]
    colors = plots.source_colors(r)
    thr = [ax for ax in plots.overview(r).axes if "Throttled" in ax.get_title()][0]
    drawn = series(thr)
    assert drawn and all(lbl.startswith("uploads (s3, push)") for lbl, _ in drawn)
    assert all(same_color(c[:3], colors["uploads"][:3]) for _, c in drawn)
    assert not any(same_color(c[:3], colors["clicks"][:3]) for _, c in drawn)
    # reasons are hatches, not colours
    assert {p.get_hatch() for p in thr.patches if p.get_label().endswith("reserved")} == {
        plots.REASON_HATCHES["reserved"]}
    # the outcome bars: each source's bar in its colour (pale for outcomes but succeeded)
    out = [ax for ax in plots.overview(r).axes if "Outcome" in ax.get_title()][0]
    for bar in out.patches:
        row = r.summary.source.iloc[round(bar.get_y() + bar.get_height() / 2)]
        rgb = np.array(to_rgba(bar.get_facecolor())[:3])
        own = np.array(colors[row][:3])
        pale = own + (1 - own) * 0.6
        assert np.allclose(rgb, own) or np.allclose(rgb, pale), row


def test_a_function_fed_by_several_sources_has_a_colour_of_its_own(results):
    r = results["sync+s3"]  # api (sync) and uploads (s3) both invoke f
    colors = plots.source_colors(r)
    assert plots.function_colors(r)["f"] == plots.MIXED_COLOR
    assert not any(same_color(plots.MIXED_COLOR, c) for c in colors.values())
    ax = plots.concurrency(r).axes[0]
    (line,) = [ln for ln in ax.lines if ln.get_label().startswith("f (")]
    assert line.get_label() == "f (from api + uploads, push)"
    assert same_color(line.get_color(), plots.MIXED_COLOR)
    # throttles are per source, each in its own colour
    r = ls.simulate(scenario(*SYNC_S3, reserved_concurrency=2), seed=1)
    drawn = series(plots.throttles(r).axes[0])
    assert {lbl.split(" (")[0] for lbl, _ in drawn} == {"api", "uploads"}
    for lbl, c in drawn:
        assert same_color(c[:3], colors[lbl.split(" (")[0]][:3])


def test_a_source_keeps_its_colour_across_figures(results):
    r = results["sync+s3"]
    colors = plots.source_colors(r)
    assert colors["api"] != colors["uploads"]
    lat = plots.latency_cdf(r).axes[0]
    thr = plots.throughput(r).axes[0]
    for ax in (lat, thr):
        line = [ln for ln in ax.lines if ln.get_label().startswith("uploads")][0]
        assert matplotlib.colors.same_color(line.get_color(), colors["uploads"])


def test_pair_colours_match_by_name_and_kind(results):
    a, b = results["sync+s3"], results["kinesis"]
    ca, cb = plots.pair_colors(a, b)
    assert cb["clicks"] not in ca.values()
    ca2, cb2 = plots.pair_colors(a, results["histogram"])  # same api and uploads sources
    assert cb2["api"] == ca2["api"] and cb2["uploads"] == ca2["uploads"]


def test_compare_keeps_each_source_in_one_colour_in_every_row(results):
    a, b = results["throttled"], results["kinesis"]
    fig = plots.compare(a, b)
    ca, cb = plots.pair_colors(a, b)
    axs = np.array(fig.axes).reshape(-1, 2)
    for left, right in axs:
        assert_one_colour_per_source(left, a, ca)
        assert_one_colour_per_source(right, b, cb)
        # the row's legend lists both columns, each entry in its source's colour
        texts = legend(right)
        assert not left.get_legend()
        for handle, text in zip(right.get_legend().legend_handles, texts, strict=True):
            for name, c in (("uploads", ca["uploads"]), ("clicks", cb["clicks"])):
                if text.startswith(f"{name} ("):
                    col = (handle.get_color() if hasattr(handle, "get_color")
                           else handle.get_facecolor())
                    assert same_color(to_rgba(col)[:3], c[:3]), text


def legends_outside(fig: Figure) -> int:
    """Check that no legend overlaps the data area of any axes and that each lies within the
    figure; the number of legends."""
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [ax.get_window_extent(renderer) for ax in fig.axes]
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    for leg in legends:
        box = leg.get_window_extent(renderer)
        for ax, axbox in zip(fig.axes, boxes, strict=True):
            assert not box.overlaps(axbox), (
                f"legend {[t.get_text() for t in leg.get_texts()][:2]} over {ax.get_title()!r}")
        assert box.x1 <= fig.bbox.x1 + 1 and box.y0 >= fig.bbox.y0 - 1, "legend cut off"
    return len(legends)


def test_legends_are_outside_the_data(results):
    r = results["push+pull"]
    assert legends_outside(plots.overview(r)) == 6
    for plot in SINGLE:
        assert legends_outside(plot(r)) == 1
    a, b = results["throttled"], results["kinesis"]
    for layout in ("constrained", None):
        fig = plots.compare(a, b, layout=layout)
        assert legends_outside(fig) == len(plots.COMPARE_ROWS)  # one per row
        # redrawn into the same figure: still outside
        assert legends_outside(plots.compare(b, a, labels=("pull", "push"), layout=layout,
                                             fig=fig)) == len(plots.COMPARE_ROWS)


def test_figures_say_push_and_pull(results):
    r = results["push+pull"]
    fig = plots.overview(r)
    title = fig.get_suptitle()
    assert "uploads (s3, push)" in title and "clicks (kinesis, pull)" in title
    for ax in fig.axes:
        for text in legend(ax):
            if text.startswith(("uploads (", "clicks (", "push-worker (", "pull-worker (")):
                assert "push" in text or "pull" in text, text
    assert [t.get_text() for t in fig.axes[-1].get_yticklabels()] == [
        "uploads (s3, push)", "clicks (kinesis, pull)"]
    # columns named otherwise: the legends and the title still say which side is which
    a, b = results["throttled"], results["kinesis"]
    fig = plots.compare(a, b, labels=("before", "after"))
    assert "s3 'uploads', push" in fig.get_suptitle()
    assert "kinesis 'clicks', pull" in fig.get_suptitle()
    words = " ".join(t for ax in fig.axes for t in legend(ax))
    assert "uploads (s3, push)" in words and "clicks (kinesis, pull)" in words
    # the explorer's column names say it already: not twice in the title
    assert plots.compare(a, b).get_suptitle().startswith("push (s3 'uploads') vs pull (")
    assert plots.side("sync") == plots.side("eventbridge") == "push"
    assert plots.side("sqs") == plots.side("dynamodb") == "pull"


# -- compare ----------------------------------------------------------------------------------
def test_compare_is_one_figure_with_axes_shared_per_row(results):
    a, b = results["throttled"], results["kinesis"]
    fig = plots.compare(a, b, labels=("push", "pull"))
    rows = len(plots.COMPARE_ROWS)
    assert len(fig.axes) == 2 * rows
    axs = np.array(fig.axes).reshape(rows, 2)
    for i in range(rows):
        left, right = axs[i]
        assert left.get_shared_y_axes().joined(left, right)
        assert left.get_shared_x_axes().joined(left, right)
        assert left.get_title().startswith("push") and right.get_title().startswith("pull")
        assert_labelled(left)
        assert right.get_title() and "(" in right.get_xlabel()
        assert left.get_ylim() == right.get_ylim()
    title = fig.get_suptitle()
    assert "push" in title and "pull" in title and "s3" in title and "kinesis" in title
    # the push column's queue age (tens of seconds) sets the scale of the pull column too
    age_row = axs[plots.COMPARE_ROWS.index("ages")]
    push_age = age_line(age_row[0], "uploads", "OldestWaitingEventAge").get_ydata()
    assert np.nanmax(push_age) > 10
    assert age_row[1].get_ylim()[1] >= np.nanmax(push_age)
    render(fig)


def test_compare_options_and_errors(results):
    a, b = results["sync+s3"], results["histogram"]
    fig = plots.compare(a, b, labels=("before", "after"), rows=("latency", "throughput"),
                        layout=None)
    assert len(fig.axes) == 4 and fig.axes[0].get_title().startswith("before")
    again = plots.compare(a, b, labels=("before", "after"), rows=("latency", "throughput"),
                          layout=None, fig=fig)
    assert again is fig and len(fig.axes) == 4
    with pytest.raises(ValueError, match="labels"):
        plots.compare(a, b, labels=("one",))
    with pytest.raises(ValueError, match="rows"):
        plots.compare(a, b, rows=("latency", "nonsense"))


def test_compare_redrawn_into_its_figure_looks_as_if_new(results):
    """The explorer reuses one figure: emptied axes must not keep old bars, legends or
    scales."""
    fig = plots.compare(results["throttled"], results["sync+s3"], layout=None)
    render(fig)
    c, d = results["kinesis"], results["histogram"]
    assert plots.compare(c, d, layout=None, fig=fig) is fig
    assert render(fig) == render(plots.compare(c, d, layout=None))


def test_nice_period():
    assert plots.nice_period(120) == 2
    assert plots.nice_period(3600) == 60
    assert plots.nice_period(10) == 1


def test_the_explorers_live_figure_looks_like_compare_drawn_anew(results):
    """``LiveCompare`` keeps frames and pastes cached texts; each redraw must still show what
    :func:`compare` draws from scratch: the same size, and every pixel within one pixel's
    shift of the same colour (a text is pasted up to half a pixel from where Agg puts it).
    A stale tick label (frames kept when only the y limits changed) fails this. Going back
    to the first pair gives the first image again, byte for byte."""
    from PIL import Image

    from lambdasim.plots.live import LiveCompare

    def pixels(png: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)

    live = LiveCompare(dpi=72)
    busier = {**KINESIS[0], "workload": poisson(150)}  # same legends, other y limits
    results = {**results, "busier": ls.simulate(scenario(busier), seed=1)}
    pairs = [("sync+s3", "kinesis"), ("throttled", "kinesis"), ("throttled", "busier"),
             ("sync+s3", "kinesis")]
    rows = ("latency", "throughput", "throttles")  # x and y limits change; bars under the grid
    first = None
    for a, b in pairs:
        png = live.update(results[a], results[b], rows=rows)
        fig = plots.compare(results[a], results[b], layout=None, rows=rows)
        buf = io.BytesIO()
        with matplotlib.rc_context({"text.hinting": "none"}):
            fig.savefig(buf, format="png", dpi=72)
        got, want = pixels(png), pixels(buf.getvalue())
        assert got.shape == want.shape
        h, w, _ = got.shape
        pad = np.pad(want, ((1, 1), (1, 1), (0, 0)), mode="edge")
        off = np.min([np.abs(got - pad[1 + dy:1 + dy + h, 1 + dx:1 + dx + w]).max(axis=-1)
                      for dy in (-1, 0, 1) for dx in (-1, 0, 1)], axis=0)
        assert off.max() < 160, (a, b, off.max())
        first = first or png
    assert png == first
