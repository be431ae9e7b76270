"""How instant the explorer feels: the time from a widget value change to the redrawn figure
and summary table, for the default explorer (S3 vs a one-shard Kinesis stream, 20 events/s,
2 simulated minutes). Each change simulates both scenarios, draws the comparison figure,
renders it to PNG and rebuilds the table, all inside the widget's callback, so the time to
set the value is the time the user waits (plus the browser's repaint). Prints the median over
the changes against the target (<= 0.25 s on a 2-core machine), and the CPU time this process
spent per change (other busy processes on the machine lengthen the wall time, not this).
As the target says, the other core is kept busy meanwhile (a spinning Python process;
``--idle`` leaves it idle).

    python benchmarks/bench_widgets.py [--changes 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from lambdasim import widgets

TARGET_S = 0.25

# (widget attribute, value): a tour of the knobs that keeps the settings valid
CHANGES = [("rate", 30.0), ("duration", 0.15), ("shards", 2), ("cold_start", 0.6),
           ("batch_size", 10), ("push_kind", "sns"), ("parallelization", 2), ("rate", 15.0),
           ("window", 1.0), ("seed", 1), ("provisioned", 5), ("duration", 0.3)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--changes", type=int, default=10, help="widget changes to time")
    p.add_argument("--idle", action="store_true", help="leave the other core idle")
    args = p.parse_args()
    spinner = None if args.idle else subprocess.Popen([sys.executable, "-c", "while 1: pass"])
    try:
        measure(args.changes, busy=spinner is not None)
    finally:
        if spinner is not None:
            spinner.kill()


def measure(changes: int, busy: bool) -> None:
    t = time.perf_counter()
    ui = widgets.explorer()  # builds the widgets and draws the first comparison
    first = time.perf_counter() - t
    ui.rate.value = 25.0  # warm-up: the figure's axes and ticks now exist
    times, cpu = [], []
    for i in range(changes):
        name, value = CHANGES[i % len(CHANGES)]
        widget = getattr(ui, name)
        if widget.value == value:  # no change, no callback: nudge the seed instead
            widget, value = ui.seed, ui.seed.value + 1
        runs, image, table = ui.runs, bytes(ui.figure.value), ui.summary.value
        t, c = time.perf_counter(), time.process_time()
        widget.value = value
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        if ui.error.value or ui.runs != runs + 1:
            raise SystemExit(f"{name} = {value!r}: no redraw ({ui.error.value or ui.status.value})")
        if bytes(ui.figure.value) == image or ui.summary.value == table:
            raise SystemExit(f"{name} = {value!r}: figure or table unchanged")
    med = statistics.median(times)
    print(f"explorer: first draw {first:.2f} s; {len(times)} widget changes on "
          f"{os.cpu_count()} CPU(s), {'another core busy' if busy else 'other cores idle'}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print("change -> redrawn figure and summary: "
          + ", ".join(f"{x:.2f}" for x in times) + " s")
    print(f"median {med:.3f} s (min {min(times):.3f}, max {max(times):.3f}); target <= "
          f"{TARGET_S} s: {'met' if med <= TARGET_S else 'NOT met'}")
    # CPU time of this process: what the change costs without other processes' competition
    print(f"CPU time per change: median {statistics.median(cpu):.3f} s")


if __name__ == "__main__":
    main()
