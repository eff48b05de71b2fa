"""The push worker: `python manage.py stream` holds X's Activity API stream open (monitoring.push.Worker).

With INGESTION=poll (the default) it has nothing to do and waits quietly, so the Procfile's `stream` line can stay
(honcho stops every process when one exits).
"""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from monitoring.push import Worker


class Command(BaseCommand):
    help = "Read mentions and account events pushed by X's Activity API stream (when INGESTION=push)."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=None, help="Stop after this many seconds.")
        parser.add_argument("--events", type=int, default=None, help="Stop after this many events.")

    def handle(self, *args, seconds, events, **options):
        stopped = threading.Event()
        worker = None

        def stop(signum, frame):
            stopped.set()
            if worker is not None:
                worker.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if settings.INGESTION != "push":
            self.stdout.write("INGESTION is poll: mentions are polled, and the stream has nothing to do.")
            stopped.wait(seconds)
            return
        self.stdout.write("Reading X's activity stream (INGESTION=push).")
        worker = Worker(until_events=events, until_seconds=seconds)
        worker.run()
        self.stdout.write(
            f"Stream stopped: {worker.events} events, {worker.mentions_new} new mentions, "
            f"{worker.gap_filled} filled in from gaps, {worker.unreadable} unreadable lines."
        )
