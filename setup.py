"""Build lambdasim, compiling the simulation's hot modules with mypyc.

The modules below are plain, type-annotated Python; mypyc (mypy's compiler, which also
builds mypy and Black) turns each into a C extension that runs the same code, with the same
numbers, several times faster per call. Set LAMBDASIM_COMPILE=0 to install them as plain
Python; without a C compiler the build falls back to plain Python by itself
(``tests/test_compiled.py`` checks that both give the same numbers).
"""

import os

from setuptools import setup

#: the event loop's hot path (modules of lambdasim/sim): the clock, arrivals, admission,
#: environments, the function, the push paths and the SQS path
COMPILED = ["clock", "columns", "arrivals", "concurrency", "environments", "function", "caller",
            "async_queue", "sync", "sqs/store", "sqs/queues", "sqs/fifo", "sqs/pollers",
            "sqs/metrics", "sqs/rows", "sqs/mapping"]


def ext_modules() -> list:
    if os.environ.get("LAMBDASIM_COMPILE", "1") == "0":
        return []
    from mypyc.build import mypycify

    paths = [f"lambdasim/sim/{m}.py" for m in COMPILED]
    exts = mypycify(["--follow-imports=silent", "--check-untyped-defs", *paths],
                    opt_level="3", group_name="lambdasim_sim")
    for ext in exts:  # no C compiler: plain Python
        ext.optional = True
    return exts


setup(ext_modules=ext_modules())
