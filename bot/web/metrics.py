"""``GET /metrics``: the engine's counters and the outbox's depth in Prometheus' text format.

The outbox depth and the delivery lag are read from the database when scraped (one
aggregate over the outbox's partial index), so every instance reports the same, shared
outbox; sends, latencies and pass durations are this instance's own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.core.delivery import OutboxDepth
from bot.core.ports import Clock, UnitOfWork

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"


class OutboxCollector(Collector):
    def __init__(self, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self._clock.now()
        try:
            with self._uow() as uow:
                depth: OutboxDepth = uow.deliveries.outbox_depth(now)
        except Exception as exc:  # a scrape must answer even when the database is away
            log.warning("outbox depth unavailable: %s", type(exc).__name__)
            up = GaugeMetricFamily(
                "touchpoint_outbox_readable", "1 when the outbox could be read for this scrape."
            )
            up.add_metric([], 0)
            yield up
            return
        up = GaugeMetricFamily(
            "touchpoint_outbox_readable", "1 when the outbox could be read for this scrape."
        )
        up.add_metric([], 1)
        yield up
        states = GaugeMetricFamily(
            "touchpoint_outbox_deliveries",
            "Deliveries in the outbox by state: due (to send now), waiting (a retry later), "
            "sending (claimed by an instance).",
            labels=("state",),
        )
        states.add_metric(["due"], depth.due)
        states.add_metric(["waiting"], depth.waiting)
        states.add_metric(["sending"], depth.sending)
        yield states
        lag = GaugeMetricFamily(
            "touchpoint_delivery_lag_seconds",
            "Age of the oldest delivery that is due and not yet sent (0 when none).",
        )
        lag.add_metric(
            [], (now - depth.oldest_due).total_seconds() if depth.oldest_due is not None else 0.0
        )
        yield lag


def metrics_routes(registry: CollectorRegistry) -> list[web.RouteDef]:
    """The ``/metrics`` route serving ``registry``, to add to any aiohttp application."""

    async def scrape(_: web.Request) -> web.Response:
        # The outbox collector reads the database: off the event loop.
        body = await asyncio.to_thread(generate_latest, registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [web.get(METRICS_PATH, scrape)]
