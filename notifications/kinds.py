"""The kinds of notice a person can be sent, what each is called on the preferences page, and who gets which
channel unless they choose otherwise."""

from typing import NamedTuple

from django.db import models


class Kind(models.TextChoices):
    APPROVAL_NEEDED = "approval_needed", "Drafts waiting for my approval"
    POST_HELD = "post_held", "My posts held by a freeze"
    POST_PUBLISHED = "post_published", "My posts published"
    POST_FAILED = "post_failed", "My posts that failed to publish"
    ITEM_ASSIGNED = "item_assigned", "Inbox items assigned to me"
    ITEM_PASSED = "item_passed", "Inbox items passed on to my team (team leads)"
    CERTIFICATION_LAPSING = "certification_lapsing", "My certifications about to lapse"
    FREEZE_STARTED = "freeze_started", "Publishing freezes started (team leads)"
    FREEZE_LIFTED = "freeze_lifted", "Publishing freezes lifted (team leads)"
    INCIDENT_RAISED = "incident_raised", "Possible takeovers of my teams' accounts (team leads)"
    ACCOUNT_EVENTS_STOPPED = (
        "account_events_stopped",
        "Account events no longer pushed for my teams' accounts (team leads)",
    )


class Channels(NamedTuple):
    in_app: bool
    email: bool


# Everything is listed in the app; email for what needs someone to act, not for routine news (published posts,
# items a colleague gave me while I am working in the inbox anyway).
DEFAULTS: dict[str, Channels] = {
    Kind.APPROVAL_NEEDED: Channels(True, True),
    Kind.POST_HELD: Channels(True, True),
    Kind.POST_PUBLISHED: Channels(True, False),
    Kind.POST_FAILED: Channels(True, True),
    Kind.ITEM_ASSIGNED: Channels(True, False),
    Kind.ITEM_PASSED: Channels(True, True),
    Kind.CERTIFICATION_LAPSING: Channels(True, True),
    Kind.FREEZE_STARTED: Channels(True, True),
    Kind.FREEZE_LIFTED: Channels(True, True),
    Kind.INCIDENT_RAISED: Channels(True, True),
    Kind.ACCOUNT_EVENTS_STOPPED: Channels(True, True),
}

# Kinds whose email an app below already sends (asking core.notices whom to send it to); this app sends the email
# of the others itself, from the notice.
EMAILED_ELSEWHERE = frozenset(
    {
        Kind.APPROVAL_NEEDED,
        Kind.POST_HELD,
        Kind.POST_FAILED,
        Kind.CERTIFICATION_LAPSING,
        Kind.FREEZE_STARTED,
        Kind.FREEZE_LIFTED,
        Kind.INCIDENT_RAISED,  # safety.jobs.incident_email, with the department's security contact
    }
)
