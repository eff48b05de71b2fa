"""The demo department's X accounts, which the local sandbox knows (user ids and tokens) and seed_demo creates.

Kept here, beside the sandbox, so twitter_api needs nothing from the apps above it; accounts.demo reads it.
"""

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
