"""A ``kinesis`` or ``dynamodb`` source at run time: the producer and shards
(:mod:`.shards`) and the event source mapping reading them (:mod:`.pollers`), wired to the
clock, the function, the ledger and the metrics (:mod:`.metrics`).

Outcomes: ``succeeded``; ``failed`` (sent to the on-failure destination) or ``dropped`` (no
destination, or given up on by the producer after ``producer_max_attempts`` throttled puts);
``expired`` (trimmed after the retention period); ``in_flight`` (in a shard, in a batch, or
waiting to retry a put at the horizon). ``rejected`` is always 0. ``attempts`` counts the
invocations a record was sent in.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ...spec.distributions import sampler
from ...spec.pricing import PUT_UNIT_BYTES, chunks
from ...spec.stream import StreamSourceSpec
from ..arrivals import arrivals, sorted_uniforms
from ..clock import Feeder
from ..ledger import Ledger
from ..log import SourceLog
from ..source import Context
from .metrics import M_WRITE_THROTTLES, StreamMetrics
from .pollers import MappingSettings, Shard
from .producer import Producer
from .shards import Settlements, ShardRecords, record_columns


class StreamSource:
    """Runtime of a ``kinesis`` or ``dynamodb`` source: producer, shards and mapping."""

    def __init__(self, spec: StreamSourceSpec, index: int, ctx: Context):
        self.spec, self.index, self.name = spec, index, spec.name
        self.clock = ctx.clock
        self.function = ctx.functions[spec.function]
        self.cfg = MappingSettings.from_spec(spec)
        self.ledger = Ledger(spec.name, ctx.warmup, rows=ctx.full,
                             columns={"shard": np.int64, "key": np.int64})
        self.metrics = StreamMetrics(self.clock.horizon, ctx.warmup)
        self.rng = ctx.rng("source", spec.name)  # poll offsets, DynamoDB read throttles
        self._arrivals = ctx.rng("arrivals", spec.name)
        self._backlog = ctx.rng("backlog", spec.name)
        columns = record_columns(spec.parallelization_factor, self.cfg.has_poison, ctx.full)
        retention_s = spec.retention_h * 3600.0
        self.out = Settlements(self.ledger, self.metrics)
        self.records = [ShardRecords(i, columns, retention_s, self.out)
                        for i in range(spec.shards)]
        self.producer = Producer(spec, self.records, self.ledger, self.metrics,
                                 ctx.rng("keys", spec.name), ctx.rng("poison", spec.name))
        invoke = partial(self.function.invoke, self)
        read = spec.read_latency
        delays = ctx.rng("read", spec.name).spawn(spec.shards) if read else [None] * spec.shards
        self.shards = [Shard(r, self.cfg, self.clock, self.metrics, invoke, self.rng,
                             sampler(read, d, block=256) if read else None)
                       for r, d in zip(self.records, delays, strict=True)]

    def start(self) -> None:
        """Write the initial backlog, start the pollers, then the producer."""
        spec = self.spec
        b = spec.initial_backlog
        if b.records_per_shard and spec.starting_position != "LATEST":
            t0 = -b.span_s
            if spec.starting_position == "AT_TIMESTAMP":
                t0 = max(t0, spec.starting_timestamp_s)
            times = sorted_uniforms(self._backlog, b.records_per_shard * spec.shards,
                                    -b.span_s, 0.0)
            self.producer.backlog(times[times >= t0])
        for shard in self.shards:
            shard.schedule(self.rng.random() * self.cfg.poll_interval)
        self.feeder = Feeder(self.clock, arrivals(spec.workload, self._arrivals), self._on_window)
        self.feeder.start()

    def _on_window(self, times: np.ndarray) -> None:
        t0, t1 = self.feeder.window
        self.producer.produce(times, t0, t1)
        now = self.clock.now
        for shard in self.shards:
            shard.written(now)

    def completed(self, token, start: float, end: float, ok: bool, cold: bool) -> None:
        lane, batch = token
        lane.completed(batch, start, end, ok, cold)

    def close(self, horizon: float) -> None:
        """At the horizon: records past retention expire; the records still in the shards
        and the producer's throttled puts are in flight."""
        if self.ledger.closed:
            return
        held = [r.close(horizon) for r in self.records] + [self.producer.held()]
        self.out.flush()
        self.ledger.close(np.concatenate(held), horizon)

    def usage(self) -> dict:
        """Billable activity after the warm-up: records put and their 25 KB PUT payload
        units, shard-hours (and enhanced fan-out consumer-shard-hours and bytes pushed), and
        the GetRecords calls (free for Lambda's shared-throughput and DynamoDB reads)."""
        spec, u = self.spec, self.metrics.usage
        hours = spec.shards * (self.clock.horizon - self.metrics.warmup) / 3600.0
        rb = spec.workload.record_bytes
        efo = spec.enhanced_fan_out
        out = {"records_put": u["records_put"],
               "put_payload_units": u["records_put"] * chunks(rb, PUT_UNIT_BYTES),
               "shard_hours": hours, "get_records_calls": 0 if efo else u["get_records_calls"],
               "records_read": u["records_read"], "bytes_read": u["records_read"] * rb}
        if efo:
            out.update(efo_consumer_shard_hours=hours, efo_bytes=u["records_read"] * rb)
        return out

    def log(self) -> SourceLog:
        m = self.metrics
        return SourceLog(
            self.name, self.spec.kind, self.spec.function, self.ledger, samples=m.samples(),
            stats={"iterator_age_max_s": float(m.age_max),
                   "write_throttles": int(m.series(M_WRITE_THROTTLES).sum())},
            event_columns={"shard": "shard", "key": "partition_key"}, usage=self.usage())
