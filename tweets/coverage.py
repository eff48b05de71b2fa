"""Live coverage of an event: a planned thread for a time window with an approver on duty (tweets.models.Coverage).

Its posts are ordinary drafts, created and submitted through tweets.services and approved there (so the usual
rules hold: no self-approval, training gates, approvals per the account's policy, freezes and the spend hold);
approving one publishes it at once through the one publishing engine. Two things are coverage's own, asked by
that engine: a post waits until every earlier post of its coverage has gone out or been dropped
(`waiting_for_earlier`), and it replies to the last one that went out (`thread_to`), so the thread reads in order;
when one is published the next approved one is queued at once (`next_on_published`).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.dispatch import receiver
from django.shortcuts import get_object_or_404

from accounts.access import team_ids_for_user
from accounts.models import TwitterAccount, User
from accounts.services import audit_record
from core.permissions import ensure
from tweets import queueing, services
from tweets.media import Attachment
from tweets.models import Coverage, Draft, PublishAttempt
from tweets.selectors import possible_approvers
from tweets.signals import draft_state_changed

S = Draft.State
# States after which a post no longer holds back the posts after it.
SETTLED = frozenset({S.PUBLISHED, S.WITHDRAWN, S.REJECTED, S.FAILED})


class CoverageError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Reads ----------------------------------------------------------------------------------------------------


def coverages_for_user(user: User) -> QuerySet[Coverage]:
    """Coverage of the accounts whose drafts the user sees (tweets.selectors.drafts_for_user); a 404 otherwise."""
    qs = Coverage.objects.select_related("account", "account__team", "approver_on_duty", "created_by")
    if user.is_admin:
        return qs
    team_ids = team_ids_for_user(user)
    return qs.filter(Q(account__team_id__in=team_ids) | Q(account__approver_team_id__in=team_ids))


def coverage_for_user(user: User, pk: int) -> Coverage:
    return get_object_or_404(coverages_for_user(user), pk=pk)


def coverage_posts(coverage: Coverage) -> list[Draft]:
    return list(
        coverage.drafts.select_related("account", "account__team", "author", "current_revision").order_by(
            "coverage_position", "pk"
        )
    )


def duty_approvers(account: TwitterAccount) -> list[tuple[int, str]]:
    """Who may be the approver on duty: the approvers and leads of the team that approves for the account who are
    trained to approve for its kind, as (user id, name)."""
    team_id = account.approving_team_id
    people = possible_approvers([team_id], [account.kind]).get(team_id, [])
    return [(p.user_id, p.name) for p in people if p.trained.get(account.kind, False)]


def waiting_for_earlier(draft: Draft) -> bool:
    """Whether an earlier post of the draft's coverage has neither gone out nor been dropped yet."""
    if not draft.coverage_id:
        return False
    return (
        Draft.objects.filter(coverage_id=draft.coverage_id, coverage_position__lt=draft.coverage_position)
        .exclude(state__in=SETTLED)
        .exists()
    )


def thread_to(draft: Draft) -> str:
    """The X id the draft's first post replies to: the last post of the latest earlier post of its coverage that
    went out ("" for the first, which starts the thread)."""
    if not draft.coverage_id:
        return ""
    earlier = (
        Draft.objects.filter(
            coverage_id=draft.coverage_id, coverage_position__lt=draft.coverage_position, state=S.PUBLISHED
        )
        .order_by("-coverage_position")
        .first()
    )
    if earlier is None:
        return ""
    last = (
        PublishAttempt.objects.filter(
            draft=earlier, revision_id=earlier.current_revision_id, state=PublishAttempt.State.SUCCEEDED
        )
        .order_by("-position")
        .values_list("x_post_id", flat=True)
        .first()
    )
    return last or earlier.published_post_id


# --- Writes ---------------------------------------------------------------------------------------------------


def coverage_plan(
    *,
    by: User,
    account: TwitterAccount,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    approver_on_duty: User,
    request=None,
) -> Coverage:
    """Plan live coverage: who writes for the account may plan it, naming an approver on duty who may approve."""
    ensure(by, "tweets.create_draft", account)
    title = (title or "").strip()
    if not title:
        raise CoverageError("Give the event a title, for example 'Launch of the Green Homes Grant'.")
    if ends_at <= starts_at:
        raise CoverageError("The coverage must end after it starts.")
    if approver_on_duty.pk not in dict(duty_approvers(account)):
        raise CoverageError(
            f"{approver_on_duty} cannot approve posts for {account}. Choose an approver or lead of "
            f"{account.approver_team or account.team} who is trained to approve for it."
        )
    with transaction.atomic():
        coverage = Coverage.objects.create(
            account=account,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            approver_on_duty=approver_on_duty,
            created_by=by,
        )
        audit_record(
            action="coverage.planned",
            actor=by,
            obj=coverage,
            team=account.team,
            details={"account": account.handle, "title": title, "approver_on_duty": approver_on_duty.pk},
            request=request,
        )
    return coverage


def coverage_post_add(
    *, coverage: Coverage, by: User, text: str, media: list[list[Attachment]] | None = None, request=None
) -> Draft:
    """Write the coverage's next post (with its photo and alt text, as `media` for one post) and submit it for
    approval (its approvers, the one on duty among them, are told as for any draft). The draft services check who
    may write, what the text may be and the media rules."""
    with transaction.atomic():
        Coverage.objects.select_for_update().filter(pk=coverage.pk).first()  # one position each, in order
        draft = services.draft_create(author=by, account=coverage.account, text=text, media=media, request=request)
        last = coverage.drafts.aggregate(last=Max("coverage_position"))["last"] or 0
        draft.coverage, draft.coverage_position = coverage, last + 1
        draft.save(update_fields=["coverage", "coverage_position"])
        return services.draft_submit(draft=draft, by=by, request=request)


@receiver(draft_state_changed, dispatch_uid="tweets.coverage_next")
def next_on_published(sender, draft, from_state, to_state, **kwargs) -> None:
    """When a coverage post goes out (or is dropped), queue the next approved one, which waited for it."""
    if to_state not in SETTLED or not draft.coverage_id:
        return
    following = (
        Draft.objects.filter(coverage_id=draft.coverage_id, coverage_position__gt=draft.coverage_position or 0)
        .exclude(state__in=SETTLED)
        .order_by("coverage_position")
        .values_list("pk", "state")
        .first()
    )
    if following and following[1] == S.APPROVED:
        queueing.publish_on_commit(following[0])
