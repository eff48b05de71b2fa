"""Print where the demo runs and who can sign in."""

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo URL and sign-ins."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, port, **options):
        self.stdout.write(self.style.SUCCESS(f"\nDovecote demo: http://127.0.0.1:{port}/\n"))
        self.stdout.write(f"Every demo user's password is {DEMO_PASSWORD}\n")
        for email, first, last, flags, memberships in DEMO_USERS:
            roles = ", ".join(f"{role} in {slug}" for slug, role in memberships)
            if flags.get("is_superuser"):
                roles = "admin"
            elif flags.get("is_trainer"):
                roles = "trainer"
            self.stdout.write(f"  {email:36} {first} {last} ({roles})")
        self.stdout.write(
            "\nAdmins, leads, approvers and trainers are asked to enrol an authenticator app (TOTP) when they first"
            " sign in.\n"
        )
