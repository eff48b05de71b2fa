"""The demo department: teams, people for every role, and the X accounts they run.

The local X sandbox knows the same accounts (user ids and tokens), so `make run` works with no set-up.
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Team, TwitterAccount, User
from networks.demo import DEMO_NETWORK_ACCOUNTS
from twitter_api.sandbox.demo import DEMO_ACCOUNTS, demo_tokens

DEMO_PASSWORD = "dovecote-demo-2026"

DEMO_TEAMS = [
    ("digital-communications", "Digital Communications", "Runs the department's corporate voice and triage."),
    ("press-office", "Press Office", "Answers journalists and approves press statements."),
    ("customer-service", "Customer Service", "Handles questions and complaints from the public."),
    ("policy", "Policy and Ministers' Office", "Supports ministers' and officials' professional accounts."),
]

# email, first, last, flags, [(team slug, role)]
DEMO_USERS = [
    ("admin@dovecote.example", "Ada", "Admin", {"is_staff": True, "is_superuser": True}, []),
    ("lead@dovecote.example", "Lena", "Lead", {}, [("digital-communications", "lead")]),
    ("press.officer@dovecote.example", "Priya", "Press", {}, [("press-office", "approver")]),
    ("press.lead@dovecote.example", "Peter", "Pressman", {}, [("press-office", "lead")]),
    (
        "comms.officer@dovecote.example",
        "Colin",
        "Comms",
        {},
        [("digital-communications", "member"), ("press-office", "member")],
    ),
    ("comms.approver@dovecote.example", "Cara", "Checker", {}, [("digital-communications", "approver")]),
    ("cs.officer@dovecote.example", "Sam", "Service", {}, [("customer-service", "member")]),
    ("cs.lead@dovecote.example", "Carmen", "Service", {}, [("customer-service", "lead")]),
    ("policy.officer@dovecote.example", "Paul", "Policy", {}, [("policy", "member")]),
    ("trainer@dovecote.example", "Tess", "Trainer", {"is_trainer": True}, []),
]


@transaction.atomic
def seed() -> None:
    teams = {}
    for slug, name, description in DEMO_TEAMS:
        teams[slug], _ = Team.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "email": f"{slug}@dovecote.example"}
        )
    users = {}
    for email, first, last, flags, memberships in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, first_name=first, last_name=last, **flags
            )
        users[email] = user
        for slug, role in memberships:
            Membership.objects.current().get_or_create(
                user=user, team=teams[slug], ended_at=None, defaults={"role": role}
            )
    for handle, display_name, kind, team_slug, responsible, x_user_id in DEMO_ACCOUNTS:
        token, secret = demo_tokens(handle)
        account, created = TwitterAccount.objects.get_or_create(
            handle=handle,
            defaults={
                "display_name": display_name,
                "kind": kind,
                "team": teams[team_slug],
                "responsible_person": users[responsible],
                "x_user_id": x_user_id,
            },
        )
        if created or not account.has_credentials:
            account.access_token, account.access_token_secret = token, secret
            account.credentials_updated_at = timezone.now()
            account.credentials_revoked_at = None
            account.save()
    for demo in DEMO_NETWORK_ACCOUNTS:  # one account on Bluesky and one on Mastodon, known to their sandboxes
        account, created = TwitterAccount.objects.get_or_create(
            handle=demo.handle,
            defaults={
                "network": demo.network,
                "display_name": demo.display_name,
                "kind": demo.kind,
                "team": teams[demo.team_slug],
                "responsible_person": users[demo.responsible],
                "x_user_id": demo.user_id,
                "instance_url": demo.instance_url,
            },
        )
        if created or not account.has_credentials:
            account.access_token, account.access_token_secret = demo.credential, ""
            account.credentials_updated_at = timezone.now()
            account.credentials_revoked_at = None
            account.save()
