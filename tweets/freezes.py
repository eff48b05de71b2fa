"""Publishing freezes: starting and lifting one, and the two ways a held or approved post goes out around one
(released by a lead once no freeze applies, or published during one as an essential communication).

The draft's state changes go through tweets.services' machinery (its row locked, the transition table, history,
audit and signal); who may do each is the permission of tweets.rules, asked through `core.permissions.ensure`.
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record
from core.params import typed
from core.permissions import ensure
from tweets import queueing
from tweets.models import AUTOMATIC_FREEZE_LABEL, Draft, PublishingFreeze
from tweets.selectors import freeze_for
from tweets.services import DraftError, _lock, _move

S = Draft.State


def draft_publish_now(*, draft: Draft, by: User, request=None) -> Draft:
    """After a freeze is lifted: publish a held post now."""
    with transaction.atomic():
        draft = _lock(draft, "publish_now")
        ensure(by, "tweets.publish_now", draft)  # a lead, and no freeze still applies
        _move(draft, S.APPROVED, by=by, reason="Released after the freeze", request=request, publish_due_at=None)
        queueing.publish_on_commit(draft.pk)
        return draft


def draft_publish_essential(*, draft: Draft, by: User, reason: str, request=None) -> Draft:
    """A lead publishes one approved post during a freeze, with a reason. Audited."""
    reason = typed(reason)
    if not reason:
        raise DraftError("Say why this post is essential. The reason is kept in the audit trail.")
    with transaction.atomic():
        draft = _lock(draft, "publish_essential")
        ensure(by, "tweets.publish_essential", draft)  # a lead, and a freeze applies
        freeze = freeze_for(draft.account)
        audit_record(
            action="freeze.essential_exception",
            actor=by,
            obj=draft,
            team=draft.account.team,
            details={
                "reason": reason,
                "freeze": freeze.pk if freeze else None,
                "spend_budget": freeze is None,  # what held it back was the team's used-up spend budget
                "account": draft.account.handle,
            },
            request=request,
        )
        _move(
            draft,
            S.APPROVED,
            by=by,
            reason=f"Essential communication during a {'freeze' if freeze else 'spend hold'}: {reason}",
            request=request,
            essential_reason=reason,
            essential_by=by,
            publish_due_at=None,
            held_for_spend=False,
        )
        queueing.publish_on_commit(draft.pk)
        return draft


def freeze_start_automatic(*, account, reason: str, started_for: str) -> PublishingFreeze:
    """A freeze of one account that Dovecote starts by itself, with no person to ask (the takeover tripwire, when
    the account's policy says so). Audited as the system, `started_for` saying what started it; lifted as any
    freeze is, by a lead (freeze_lift)."""
    reason = typed(reason)[:2000] or "Possible compromise"
    with transaction.atomic():
        freeze = PublishingFreeze.objects.create(
            scope=PublishingFreeze.Scope.ACCOUNT, account=account, reason=reason, started_by=None
        )
        audit_record(
            action="freeze.started",
            actor=None,
            actor_label=f"{AUTOMATIC_FREEZE_LABEL} ({started_for})",
            obj=freeze,
            team=account.team,
            details={"scope": PublishingFreeze.Scope.ACCOUNT, "reason": reason, "automatic": started_for},
        )
        queueing.notify_leads_of_freeze_on_commit(freeze.pk, "started")
    return freeze


def freeze_start(*, by: User, scope: str, reason: str, team=None, account=None, request=None) -> PublishingFreeze:
    scope = PublishingFreeze.Scope(scope)
    reason = typed(reason)
    if not reason:
        raise DraftError("Give a reason for the freeze. Everyone will see it in the banner.")
    if scope == PublishingFreeze.Scope.TEAM and team is None:
        raise DraftError("Choose the team whose accounts to freeze.")
    if scope == PublishingFreeze.Scope.ACCOUNT and account is None:
        raise DraftError("Choose the account to freeze.")
    ensure(by, "tweets.start_freeze", team if scope == PublishingFreeze.Scope.TEAM else account)
    with transaction.atomic():
        freeze = PublishingFreeze.objects.create(
            scope=scope,
            team=team if scope == PublishingFreeze.Scope.TEAM else None,
            account=account if scope == PublishingFreeze.Scope.ACCOUNT else None,
            reason=reason,
            started_by=by,
        )
        audit_record(
            action="freeze.started",
            actor=by,
            obj=freeze,
            team=team or (account.team if account else None),
            details={"scope": scope, "reason": reason},
            request=request,
        )
        queueing.notify_leads_of_freeze_on_commit(freeze.pk, "started")
    return freeze


def freeze_lift(*, freeze: PublishingFreeze, by: User, note: str = "", request=None) -> PublishingFreeze:
    ensure(by, "tweets.lift_freeze", freeze)
    with transaction.atomic():
        locked = PublishingFreeze.objects.select_for_update().get(pk=freeze.pk)
        if locked.lifted_at is not None:
            raise DraftError("This freeze has already been lifted.")
        locked.lifted_at = timezone.now()
        locked.lifted_by = by
        locked.lift_note = note
        locked.save(update_fields=["lifted_at", "lifted_by", "lift_note"])
        audit_record(
            action="freeze.lifted",
            actor=by,
            obj=locked,
            team=locked.team or (locked.account.team if locked.account_id else None),
            details={"note": note},
            request=request,
        )
        queueing.notify_leads_of_freeze_on_commit(locked.pk, "lifted")
    return locked
