"""Records export for archiving and information requests: every post an account published over a date
range, with its full revision, approval, state and publish-attempt history, streamed as CSV or JSON.

Drafts are read in chunks ordered by (published_at, id), five queries a chunk, so a range of any size
streams in constant memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.access import led_team_ids
from accounts.models import TwitterAccount, User
from core import csvcells
from core.forms import DateField
from reports import analytics
from tweets.models import Approval, Draft, DraftRevision, DraftTransition, PostMetrics, PublishAttempt

CHUNK = 200


def exportable_accounts(user: User) -> QuerySet[TwitterAccount]:
    """Accounts of the teams the user leads; every account for admins."""
    qs = TwitterAccount.objects.select_related("team").order_by("handle")
    if user.is_admin:
        return qs
    return qs.filter(team_id__in=led_team_ids(user))


class ExportForm(forms.Form):
    FORMATS = [("csv", "CSV (opens in a spreadsheet)"), ("json", "JSON (for archiving systems)")]

    account = forms.ModelChoiceField(
        queryset=TwitterAccount.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose the account to export.",
            "invalid_choice": "Choose one of the accounts in the list.",
        },
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    start = DateField(
        label="From (first day)",
        name="The first day",
        help_text="For example, 1 11 2026. Times are UK time.",
        error_messages={"required": "Enter the first day to export."},
    )
    end = DateField(
        label="To (last day, included)",
        name="The last day",
        error_messages={"required": "Enter the last day to export."},
    )
    format = forms.ChoiceField(
        choices=FORMATS,
        initial="csv",
        error_messages={"required": "Choose CSV or JSON.", "invalid_choice": "Choose CSV or JSON."},
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )

    include_private = forms.BooleanField(
        label="Include replies sent as direct messages",
        required=False,
        help_text="Private messages are left out unless you say why they are needed.",
        widget=forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input"}),
    )
    private_reason = forms.CharField(
        label="Why the private messages are needed",
        required=False,
        max_length=500,
        help_text="For example, the reference of an information request. Recorded in the audit log.",
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
    )

    def __init__(self, *args, accounts: QuerySet[TwitterAccount], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts

    def clean(self):
        data = super().clean()
        data["private_reason"] = (data.get("private_reason") or "").strip()
        if data.get("include_private") and len(data["private_reason"]) < 5:
            self.add_error("private_reason", "Enter why the private messages are needed, in a few words.")
        start, end = data.get("start"), data.get("end")
        today = timezone.localdate()
        if start and start > today:
            self.add_error("start", "The first day must be today or in the past.")
        if end and end > today:  # nothing is published in the future (and 9999-12-31 has no day after it)
            self.add_error("end", "The last day must be today or in the past.")
        if start and end and end < start:
            self.add_error("end", "The last day must be the same as or after the first day.")
        return data


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def _who(user) -> str:
    return user.email if user is not None else "system"


def published_records(
    *, account: TwitterAccount, start: date, end: date, include_private: bool = False
) -> Iterator[dict]:
    """Each published draft of the account in [start, end] (UK dates), oldest first, with its history. Replies
    sent as direct messages are private: only with include_private (the view asks for, and audits, a reason)."""
    since = timezone.make_aware(datetime.combine(start, time.min))
    until = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    base = (
        Draft.objects.filter(
            account=account, state=Draft.State.PUBLISHED, published_at__gte=since, published_at__lt=until
        )
        .select_related("account", "author", "current_revision", "essential_by")
        .prefetch_related(
            Prefetch("revisions", queryset=DraftRevision.objects.select_related("created_by").order_by("number")),
            Prefetch(
                "approvals", queryset=Approval.objects.select_related("approver", "revision").order_by("created_at")
            ),
            Prefetch(
                "transitions", queryset=DraftTransition.objects.select_related("actor").order_by("created_at", "id")
            ),
            Prefetch("attempts", queryset=PublishAttempt.objects.order_by("position", "started_at", "id")),
            Prefetch("metrics", queryset=PostMetrics.objects.taken()),
        )
        .order_by("published_at", "id")
    )
    if not include_private:
        base = base.filter(dm_conversation_id="")
    last = None
    while True:
        chunk = base
        if last is not None:
            chunk = chunk.filter(Q(published_at__gt=last[0]) | Q(published_at=last[0], id__gt=last[1]))
        drafts = list(chunk[:CHUNK])
        for draft in drafts:
            yield _record(draft, account)
        if len(drafts) < CHUNK:
            return
        last = (drafts[-1].published_at, drafts[-1].pk)


def _record(draft: Draft, account: TwitterAccount) -> dict:
    return {
        "draft_id": draft.pk,
        "account": f"@{account.handle}",
        "purpose": draft.purpose,
        "author": _who(draft.author),
        "published_at": _local(draft.published_at),
        "post_id": draft.published_post_id,
        "post_url": draft.post_url,
        "in_reply_to_post_id": draft.in_reply_to_post_id,
        "direct_message_conversation_id": draft.dm_conversation_id,
        "posts": list(draft.current_revision.posts) if draft.current_revision_id else [],
        "published_revision": draft.current_revision.number if draft.current_revision_id else None,
        "essential_reason": draft.essential_reason,
        "essential_by": _who(draft.essential_by) if draft.essential_by_id else "",
        "revisions": [
            {
                "number": r.number,
                "created_at": _local(r.created_at),
                "created_by": _who(r.created_by),
                "posts": list(r.posts),
                "in_reply_to_post_id": r.in_reply_to_post_id,
            }
            for r in draft.revisions.all()
        ],
        "approvals": [
            {
                "approver": _who(a.approver),
                "revision": a.revision.number,
                "created_at": _local(a.created_at),
                "note": a.note,
            }
            for a in draft.approvals.all()
        ],
        "transitions": [
            {
                "from_state": t.from_state,
                "to_state": t.to_state,
                "actor": _who(t.actor),
                "at": _local(t.created_at),
                "reason": t.reason,
            }
            for t in draft.transitions.all()
        ],
        # Each post's latest figures from X (reports.analytics).
        "figures": analytics.export_figures(draft.metrics.all()),
        "publish_attempts": [
            {
                "position": p.position,
                "state": p.state,
                "x_post_id": p.x_post_id,
                "started_at": _local(p.started_at),
                "finished_at": _local(p.finished_at),
                "accepted_at": _local(p.accepted_at),
                "error_kind": p.error_kind,
                "error": p.error,
                "reconciled": p.reconciled,
            }
            for p in draft.attempts.all()
        ],
    }


def as_json(records: Iterator[dict]) -> Iterator[str]:
    """A JSON array, one record a line, written as the records are read."""
    yield "[\n"
    first = True
    for record in records:
        yield ("" if first else ",\n") + json.dumps(record, ensure_ascii=False)
        first = False
    yield "\n]\n"


FIGURE_COLUMNS = ["impressions", "likes", "replies", "reposts", "link_clicks", "figures_read_at"]
CSV_COLUMNS = [
    "draft_id",
    "account",
    "post_id",
    "post_url",
    "published_at",
    *FIGURE_COLUMNS,
    "record",
    "at",
    "by",
    "revision",
    "from_state",
    "to_state",
    "detail",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def as_csv(records: Iterator[dict]) -> Iterator[str]:
    """One row per event in each post's life: the published text, revisions, approvals, transitions, attempts."""
    writer = csvcells.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for r in records:
        head = [r["draft_id"], r["account"], r["post_id"], r["post_url"], r["published_at"]]
        head += analytics.export_totals(r["figures"])
        yield writer.writerow(
            [
                *head,
                "published",
                r["published_at"],
                r["author"],
                r["published_revision"],
                "",
                "published",
                _text(r["posts"]),
            ]
        )
        for v in r["revisions"]:
            yield writer.writerow(
                [*head, "revision", v["created_at"], v["created_by"], v["number"], "", "", _text(v["posts"])]
            )
        for a in r["approvals"]:
            yield writer.writerow([*head, "approval", a["created_at"], a["approver"], a["revision"], "", "", a["note"]])
        for t in r["transitions"]:
            yield writer.writerow(
                [*head, "transition", t["at"], t["actor"], "", t["from_state"], t["to_state"], t["reason"]]
            )
        for p in r["publish_attempts"]:
            detail = f"post {p['position'] + 1}: {p['state']}"
            if p["x_post_id"]:
                detail += f", X id {p['x_post_id']}"
            if p["error"]:
                detail += f", {p['error_kind'] or 'error'}: {p['error']}"
            if p["reconciled"]:
                detail += " (found by reconciling)"
            yield writer.writerow([*head, "publish attempt", p["started_at"], "system", "", "", "", detail])


def _text(posts: list[str]) -> str:
    return "\n\n---\n\n".join(posts)
