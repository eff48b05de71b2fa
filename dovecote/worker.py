"""The RQ worker: every job module imported once, by the worker itself, rather than by each job.

RQ runs each job in a work horse forked from the worker, so a module the worker has imported is there in
every horse for free, and one it has not is imported again by every job. The polling jobs pull in the router,
VADER and twitter-text (about a quarter of a second of CPU), so each poll paid that before reading anything.
"""

from rq.worker import Worker as RQWorker

import accounts.jobs  # noqa: F401
import monitoring.jobs  # noqa: F401
import reports.jobs  # noqa: F401
import training.jobs  # noqa: F401
import tweets.jobs  # noqa: F401


class Worker(RQWorker):
    """RQ's worker, unchanged: importing this module is what loads the jobs."""
