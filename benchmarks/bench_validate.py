"""How fast the CLI answers: the wall time of ``lambdasim validate quickstart`` (a new Python
process each time: interpreter start, imports, reading and checking the scenario), median of 5,
against the target (<= 0.3 s), with two figures for scale: the bare interpreter's start, and
the floor lambdasim's dependencies set (the interpreter, importing pydantic's model machinery
and PyYAML, and pydantic's one-off search for plugins, which imports ``importlib.metadata``
and reads every installed distribution's entry points). As on a user's machine, Python may
write bytecode caches (into a temporary ``PYTHONPYCACHEPREFIX``, after one warm-up run).

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
#: what any pydantic-and-YAML command line pays before its own code runs
FLOOR = ("import argparse, yaml, pydantic.fields, pydantic.main; "
         "from pydantic._internal import _generate_schema; "
         "from pydantic.plugin._loader import get_plugins; get_plugins()")


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
        floor_cmd = [sys.executable, "-c", FLOOR]
        wall(cli, env), wall(floor_cmd, env)  # write the caches
        times, floors = [], []
        for _ in range(args.runs):  # alternating, so that a slow spell of the machine hits both
            times.append(wall(cli, env))
            floors.append(wall(floor_cmd, env))
    med, floor = statistics.median(times), statistics.median(floors)
    print(f"python -c pass: median {bare:.3f} s")
    print(f"dependencies' floor (python, pydantic, PyYAML, pydantic's plugin search): median "
          f"{floor:.3f} s; lambdasim's own share {med - floor:.3f} s")
    print("lambdasim validate quickstart: " + ", ".join(f"{t:.2f}" for t in times) + " s")
    print(f"median {med:.3f} s; target <= {TARGET_S} s: {'met' if med <= TARGET_S else 'NOT met'}")


if __name__ == "__main__":
    main()
