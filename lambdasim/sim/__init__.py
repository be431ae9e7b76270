"""The sim layer: the engine and the parts it wires (clock, concurrency admission, execution
environments, the outcome ledger, one module per invocation path). Imports only the spec.

``setup.py`` compiles the hot modules with mypyc into C extensions beside their sources, which
Python imports instead of them; one older than its source would run stale code, so importing
the layer then fails and says how to rebuild."""

import os


def _check_compiled() -> None:
    here = os.path.dirname(__file__)
    for e in os.scandir(here):
        if e.name.endswith(".so"):
            src = os.path.join(here, e.name.split(".")[0] + ".py")
            if os.path.getmtime(src) > e.stat().st_mtime + 2.0:  # (a wheel unpacks both at once)
                raise ImportError(
                    f"lambdasim: {src} changed after it was compiled ({e.name}): rebuild with "
                    "`pip install -e .` (make does it), or `make pure` to run plain Python")


_check_compiled()

from .engine import RECORD_DETAIL, Engine  # noqa: E402
from .ledger import OUTCOMES, ConservationError  # noqa: E402
from .log import RunLog  # noqa: E402

__all__ = ["OUTCOMES", "RECORD_DETAIL", "ConservationError", "Engine", "RunLog"]
