"""The sim layer: the engine and the parts it wires (clock, concurrency admission, execution
environments, the outcome ledger, one module per invocation path). Imports only the spec.

``setup.py`` compiles the hot modules with mypyc into C extensions beside their sources, which
Python imports instead of them; one older than its source would run stale code, so importing
the layer then fails and says how to rebuild."""

import os


def _check_compiled() -> None:
    for here, _, files in os.walk(os.path.dirname(__file__)):
        for so in (f for f in files if f.endswith(".so")):
            src = os.path.join(here, so.split(".")[0] + ".py")
            so_time = os.path.getmtime(os.path.join(here, so))
            if os.path.getmtime(src) > so_time + 2.0:  # (a wheel unpacks both at once)
                raise ImportError(
                    f"lambdasim: {src} changed after it was compiled ({so}): rebuild with "
                    "`pip install -e .` (make does it), or `make pure` to run plain Python")


_check_compiled()

from .engine import RECORD_DETAIL, Engine  # noqa: E402
from .ledger import OUTCOMES, ConservationError  # noqa: E402
from .log import RunLog  # noqa: E402

__all__ = ["OUTCOMES", "RECORD_DETAIL", "ConservationError", "Engine", "RunLog"]
