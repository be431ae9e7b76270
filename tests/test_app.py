"""The explorer as a web app, tested in a real browser: Voila serves notebooks/explorer.ipynb on
a free loopback port, headless Chromium (driven by Playwright) opens it, and what a user sees
must render and react: the controls and the first figure appear, no code is shown, the summary
table is seen without scrolling on a laptop screen (1366x768 and 1440x900), the push latency's
assumed delay is noted, the browser console has no version-mismatch warnings, a slider moved by
keyboard re-simulates (the summary table's numbers change, the figure is redrawn), a
provisioned value the account cannot hold is lowered with a note, not refused, an invalid
combination shows lambdasim's validation message on the page, and a closed page's kernel is
shut down by the idle culler.

Voila runs with the flags ``make app`` gives it (``make -s voila-flags``: idle-kernel
culling), the culling times shortened, and the notebook trusted first as ``make app``
does, in a Jupyter data directory of the test's own; its log must not say the notebook is not
trusted.

Needs the system Chromium (Debian: ``apt-get install chromium``; Playwright launches it with
``executable_path``: never ``playwright install``, which downloads a browser of its own). Without
it the test is skipped locally with that hint; in CI (``CI=true``, which ``.ci/run`` sets) it
fails instead, so CI always runs it. ``LAMBDASIM_APP_SCREENSHOT=path`` also saves a screenshot
of the app as first shown there (``make app-screenshot`` writes docs/explorer.png) and makes a
missing browser an error too. ``LAMBDASIM_CHROMIUM`` overrides the browser's path.

Every wait is bounded; the Voila server runs in its own process group and is stopped, with the
kernels it started, by its process id in the fixture's teardown.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "explorer.ipynb"
#: launch flags that work on the CI machines, as root, with no network beyond loopback
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
INSTALL_HINT = ("needs the system Chromium: apt-get install chromium (or set "
                "LAMBDASIM_CHROMIUM to a Chromium binary); never `playwright install`")
SERVER_START_S = 60      # Voila listening on its port
CULL_IDLE_S = 4          # the test's culling: a closed page's kernel idle this long is shut down
CULL_WAIT_S = 60         # ... within this (interval 1 s; the server's loop may be busy)
PAGE_LOAD_MS = 120_000   # page, kernel start, notebook run and first simulation (2 slow cores)
CHANGE_MS = 60_000       # a knob change: round trip to the kernel, two simulations, redraw
STOP_S = 20              # Voila shutting down its kernels after SIGTERM
VIEWPORT = {"width": 1440, "height": 1000}
#: laptop screens -> the page's viewport there: the screen less ~150 px of browser toolbars and
#: the system's task bar
LAPTOPS = {"1366x768": {"width": 1366, "height": 618}, "1440x900": {"width": 1440, "height": 750}}
#: console messages that are noise on every visit (a version mismatch between JupyterLab
#: packages; pyproject.toml's `app` extra pins versions that match)
NOISE = ("Unsatisfied version", "No satisfying version")

# the page's parts: the explorer gives each widget the CSS class lambdasim-<attribute>
RATE = ".lambdasim-rate"
SHARDS = ".lambdasim-shards"
PROVISIONED = ".lambdasim-provisioned"
PULL_KIND = ".lambdasim-pull-kind select"
SQS_BATCH = ".lambdasim-sqs-batch-size input"
NOTE = ".lambdasim-note"
FIGURE = "img.lambdasim-figure"
TABLE = "table.lambdasim-summary"
ERROR = ".lambdasim-error"
STATUS = ".lambdasim-status"


def _required() -> bool:
    """Whether a missing browser (or app dependency) fails the test instead of skipping it."""
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return ci or bool(os.environ.get("LAMBDASIM_APP_SCREENSHOT"))


def _missing(what: str) -> None:
    msg = f"browser test of the explorer app {what}"
    if _required():
        pytest.fail(f"{msg} (CI must run this test, not skip it)", pytrace=False)
    pytest.skip(msg)


def _chromium() -> str:
    path = (os.environ.get("LAMBDASIM_CHROMIUM") or shutil.which("chromium")
            or shutil.which("chromium-browser"))
    if not path or not os.access(path, os.X_OK):
        _missing(INSTALL_HINT)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (Voila's kernels run in sessions of their own)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(stat.parent.name))
    return out


def _stop(proc: subprocess.Popen) -> None:
    """Stop the Voila server we started: SIGTERM to its process group (it shuts its kernels
    down), SIGKILL after STOP_S; then any kernel of it still running."""
    kernels = _children(proc.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=STOP_S)
    for pid in kernels:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def voila_flags(**make_vars) -> list[str]:
    """The flags ``make app`` gives Voila (``make -s voila-flags``), with Makefile variables
    overridden by ``make_vars`` (e.g. ``APP_CULL_IDLE_S=4``)."""
    if shutil.which("make") is None:
        pytest.skip("needs make")
    out = subprocess.run(["make", "-s", "--no-print-directory", "voila-flags",
                          *(f"{k}={v}" for k, v in make_vars.items())],
                         cwd=ROOT, capture_output=True, text=True, check=True, timeout=30)
    return out.stdout.split()


def test_make_app_culls_the_kernels_of_closed_pages():
    """`make app` passes Voila idle-kernel culling: a kernel with no page connected is shut
    down after APP_CULL_IDLE_S idle seconds; one with a page open never is."""
    flags = dict(f.lstrip("-").split("=", 1) for f in voila_flags())
    assert int(flags["MappingKernelManager.cull_idle_timeout"]) > 0
    assert 0 < int(flags["MappingKernelManager.cull_interval"]) <= int(
        flags["MappingKernelManager.cull_idle_timeout"])
    assert flags["MappingKernelManager.cull_connected"] == "False"  # an open page keeps it
    assert flags["MappingKernelManager.cull_busy"] == "False"
    assert voila_flags(APP_CULL_IDLE_S=7)[0] == "--MappingKernelManager.cull_idle_timeout=7"
    dry = subprocess.run(["make", "-n", "app"], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=30).stdout.replace("\\\n", " ")
    (voila,) = [line for line in dry.splitlines() if "bin/voila " in line]
    for flag in voila_flags():
        assert flag in voila
    assert "jupyter trust notebooks/explorer.ipynb" in dry


@pytest.fixture
def voila_app(tmp_path):
    """The explorer app served by Voila on a free loopback port, with ``make app``'s flags
    (culling shortened) and the notebook trusted: yields (url, log path, server process)."""
    if importlib.util.find_spec("voila") is None:
        _missing("needs Voila (the notebooks extra): pip install -e '.[notebooks]'")
    port = _free_port()
    log_path = tmp_path / "voila.log"
    cmd = [sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
           f"--Voila.connection_dir_root={tmp_path}",
           *voila_flags(APP_CULL_IDLE_S=CULL_IDLE_S, APP_CULL_INTERVAL_S=1)]
    env = {**os.environ, "JUPYTER_PLATFORM_DIRS": "1", "MPLBACKEND": "agg",
           "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data")}
    subprocess.run([sys.executable, "-m", "nbformat.sign", str(NOTEBOOK)], env=env, check=True,
                   capture_output=True, timeout=60)  # as `make app` does: jupyter trust
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while not _listening(port):
            if proc.poll() is not None:
                pytest.fail(f"voila exited with status {proc.returncode}:\n"
                            f"{log_path.read_text()}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"voila not listening on 127.0.0.1:{port} after "
                            f"{SERVER_START_S} s:\n{log_path.read_text()}", pytrace=False)
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/", log_path, proc
    finally:
        _stop(proc)


@pytest.fixture
def browser():
    """Headless system Chromium, launched by Playwright."""
    path = _chromium()
    if importlib.util.find_spec("playwright") is None:
        _missing("needs the Python package playwright (the test extra): "
                 "pip install -e '.[test]'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True,
                              timeout=60_000)
        try:
            yield b
        finally:
            b.close()


def _numbers(table_text: str) -> dict[str, list[str]]:
    """The summary table's rows: quantity -> [push, pull] as shown."""
    rows = {}
    for line in table_text.splitlines():
        cells = [c.strip() for c in line.split("\t") if c.strip()]
        if len(cells) == 3:
            rows[cells[0]] = cells[1:]
    return rows


def _state(page) -> dict:
    return {"src": page.get_attribute(FIGURE, "src"), "table": page.inner_text(TABLE)}


def _wait_redrawn(page, before: dict) -> None:
    """Wait (bounded) until both the figure and the table differ from ``before`` and the new
    figure has loaded."""
    page.wait_for_function(
        """([fig, table, src, text]) => {
            const img = document.querySelector(fig), tab = document.querySelector(table);
            return img && tab && img.src !== src && tab.innerText !== text
                && img.complete && img.naturalWidth > 0;
        }""", arg=[FIGURE, TABLE, before["src"], before["table"]], timeout=CHANGE_MS)


def _kernels(proc) -> list[int]:
    """The kernels Voila runs (its child processes)."""
    return _children(proc.pid)


def test_explorer_app_in_a_real_browser(browser, voila_app, tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    url, log_path, server = voila_app
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(CHANGE_MS)
    errors: list[str] = []
    console: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    # loopback only: a CDN stylesheet Voila links (icons) would only wait on a closed network
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    step = "loading the page"

    def shot(name: str) -> Path:
        path = tmp_path / f"explorer-{name}.png"
        page.screenshot(path=path)
        return path

    try:
        page.goto(url, timeout=PAGE_LOAD_MS, wait_until="domcontentloaded")
        step = "waiting for the controls and the first figure"
        page.wait_for_selector(f"{RATE} .noUi-handle", timeout=PAGE_LOAD_MS)
        page.wait_for_function(
            "s => { const i = document.querySelector(s); "
            "return i && i.complete && i.naturalWidth > 0; }",
            arg=FIGURE, timeout=PAGE_LOAD_MS)
        page.wait_for_selector(TABLE, timeout=PAGE_LOAD_MS)

        step = "checking the page"
        html = page.content()
        assert "import ipywidgets" not in html and "explorer()" not in html  # no code shown
        assert "pushed versus pulled" in page.inner_text("body")  # the markdown explanation
        # each knob is explained in AWS terms: a tooltip, and the side note
        assert "ReservedConcurrentExecutions" in page.get_attribute(
            ".lambdasim-reserved label", "title")
        assert "ParallelizationFactor" in page.inner_text(".lambdasim-knob-help")
        # controls on one side, figure and table on the other
        controls = page.locator(".lambdasim-controls").bounding_box()
        figure = page.locator(FIGURE).bounding_box()
        assert controls["x"] + controls["width"] <= figure["x"]
        first = _numbers(page.inner_text(TABLE))
        assert first["source kind"] == ["s3", "kinesis"] and first["offered"][0] != "0"
        # S3's assumed delivery delay is most of the push latency at the defaults: said so
        assert "Push latency is mostly an assumed delay" in page.inner_text(NOTE)
        # no console noise on a visit, and Voila's log has no warning about the notebook
        noise = [m for m in console if any(n in m for n in NOISE)]
        assert not noise, f"version-mismatch warnings in the console: {noise[:3]}"
        log = log_path.read_text()
        assert "not trusted" not in log, log[-2000:]

        step = "finding the summary table on laptop screens"
        for name, viewport in LAPTOPS.items():
            page.set_viewport_size(viewport)
            page.wait_for_timeout(300)
            box = page.locator(TABLE).bounding_box()
            shot(f"laptop-{name}")
            assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (
                f"{name}: the summary table ends at {box['y'] + box['height']:.0f} px, below "
                f"the {viewport['height']} px a browser shows there")

        # the whole page in one screenshot (Voila scrolls an inner panel, so a full-page
        # screenshot would show only the viewport): a viewport as tall as the cells
        page.set_viewport_size(VIEWPORT)
        height = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('.jp-Cell, .lambdasim-app')]"
            ".map(e => e.getBoundingClientRect().bottom))")
        page.set_viewport_size({"width": VIEWPORT["width"],
                                "height": min(int(height) + 24, 4000)})
        shot("first")
        if os.environ.get("LAMBDASIM_APP_SCREENSHOT"):
            out = Path(os.environ["LAMBDASIM_APP_SCREENSHOT"]).resolve()
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=out)

        step = "moving the arrival-rate slider by keyboard"
        before, readout = _state(page), page.inner_text(f"{RATE} .widget-readout")
        page.focus(f"{RATE} .noUi-handle")
        page.keyboard.press("ArrowRight")
        _wait_redrawn(page, before)
        assert page.inner_text(f"{RATE} .widget-readout") != readout
        after = _numbers(page.inner_text(TABLE))
        assert after["offered"] != first["offered"]  # more arrivals, both sides
        assert after["offered"][0] == after["offered"][1]  # the same arrivals
        shot("rate")

        step = "moving the shards slider by keyboard"
        before, rows = _state(page), after
        page.focus(f"{SHARDS} .noUi-handle")
        page.keyboard.press("ArrowRight")
        _wait_redrawn(page, before)
        assert page.inner_text(f"{SHARDS} .widget-readout") == "2"
        after = _numbers(page.inner_text(TABLE))
        assert after["invocations"][0] == rows["invocations"][0]  # push run not re-simulated
        assert after["invocations"][1] != rows["invocations"][1]  # a poller per shard

        step = "asking for more provisioned concurrency than the account allows"
        before = _state(page)
        page.focus(f"{PROVISIONED} .noUi-handle")
        page.keyboard.press("End")  # provisioned 1000 of the account's 1000: AWS keeps 100
        page.locator(NOTE).get_by_text("Provisioned concurrency 1000 lowered to 900").wait_for(
            timeout=CHANGE_MS)
        _wait_redrawn(page, before)  # simulated with 900, not refused
        assert page.inner_text(ERROR).strip() == ""  # not refused: no "Invalid settings"
        shot("fitted")
        before = _state(page)
        page.keyboard.press("Home")  # provisioned back to 0
        _wait_redrawn(page, before)
        page.wait_for_function(  # the notes come with the table; bounded all the same
            "s => !document.querySelector(s).innerText.includes('lowered')", arg=NOTE,
            timeout=CHANGE_MS)

        step = "switching to SQS and entering invalid settings"
        before = _state(page)
        page.select_option(PULL_KIND, "sqs")
        _wait_redrawn(page, before)
        assert _numbers(page.inner_text(TABLE))["source kind"] == ["s3", "sqs"]
        before = _state(page)
        page.fill(SQS_BATCH, "50")  # BatchSize above 10 needs a batching window
        page.press(SQS_BATCH, "Enter")
        page.locator(ERROR).get_by_text("Invalid settings").wait_for(timeout=CHANGE_MS)
        message = page.inner_text(ERROR)
        assert "batch_size = 50" in message and "batching_window_s" in message, message
        assert "Traceback" not in page.inner_text("body")
        assert _state(page) == before  # the figure and table keep the last valid run
        shot("invalid")

        step = "fixing the settings"
        page.fill(SQS_BATCH, "10")  # the last valid settings again
        page.press(SQS_BATCH, "Enter")
        page.wait_for_function(
            "([err, status]) => document.querySelector(err).innerText.trim() === '' && "
            "document.querySelector(status).innerText.includes('nothing (unchanged) re-run')",
            arg=[ERROR, STATUS], timeout=CHANGE_MS)
        assert page.inner_text(TABLE) == before["table"]  # the same runs, kept, are shown
        assert not errors, f"JavaScript errors on the page: {errors}"

        step = "closing the page: its kernel is culled"
        assert len(_kernels(server)) == 1
        page.close()
        deadline = time.monotonic() + CULL_IDLE_S + CULL_WAIT_S
        while _kernels(server) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not _kernels(server), "the closed page's kernel is still running"
        assert "Culling" in log_path.read_text()
    except (AssertionError, PlaywrightTimeout) as exc:
        with contextlib.suppress(Exception):
            shot("failure")
        raise AssertionError(
            f"{step}: {exc}\nscreenshots in {tmp_path}\nvoila log:\n"
            f"{log_path.read_text()[-4000:]}") from exc
    finally:
        with contextlib.suppress(Exception):
            page.close()


def test_explorer_notebook_is_committed_clean():
    """The app notebook holds no outputs and no saved widget state (the live page makes
    them), and only one code cell: the layout, the model logic being in lambdasim.widgets."""
    nb = json.loads(NOTEBOOK.read_text())
    assert "widgets" not in nb["metadata"]
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) == 1 and not code[0]["outputs"]
    assert "explorer(" in "".join(code[0]["source"])
