"""The demo department's X accounts, which the local sandbox knows (user ids and tokens) and seed_demo creates.

Kept here, beside the sandbox, so twitter_api needs nothing from the apps above it; accounts.demo reads it.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

# handle, display name, kind, team slug, responsible person email, X user id
DEMO_ACCOUNTS = [
    (
        "DeptForExample",
        "Department for Examples",
        "corporate",
        "digital-communications",
        "lead@dovecote.example",
        "1500000000000000001",
    ),
    (
        "DeptExPress",
        "Department for Examples Press Office",
        "press_office",
        "press-office",
        "press.lead@dovecote.example",
        "1500000000000000002",
    ),
    (
        "MinisterJones",
        "Alex Jones, Minister for Examples",
        "personal",
        "policy",
        "policy.officer@dovecote.example",
        "1500000000000000003",
    ),
    (
        "PermSecPatel",
        "Ravi Patel, Permanent Secretary",
        "personal",
        "policy",
        "policy.officer@dovecote.example",
        "1500000000000000004",
    ),
]


def demo_tokens(handle: str) -> tuple[str, str]:
    """The OAuth 1.0a user token and secret the sandbox accepts for a demo account."""
    return f"demo-{handle.lower()}-token", f"demo-{handle.lower()}-secret"


# Posts the demo's corporate account published before the demo began: (number, days ago, hour, minute, text).
# seed_demo records them as published drafts and the sandbox holds them on the account's timeline under the same
# ids, so reading their figures, the tripwire and the records find them on "X" as they would be.
DEMO_PUBLISHED_HANDLE = "DeptForExample"
DEMO_PUBLISHED = [
    (1, 1, 9, 0, "Our new guide to applying online is live: https://www.gov.uk/example/guide"),
    (2, 3, 12, 15, "Thank you to everyone who came to our open day in Leeds."),
    (3, 6, 16, 45, "The minister visited our Cardiff office today to meet the helpline team."),
]
_DEMO_TIME_ZONE = ZoneInfo("Europe/London")


def demo_published_id(number: int) -> str:
    return str(1_990_000_000_000_000_000 + number)


def demo_published_at(days_ago: int, hour: int, minute: int, *, now: datetime | None = None) -> datetime:
    """When a demo post went out: that many days before today, at that time in UK time (aware)."""
    today = (now or datetime.now(tz=UTC)).astimezone(_DEMO_TIME_ZONE)
    day = (today - timedelta(days=days_ago)).date()
    return datetime.combine(day, time(hour, minute), tzinfo=_DEMO_TIME_ZONE)
