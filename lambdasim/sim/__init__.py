"""The sim layer: the engine and the parts it wires (clock, concurrency admission, execution
environments, the outcome ledger, one module per invocation path). Imports only the spec."""

from .engine import RECORD_DETAIL, Engine
from .ledger import OUTCOMES, ConservationError
from .log import RunLog

__all__ = ["OUTCOMES", "RECORD_DETAIL", "ConservationError", "Engine", "RunLog"]
