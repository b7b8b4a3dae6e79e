"""/metrics in Prometheus's text format, read from the shared job store so every process and machine agrees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from .jobs import JobStore

if TYPE_CHECKING:
    from .queue import JobQueue

__all__ = ["RENDER_BUCKETS", "metrics_text"]

#: Seconds; a sample report renders in about 2 s on the reference machine, a large one in tens.
RENDER_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class _FromStore(Collector):
    """The figures as the job store has them at scrape time (workers are other processes, or machines)."""

    def __init__(self, store: JobStore, queue: JobQueue) -> None:
        self.store, self.queue = store, queue

    def collect(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily("reportgen_jobs", "Jobs by status (done and failed are outcomes)", labels=["status"])
        for status, count in sorted(self.store.counts().items()):
            jobs.add_metric([status], count)
        yield jobs
        seconds = sorted(self.store.render_seconds())
        buckets = [(f"{edge:g}", sum(1 for s in seconds if s <= edge)) for edge in RENDER_BUCKETS]
        buckets.append(("+Inf", len(seconds)))
        yield HistogramMetricFamily(
            "reportgen_render_seconds", "Time from a job's start to its PDF", buckets=buckets, sum_value=sum(seconds)
        )
        depth = GaugeMetricFamily("reportgen_queue_depth", "Job messages waiting in the queue")
        depth.add_metric([], self.queue.depth())
        yield depth
        errors = CounterMetricFamily("reportgen_pave_errors", "PAVE's errors met by jobs, by kind", labels=["kind"])
        for kind, count in sorted(self.store.events("pave_errors").items()):
            errors.add_metric([kind], count)
        yield errors


def metrics_text(store: JobStore, queue: JobQueue) -> bytes:
    """The exposition text."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_FromStore(store, queue))
    return generate_latest(registry)
