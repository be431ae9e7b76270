"""The kinds of event source, each a spec (validated data) and a runtime (its behaviour)."""

from __future__ import annotations

from .async_invoke import AsyncSource, AsyncSourceSpec
from .sqs import SqsSource, SqsSourceSpec
from .stream import StreamSourceSpec
from .stream_mapping import StreamSource
from .sync_invoke import SyncSource, SyncSourceSpec

#: (spec class, runtime class) of every source kind.
KINDS: list[tuple[type, type]] = [
    (SyncSourceSpec, SyncSource),
    (AsyncSourceSpec, AsyncSource),
    (StreamSourceSpec, StreamSource),
    (SqsSourceSpec, SqsSource),
]
