"""What the draft pages share: a post's rows, the draft page's context and acting on a draft from it."""

import difflib
import re
from itertools import pairwise

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.models import User
from core.permissions import Refused, decide
from networks import text as text_rules
from networks.base import LABELS, X
from training.policy import Action
from training.policy import check as training_check
from tweets import access, announcements, costs, hints, rules, selectors, services
from tweets.forms import CommentForm, ReasonForm, RescheduleForm
from tweets.media import media_by_revision, media_changes
from tweets.media_preview import revision_preview
from tweets.models import Draft, DraftRevision, PostMetrics, PublishingFreeze
from twitter_api.text import validate_post_text

S = Draft.State


def post_row(text: str, index: int = 0, *, account=None) -> dict:
    """What a post's box shows before any script runs: its length by the account's network's count, that
    network's limit (X's while no account is chosen) and the hints; `network` and `max` go on the textarea for
    the browser's count (static/js/compose_count.js)."""
    network = getattr(account, "network", "") or X
    check = text_rules.check_for(account, text) if account is not None and text else None
    if check is None and text:
        check = validate_post_text(text)
    return {
        "index": index,
        "text": text,
        "length": check.weighted_length if check else 0,
        "max": text_rules.limit_for(network, max_characters=getattr(account, "max_characters", None)),
        "network": network,
        "network_label": LABELS.get(network, "X"),
        "hints": hints.accessibility_hints(text),
    }


def _post_rows(posts: list[str], *, account=None) -> list[dict]:
    return [post_row(text, index, account=account) for index, text in enumerate(posts or [""])]


# The states in which a draft's page lists its publishing attempts.
ATTEMPTS_SHOWN = (S.PUBLISHING, S.FAILED, S.PUBLISHED, S.SCHEDULED, S.RETRACTED)

NOBODY_CAN_APPROVE = " But nobody can approve it yet: the page says who could once trained."


def _submitted_message(draft: Draft) -> str:
    message = "Draft submitted for approval."
    short = draft.state == S.SUBMITTED and selectors.approval_reach(draft).short
    return message + NOBODY_CAN_APPROVE if short else message


# --- Draft page ---------------------------------------------------------------------------------------

_TOKENS = re.compile(r"\s+|[^\s]+")


def revision_diff(old: DraftRevision, new: DraftRevision) -> list[dict]:
    """Word-level differences between two revisions, as segments for the template."""
    a, b = _TOKENS.findall(old.text), _TOKENS.findall(new.text)
    segments = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append({"op": "same", "text": "".join(a[i1:i2])})
            continue
        if op in ("delete", "replace"):
            segments.append({"op": "del", "text": "".join(a[i1:i2])})
        if op in ("insert", "replace"):
            segments.append({"op": "ins", "text": "".join(b[j1:j2])})
    return segments


def draft_permissions(user: User, draft: Draft) -> dict[str, bool]:
    """What `user` may do with `draft` now (tweets.rules): the buttons its pages show."""
    can = {key: decide(user, perm, draft).allowed for key, perm in DRAFT_BUTTONS.items()}
    can["retract"] = can["retract"] and draft.state == S.PUBLISHED  # retracting twice is harmless, not offered
    return can


# The buttons of a draft's page and the permission each needs.
DRAFT_BUTTONS = {
    "edit": "tweets.edit_draft",
    "submit": "tweets.submit_draft",
    "withdraw": "tweets.withdraw_draft",
    "approve": "tweets.approve_draft",
    "review": "tweets.request_changes",
    "reschedule": "tweets.reschedule_draft",
    "publish_now": "tweets.publish_now",
    "essential": "tweets.publish_essential",
    "retry": "tweets.retry_draft",
    "retract": "tweets.retract_draft",
}


def _approve_block(user: User, draft: Draft) -> str:
    """Why an approver of this draft cannot approve it yet because of their training (else empty)."""
    refusal = rules.first_refusal(user, "tweets.approve_draft", draft)
    return refusal.why if refusal is not None and refusal.name == "trained" else ""


def _detail_context(request: HttpRequest, draft: Draft, **extra) -> dict:
    user = request.user
    now = timezone.now()
    revisions = list(draft.revisions.select_related("created_by").order_by("number"))
    media = media_by_revision([revision.pk for revision in revisions])
    diffs = [
        {
            "old": old,
            "new": new,
            "segments": revision_diff(old, new),
            "media": media_changes(media[old.pk], media[new.pk]),
        }
        for old, new in pairwise(revisions)
    ]
    approvals = selectors.approvals_on_page(draft, at=now)
    counted = {a.approver_id for a in approvals if a.counts}
    freeze = draft.freeze_in_force = selectors.freeze_for(draft.account)  # read once, for the rules too
    approvals_required = selectors.approvals_required(draft)
    context = {
        "draft": draft,
        "held": _held_context(draft) if draft.state == S.HELD else None,
        "post_rows": _post_rows(draft.posts, account=draft.account),
        # Bluesky and Mastodon do not charge for posting: the cost box says so instead (tweets/_cost.html).
        "cost": costs.draft_cost(draft) if draft.account.network == "x" else None,
        "cost_free_on": "" if draft.account.network == "x" else draft.account.network_label,
        "preview": revision_preview(draft),
        "revisions": revisions,
        "diffs": diffs,
        "approvals": approvals,
        "approval_count": len(counted),
        "approvals_required": approvals_required,
        # What the approve form says the approver saw, and what approving it does.
        "seen": {
            "revision": draft.current_revision_id,
            "scheduled_at": draft.scheduled_at.isoformat() if draft.scheduled_at else "",
        },
        "approve_publishes_now": freeze is None
        and selectors.approval_publishes_now(
            needed=approvals_required, counted=len(counted), scheduled_at=draft.scheduled_at, at=now
        ),
        "comments": draft.comments.select_related("author", "revision"),
        "transitions": draft.transitions.select_related("actor"),
        "attempts": draft.attempts.all() if draft.state in ATTEMPTS_SHOWN else [],
        # What happened on X after publishing (deleted, edited, retracted): tweets.records.
        "x_changes": list(draft.x_changes.all()) if draft.published_post_id else [],
        "freeze": freeze,
        "can": draft_permissions(user, draft),
        "forward_voids_approvals": services.forward_voids_approvals(user, draft),
        "approve_block": _approve_block(user, draft),
        "reply_verdict": selectors.reply_verdict(draft),
        "figures": list(PostMetrics.objects.of_draft(draft)) if draft.published_post_id else [],
        "comment_form": CommentForm(),
        "reason_form": ReasonForm(),
        "reschedule_form": RescheduleForm(initial={"scheduled_at": draft.scheduled_at}),
    }
    if draft.state == S.SUBMITTED:
        context["reach"] = _reach_on_page(draft)
    context["announcement"] = announcement_context(user, draft)
    context.update(extra)
    return context


def announcement_context(user: User, draft: Draft) -> dict | None:
    """The drafts written together with this one that this person can see (account, network, state, link), and
    which of them they may submit for approval now; None when the draft was written for one account."""
    if draft.announcement is None:
        return None
    rows = []
    for each in announcements.announcement_drafts(user, draft):
        decision = decide(user, "tweets.submit_draft", each)
        rows.append(
            {
                "draft": each,
                "name": announcements.account_name(each.account),
                "is_this": each.pk == draft.pk,
                "may_submit": decision.allowed,
                "waiting": each.state in services.ALLOWED_FROM["submit"],
                "why_not": decision.reason,
            }
        )
    return {
        "rows": rows,
        "submittable": [row for row in rows if row["may_submit"]],
        "left": [row for row in rows if row["waiting"] and not row["may_submit"]],
    }


def _held_context(draft: Draft) -> dict:
    """Why a held post is held (which freeze, its reason, who started it, since when) and what happens next."""
    since = (
        draft.transitions.filter(to_state=S.HELD).order_by("-created_at", "-id").values_list("created_at", flat=True)
    ).first()
    freeze = (
        PublishingFreeze.objects.select_related("started_by", "lifted_by", "team", "account")
        .filter(pk=draft.held_by_id)
        .first()
    )
    return {"freeze": freeze, "since": since, "outlook": selectors.held_outlook(draft)}


def _reach_on_page(draft: Draft) -> dict | None:
    """When the draft cannot get the approvals it needs: who can approve now, and who could once trained (with
    the courses each lacks). None when it can."""
    reach = selectors.approval_reach(draft)
    if not reach.short:
        return None
    once_trained = []
    for person in reach.untrained:
        decision = training_check(User(pk=person.user_id), draft.account, Action.APPROVE)
        courses = [course.title for course in decision.missing_courses]
        once_trained.append({"name": person.name, "courses": courses})
    return {
        "needed": reach.needed,
        "able": [person.name for person in reach.able],
        "once_trained": once_trained,
        "team": draft.account.approver_team or draft.account.team,
    }


def _act(request: HttpRequest, pk: int, action, success) -> HttpResponse:
    """Load the draft through the access helper, call one service, and redirect or show why not. `success` is the
    message, or makes it from what the service returned."""
    draft = access.draft_for_user(request.user, pk)
    try:
        result = action(draft)
    except services.DraftChanged as exc:
        draft.refresh_from_db()
        context = _detail_context(request, draft, error=exc.message, changed=_what_changed(exc))
        return render(request, "tweets/draft_detail.html", context, status=409)
    except Refused as exc:
        context = _detail_context(request, draft, error=exc.reason)
        return render(request, "tweets/draft_detail.html", context, status=403)
    except services.DraftError as exc:
        draft.refresh_from_db()
        return render(
            request, "tweets/draft_detail.html", _detail_context(request, draft, error=exc.message), status=400
        )
    messages.success(request, success(result) if callable(success) else success)
    return redirect("tweets:draft_detail", pk=pk)


def _what_changed(exc: services.DraftChanged) -> dict:
    """Between what the person saw and the draft now: the text (word by word), the reply and the time."""
    seen, current, draft = exc.seen, exc.current, exc.draft
    return {
        "seen": seen,
        "current": current,
        "segments": revision_diff(seen, current) if seen.pk != current.pk else [],
        "media": media_changes(*media_by_revision([seen.pk, current.pk]).values()) if seen.pk != current.pk else [],
        "reply_to": (seen.in_reply_to_post_id, current.in_reply_to_post_id)
        if seen.in_reply_to_post_id != current.in_reply_to_post_id
        else None,
        "time": (exc.seen_scheduled_at, draft.scheduled_at) if exc.seen_scheduled_at != draft.scheduled_at else None,
    }
