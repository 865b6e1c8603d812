"""What the reminder engine counts and times, in Prometheus' terms.

Each engine has its own registry (tests build many engines in one process); the HTTP
server's ``/metrics`` serves it together with the outbox's depth, read from the database
at scrape time (see ``bot.web.metrics``).
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.registry import Collector

# Send latency: platforms answer in 0.1-0.3 s; a timed-out send takes SEND_TIMEOUT (45 s).
SEND_BUCKETS = (0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
# A scan or a digest planning pass: milliseconds when idle, seconds for a large burst.
PASS_BUCKETS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class EngineMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        self._watched = False
        self.sends = Counter(
            "touchpoint_sends",
            "Delivery attempts by platform and outcome (sent, skipped, retry, given_up, "
            "postponed).",
            ("platform", "outcome"),
            registry=self.registry,
        )
        self.send_seconds = Histogram(
            "touchpoint_send_seconds",
            "Time a platform took to accept one delivery (including an in-doubt lookup).",
            ("platform",),
            buckets=SEND_BUCKETS,
            registry=self.registry,
        )
        self.scan_seconds = Histogram(
            "touchpoint_scan_seconds",
            "Planning due reminders and nudges into the outbox, one scan.",
            buckets=PASS_BUCKETS,
            registry=self.registry,
        )
        self.digest_planning_seconds = Histogram(
            "touchpoint_digest_planning_seconds",
            "Planning the digests (and weekly summaries) whose time has come, one pass.",
            buckets=PASS_BUCKETS,
            registry=self.registry,
        )

    def watch(self, make: Callable[[], Collector]) -> None:
        """Add a collector read at scrape time (the outbox's depth), once per registry."""
        if not self._watched:
            self.registry.register(make())
            self._watched = True

    def sent(self, platform: str, outcome: str) -> None:
        self.sends.labels(platform, outcome).inc()
