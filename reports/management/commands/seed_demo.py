"""Create the demo department, idempotently. Refused when DEBUG is off: demo passwords are public."""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Each app seeds its own demo data through `<app>.demo.seed()`, in this order.
DEMO_APPS = ["accounts", "training", "tweets", "monitoring"]


class Command(BaseCommand):
    help = "Create the demo department (teams, accounts, users for every role, monitors, courses)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates users with published passwords; it only runs with DEBUG=true.")
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed()
            self.stdout.write(f"Seeded {app}.")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
