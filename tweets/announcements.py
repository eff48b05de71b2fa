"""An announcement: one post composed once for several accounts, perhaps on different networks.

Each account gets its own draft (sharing a new `Draft.announcement` UUID), made through the normal
`services.draft_create`, so every account's permission and training gate (tweets.rules) and its network's text
rule (networks.text) apply to its own draft. Either every draft is saved or none is: a refusal or a text that
breaks one account's rule leaves nothing behind, and the error names the account. Approvals, publishing and
retraction stay per draft; submitting them all at once is a convenience over `services.draft_submit`, for those
the person may submit.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from accounts.models import TwitterAccount, User
from core.permissions import Refused, decide, ensure
from tweets import services
from tweets.media import Attachment
from tweets.models import Draft
from tweets.selectors import drafts_for_user


def account_name(account: TwitterAccount) -> str:
    """How pages name an account beside other networks' accounts: '@handle on Bluesky'."""
    return f"@{account.handle} on {account.network_label}"


@dataclass(frozen=True)
class Part:
    """One account's share of an announcement: its posts (a thread, or one variant text)."""

    account: TwitterAccount
    posts: list[str]


def parts_check(parts: list[Part]) -> dict[int, list[str]]:
    """Each account's text by its own network's rule: {account id: problems, each naming the account}."""
    problems: dict[int, list[str]] = {}
    for part in parts:
        try:
            services.clean_posts(part.posts, account=part.account)
        except ValidationError as exc:
            problems[part.account.pk] = [f"{account_name(part.account)}: {message}" for message in exc.messages]
    return problems


def announcement_create(
    *,
    author: User,
    parts: list[Part],
    scheduled_at: datetime | None = None,
    in_reply_to_post_id: str | None = None,
    media: list[list[Attachment]] | None = None,
    request=None,
) -> list[Draft]:
    """One draft per part, the first carrying the media and any reply, all sharing a new announcement id; all
    or nothing. Raises Refused (an account this person may not write for) or ValidationError (what to fix, for
    which account) before anything is saved."""
    if len({part.account.pk for part in parts}) != len(parts):
        raise ValidationError("Each account can be chosen once.")
    if len(parts) > 1 and services.clean_reply_to(in_reply_to_post_id):
        raise ValidationError(
            "A reply goes out from one account only. Untick the other accounts, or leave 'In reply to' empty."
        )
    for part in parts:
        ensure(author, "tweets.create_draft", part.account)
    problems = parts_check(parts)
    if problems:
        raise ValidationError([message for messages in problems.values() for message in messages])
    announcement = uuid.uuid4() if len(parts) > 1 else None
    with transaction.atomic():
        return [
            services.draft_create(
                author=author,
                account=part.account,
                posts=part.posts,
                scheduled_at=scheduled_at,
                in_reply_to_post_id=in_reply_to_post_id if index == 0 else "",
                media=media if index == 0 else None,
                announcement=announcement,
                request=request,
            )
            for index, part in enumerate(parts)
        ]


def announcement_drafts(user: User, draft: Draft) -> QuerySet[Draft]:
    """The drafts of the draft's announcement this person can see (the draft among them), in the order made."""
    if draft.announcement is None:
        return Draft.objects.none()
    return (
        drafts_for_user(user)
        .filter(announcement=draft.announcement)
        .select_related("account", "account__team")
        .order_by("pk")
    )


@dataclass
class SubmitOutcome:
    submitted: list[Draft]
    not_submitted: list[tuple[Draft, str]]  # the draft and why not


def announcement_submit(*, by: User, draft: Draft, request=None) -> SubmitOutcome:
    """Submit for approval each draft of the announcement this person can see and may submit (each through
    `services.draft_submit`, so each is checked again under its lock); the others, with the reason, are left."""
    outcome = SubmitOutcome(submitted=[], not_submitted=[])
    for each in announcement_drafts(by, draft):
        decision = decide(by, "tweets.submit_draft", each)
        if not decision.allowed:
            outcome.not_submitted.append((each, decision.reason))
            continue
        try:
            outcome.submitted.append(services.draft_submit(draft=each, by=by, request=request))
        except services.DraftError as exc:
            outcome.not_submitted.append((each, exc.message))
        except Refused as exc:
            outcome.not_submitted.append((each, exc.reason))
    return outcome
