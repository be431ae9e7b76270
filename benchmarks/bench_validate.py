"""How fast the CLI answers: the wall time of ``lambdasim validate quickstart`` (a new Python
process each time: interpreter start, imports, reading and checking the scenario), median of 5,
against the target (<= 0.3 s), with the bare interpreter's start for scale. As on a user's
machine, Python may write bytecode caches (into a temporary ``PYTHONPYCACHEPREFIX``, after one
warm-up run).

    python benchmarks/bench_validate.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

TARGET_S = 0.3


def wall(cmd: list[str], env: dict | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    cli = [sys.executable, "-m", "lambdasim", "validate", "quickstart"]
    bare = statistics.median(wall([sys.executable, "-c", "pass"]) for _ in range(args.runs))
    plain = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as cache:
        env = plain | {"PYTHONPYCACHEPREFIX": cache}
        wall(cli, env)  # writes the caches
        times = [wall(cli, env) for _ in range(args.runs)]
    med = statistics.median(times)
    print(f"python -c pass: median {bare:.3f} s")
    print("lambdasim validate quickstart: " + ", ".join(f"{t:.2f}" for t in times) + " s")
    print(f"median {med:.3f} s; target <= {TARGET_S} s: {'met' if med <= TARGET_S else 'NOT met'}")


if __name__ == "__main__":
    main()
