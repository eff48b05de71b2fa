"""The lists of drafts: my drafts, the approval queue, scheduled and published posts."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import person_name
from core.formats import clip, when
from core.pagination import page_of
from core.params import row_id
from core.paths import path_with_pk
from core.tables import rendered_rows
from tweets import selectors
from tweets.models import Draft
from tweets.saved_replies import versions_awaiting_approval_by
from tweets.views._common import S

PAGE_SIZE = 50

# What a row of the approval queue shows, read as plain values: a draft, its account, author and revision as
# model instances cost more than the page's queries.
APPROVAL_QUEUE_ROWS = Draft.objects.order_by("updated_at", "id").values(
    "pk",
    "purpose",
    "scheduled_at",
    "current_revision__posts",
    "reply_to_snapshot",
    "account__handle",
    "account__kind",
    "account__approvals_required",
    "account__replies_need_approval",
    "author__first_name",
    "author__last_name",
    "author__email",
)


def _answering(snapshot) -> str:
    """A queue row's line about the post a reply answers (its snapshot), or ''."""
    if not isinstance(snapshot, dict) or not snapshot.get("post_id"):
        return ""
    name = f" ({snapshot['author_name']})" if snapshot.get("author_name") else ""
    return f"Answering @{snapshot.get('author_username', '')}{name}: “{clip(snapshot.get('text') or '', 80)}”"


# --- Lists ------------------------------------------------------------------------------------------


@login_required
def draft_list(request: HttpRequest) -> HttpResponse:
    base = selectors.drafts_for_user(request.user)
    counts = dict(base.order_by().values_list("state").annotate(n=Count("id")))
    state = request.GET.get("state", "")
    mine = request.GET.get("mine") == "1"
    drafts = base
    if state in S.values:
        drafts = drafts.filter(state=state)
    if mine:
        drafts = drafts.filter(author=request.user)
    page = page_of(drafts.order_by("-updated_at", "-id"), request.GET.get("page"), per_page=PAGE_SIZE)
    tabs = [{"value": value, "label": label, "count": counts.get(value, 0)} for value, label in S.choices]
    return render(
        request,
        "tweets/draft_list.html",
        {"page": page, "tabs": tabs, "state": state, "mine": mine, "total": sum(counts.values())},
    )


@login_required
def approval_queue(request: HttpRequest) -> HttpResponse:
    drafts = selectors.drafts_awaiting_approval_by(request.user).order_by("updated_at", "id")
    # Oldest first, a page at a time: a busy team can have hundreds waiting. The page's rows are then loaded
    # by id alone, so the filters above are not planned twice.
    page = page_of(drafts, request.GET.get("page"), per_page=PAGE_SIZE, rows=APPROVAL_QUEUE_ROWS)
    progress = selectors.queue_progress(page.object_list)
    # Each row's text worked out here, so the template only looks up keys (much faster than method calls).
    rows = []
    for draft in page.object_list:
        approvers, needed = progress[draft["pk"]]
        rows.append(
            {
                "url": path_with_pk("tweets:draft_detail", draft["pk"]),
                "text": clip((draft["current_revision__posts"] or [""])[0], 90),
                "answers": _answering(draft["reply_to_snapshot"]),
                "account": f"@{draft['account__handle']}",
                "author": person_name(draft["author__first_name"], draft["author__last_name"], draft["author__email"]),
                "approvals": f"{len(approvers)} of {needed}",
                "approved_by_me": request.user.pk in approvers,
                "publish_at": when(draft["scheduled_at"], "j M Y H:i") if draft["scheduled_at"] else "When approved",
            }
        )
    return render(
        request,
        "tweets/approval_queue.html",
        {
            "rows": rows,
            "rows_html": rendered_rows("tweets/_approval_rows.html", rows),
            "page": page,
            "saved_replies_waiting": versions_awaiting_approval_by(request.user).count(),
        },
    )


@login_required
def scheduled(request: HttpRequest) -> HttpResponse:
    drafts = (
        selectors.drafts_for_user(request.user)
        .filter(state__in=[S.SCHEDULED, S.APPROVED, S.HELD, S.PUBLISHING], scheduled_at__isnull=False)
        .order_by("scheduled_at", "id")
    )
    if request.GET.get("include") != "past":
        drafts = drafts.filter(scheduled_at__gte=timezone.now() - timezone.timedelta(days=1))
    account_id = row_id(request.GET.get("account"))
    one_account = account_id is not None
    if one_account:  # among the drafts you may see, so another team's account shows nothing
        drafts = drafts.filter(account_id=account_id)
    drafts = list(drafts[:500])
    account = drafts[0].account if one_account and drafts else None
    days = []
    for draft in drafts:
        day = timezone.localtime(draft.scheduled_at).date()
        if not days or days[-1]["day"] != day:
            days.append({"day": day, "drafts": []})
        days[-1]["drafts"].append(draft)
    return render(request, "tweets/scheduled.html", {"days": days, "account": account})


@login_required
def published(request: HttpRequest) -> HttpResponse:
    # Retracted posts stay in the list, tagged: they were published, and the record says what they said.
    drafts = selectors.drafts_for_user(request.user).filter(state__in=[S.PUBLISHED, S.RETRACTED])
    drafts = drafts.order_by("-published_at", "-id")
    page = page_of(drafts, request.GET.get("page"), per_page=PAGE_SIZE)
    return render(request, "tweets/published.html", {"page": page})
