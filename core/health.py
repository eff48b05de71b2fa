"""What the apps add to /healthz (core knows no app: each registers a report in its AppConfig.ready()).

A report is a name and a function answering a short state ("connected", "down") or None when it has nothing to say.
Reports are information for whoever watches the deployment: they never make /healthz answer 503, which stays about
the database and Redis (what a load balancer must know).
"""

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

_reports: dict[str, Callable[[], str | None]] = {}


def register(name: str, report: Callable[[], str | None]) -> None:
    _reports[name] = report


def reports() -> dict[str, str]:
    found = {}
    for name, report in _reports.items():
        try:
            state = report()
        except Exception:  # noqa: BLE001  (a report that fails says so; the check itself goes on)
            log.exception("The health report %s failed", name)
            state = "error"
        if state is not None:
            found[name] = state
    return found
