"""Records export for archiving and information requests: every post an account published over a date
range (retracted ones too), with its full revision, approval, state and publish-attempt history, its media (file
name, type, size, SHA-256, X media id, alt text), what happened to it on X after publishing (deleted, edited,
retracted: tweets.records), streamed as CSV, JSON or an archive package.

The archive package (reports.archive) is a ZIP of records.csv, records.json, one CSV per part (media.csv,
changes_on_x.csv, ...), the media files themselves, and manifest.json and manifest-sha256.txt (BagIt style) listing
every other file with its SHA-256 and size, so an archive can check it received everything.

More parts (own-post figures, say) are added by appending a `Part` to `PARTS`: each record then carries it, the CSV
gets a row for each of its items and the package a CSV file of its own.

Drafts are read in chunks ordered by (published_at, id), a fixed number of queries a chunk (five, plus each part's
prefetches), so a range of any size streams in constant memory. What X sent (and what people typed) is cleaned on the
way out (NULs removed, lone surrogates replaced) and every CSV cell is neutralised (core.csvcells).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.access import led_team_ids
from accounts.models import TwitterAccount, User
from core import csvcells
from core.forms import DateField
from reports import analytics
from tweets.models import (
    Approval,
    Draft,
    DraftRevision,
    DraftTransition,
    MediaUpload,
    PostMetrics,
    PostOnX,
    PublishAttempt,
    RevisionMedia,
)
from twitter_api.client import clean_text

CHUNK = 200


def exportable_accounts(user: User) -> QuerySet[TwitterAccount]:
    """Accounts of the teams the user leads; every account for admins."""
    qs = TwitterAccount.objects.select_related("team").order_by("handle")
    if user.is_admin:
        return qs
    return qs.filter(team_id__in=led_team_ids(user))


class ExportForm(forms.Form):
    FORMATS = [
        ("csv", "CSV (opens in a spreadsheet)"),
        ("json", "JSON (for archiving systems)"),
        ("zip", "Archive package (ZIP: CSV and JSON, the media files, a manifest with a SHA-256 of each file)"),
    ]

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
        error_messages={
            "required": "Choose CSV, JSON or an archive package.",
            "invalid_choice": "Choose CSV, JSON or an archive package.",
        },
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


# --- Parts: what each record carries beside its history ------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One more list each record carries: `key` in the record (not one of its own keys, such as "figures") and
    `<key>.csv` in the archive package; the prefetches it needs on the drafts (so a chunk costs the same whatever its
    size); how to read a draft's items (dicts; `columns` are the keys the CSV file shows, after draft_id and
    post_id); and for the one-file CSV, each item's row as (at, by, detail)."""

    key: str
    columns: list[str]
    read: Callable[[Draft], list[dict]]
    prefetch: tuple = ()
    row: Callable[[dict], tuple[str, str, str]] = field(
        default=lambda item: ("", "", json.dumps(item, ensure_ascii=False, sort_keys=True))
    )
    label: str = ""


MEDIA_COLUMNS = [
    "post",
    "order",
    "file_name",
    "archive_path",
    "kind",
    "mime_type",
    "size",
    "sha256",
    "x_media_id",
    "alt_text",
    "captions_file",
    "captions_sha256",
    "no_captions_reason",
]


def media_path(sha256: str, extension: str) -> str:
    """Where a media file is in the archive package (each file once, however many posts show it)."""
    return f"media/{sha256}.{extension}"


def _x_media_id(file, draft: Draft) -> str:
    """The id X gave the file for this account when the post went out: the last upload before it was published."""
    uploads = [u for u in file.uploads.all() if draft.published_at is None or u.created_at <= draft.published_at]
    return uploads[-1].x_media_id if uploads else ""


def _media(draft: Draft) -> list[dict]:
    if not draft.current_revision_id:
        return []
    items = []
    for row in draft.current_revision.media.all():
        file, captions = row.media, row.captions
        items.append(
            {
                "post": row.position + 1,
                "order": row.order + 1,
                "file_name": file.original_name,
                "archive_path": media_path(file.sha256, file.extension),
                "kind": file.kind,
                "mime_type": file.mime_type,
                "size": file.size,
                "sha256": file.sha256,
                "x_media_id": _x_media_id(file, draft),
                "alt_text": row.alt_text,
                "captions_file": captions.original_name if captions else "",
                "captions_sha256": captions.sha256 if captions else "",
                "captions_archive_path": media_path(captions.sha256, captions.extension) if captions else "",
                "no_captions_reason": row.no_captions_reason,
            }
        )
    return items


def _media_row(item: dict) -> tuple[str, str, str]:
    detail = (
        f"post {item['post']}: {item['file_name'] or item['archive_path']} ({item['mime_type']}, {item['size']} bytes, "
        f"SHA-256 {item['sha256']}{', X media id ' + item['x_media_id'] if item['x_media_id'] else ''})"
    )
    if item["alt_text"]:
        detail += f"; alt text: {item['alt_text']}"
    if item["captions_file"]:
        detail += f"; captions: {item['captions_file']}"
    if item["no_captions_reason"]:
        detail += f"; no captions: {item['no_captions_reason']}"
    return "", "", detail


def _changes_on_x(draft: Draft) -> list[dict]:
    return [
        {
            "kind": change.kind,
            "source": change.source,
            "seen_at": _local(change.seen_at),
            "recorded_at": _local(change.recorded_at),
            "x_post_id": change.x_post_id,
            "detail": change.detail,
        }
        for change in draft.x_changes.all()
    ]


def _change_row(item: dict) -> tuple[str, str, str]:
    detail = item["detail"] if isinstance(item["detail"], dict) else {}
    by = detail.get("by") or ("X" if item["kind"] != PostOnX.Kind.RETRACTED else "")
    words = {
        PostOnX.Kind.DELETED_ON_X: "deleted on X",
        PostOnX.Kind.EDITED_ON_X: "edited on X",
        PostOnX.Kind.RETRACTED: "retracted through Dovecote",
    }
    text = f"{words.get(item['kind'], item['kind'])} ({item['source']})"
    if item["x_post_id"]:
        text += f", X post {item['x_post_id']}"
    if detail.get("reason"):
        text += f": {detail['reason']}"
    if detail.get("new_text") or detail.get("text_on_x"):  # (the own-post readers keep it as text_on_x)
        text += f"; now: {detail.get('new_text') or detail.get('text_on_x')}"
    return item["seen_at"], str(by), text


PARTS: list[Part] = [
    Part(
        key="media",
        label="media",
        columns=MEDIA_COLUMNS,
        read=_media,
        prefetch=(
            Prefetch(
                "current_revision__media",
                queryset=RevisionMedia.objects.select_related("media", "captions").order_by("position", "order"),
            ),
            Prefetch(
                "current_revision__media__media__uploads",
                queryset=MediaUpload.objects.order_by("created_at", "id"),
            ),
        ),
        row=_media_row,
    ),
    Part(
        key="changes_on_x",
        label="change on X",
        columns=["kind", "source", "seen_at", "recorded_at", "x_post_id", "detail"],
        read=_changes_on_x,
        prefetch=(Prefetch("x_changes", queryset=PostOnX.objects.order_by("seen_at", "id")),),
        row=_change_row,
    ),
]


def published_records(
    *, account: TwitterAccount, start: date, end: date, include_private: bool = False
) -> Iterator[dict]:
    """Each published (or since retracted) draft of the account in [start, end] (UK dates), oldest first, with its
    history and its parts (PARTS). Replies sent as direct messages are private: only with include_private (the view
    asks for, and audits, a reason)."""
    since = timezone.make_aware(datetime.combine(start, time.min))
    until = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    base = (
        Draft.objects.filter(
            account=account,
            state__in=(Draft.State.PUBLISHED, Draft.State.RETRACTED),
            published_at__gte=since,
            published_at__lt=until,
        )
        .select_related("account", "author", "current_revision", "essential_by", "retracted_by")
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
            *(prefetch for part in PARTS for prefetch in part.prefetch),
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
    """One draft's record, cleaned for any file (NULs and lone surrogates cannot be written)."""
    return _clean({**_history(draft, account), **{part.key: part.read(draft) for part in PARTS}})


def _clean(value):
    """Text any file can hold: NULs removed, lone surrogates replaced (the record's own shape, so no depth limit)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(key)): _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


def _history(draft: Draft, account: TwitterAccount) -> dict:
    return {
        "draft_id": draft.pk,
        "state": draft.state,
        "account": f"@{account.handle}",
        "network": account.network_label,
        "announcement": str(draft.announcement) if draft.announcement else "",
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
        "retracted_at": _local(draft.retracted_at),
        "retracted_by": _who(draft.retracted_by) if draft.retracted_by_id else "",
        "retraction_reason": draft.retraction_reason,
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
                "retracted_at": _local(p.retracted_at),
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
    "network",
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
    """One row per event in each post's life: the published text, revisions, approvals, transitions, attempts,
    then a row per item of each part (its media, its changes on X, ...)."""
    writer = csvcells.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for r in records:
        head = [r["draft_id"], r["account"], r["network"], r["post_id"], r["post_url"], r["published_at"]]
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
        for part in PARTS:
            for item in r.get(part.key, []):
                at, by, detail = part.row(item)
                yield writer.writerow([*head, part.label or part.key, at, by, "", "", "", detail])


def part_csv(part: Part, records: Iterator[dict]) -> Iterator[str]:
    """A part's own CSV file (in the archive package): draft_id, post_id, then its columns."""
    writer = csvcells.writer(_Echo())
    yield writer.writerow(["draft_id", "post_id", *part.columns])
    for r in records:
        for item in r.get(part.key, []):
            values = [item.get(column, "") for column in part.columns]
            cells = [
                json.dumps(v, ensure_ascii=False, sort_keys=True) if isinstance(v, dict | list) else v for v in values
            ]
            yield writer.writerow([r["draft_id"], r["post_id"], *cells])


def _text(posts: list[str]) -> str:
    return "\n\n---\n\n".join(posts)
