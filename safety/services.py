"""Raising an incident (the tripwire found a possible takeover) and resolving it (a lead says what it was).

Both are atomic and audited (accounts' audit trail). Raising is idempotent: the same finding (account and
`event_id`), found twice or by both routes (polling and X's pushed events), is one incident, and only a new one
freezes the account, emails and notifies.
"""

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import TwitterAccount, User
from accounts.services import account_revoke_credentials, audit_record
from core.params import typed
from core.permissions import ensure
from core.queues import enqueue_on_commit
from networks import provider_for
from safety.models import Incident
from safety.signals import incident_raised
from tweets.freezes import freeze_lift, freeze_start_automatic
from tweets.models import PublishingFreeze
from twitter_api.client import clean_text
from twitter_api.errors import NotFound, XApiError

log = logging.getLogger(__name__)

TRIPWIRE = "takeover tripwire"
EMAIL_JOB = "safety.jobs.incident_email"


class IncidentError(Exception):
    """An outcome that cannot be recorded; the message says why and what to do."""


def _clip(value, length: int) -> str:
    """Text from X, made safe to store (NULs and lone surrogates gone) and cut to the column."""
    return typed(clean_text(value) if isinstance(value, str) else "")[:length]


def incident_raise(
    *,
    account: TwitterAccount,
    kind: str,
    event_id: str,
    source: str,
    occurred_at: datetime | None = None,
    post_id: str = "",
    post_text: str = "",
    profile_field: str = "",
    before: str = "",
    after: str = "",
    x_event_id: str = "",
) -> tuple[Incident, bool]:
    """Record a possible takeover, once per finding: (the incident, whether it is new). A new one freezes the
    account when its policy says so (`freezes_on_compromise`), and after commit emails the account's leads and the
    security contact (safety.jobs.incident_email) and tells the apps above (safety.signals.incident_raised)."""
    kind = Incident.Kind(kind)
    with transaction.atomic():
        existing = Incident.objects.filter(account=account, event_id=event_id).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                incident = Incident.objects.create(
                    account=account,
                    kind=kind,
                    source=Incident.Source(source),
                    event_id=event_id[:120],
                    x_event_id=_clip(x_event_id, 120),
                    post_id=_clip(post_id, 300),
                    post_text=_clip(post_text, 10_000),
                    posted_at=occurred_at if kind == Incident.Kind.FOREIGN_POST else None,
                    profile_field=_clip(profile_field, 40),
                    before=_clip(before, 2_000),
                    after=_clip(after, 2_000),
                )
        except IntegrityError:  # found at the same moment by the other route
            return Incident.objects.get(account=account, event_id=event_id), False
        if account.freezes_on_compromise:
            incident.freeze = _automatic_freeze(incident)
            incident.save(update_fields=["freeze"])
        audit_record(
            action="incident.raised",
            actor=None,
            actor_label=f"Dovecote ({TRIPWIRE})",
            obj=incident,
            team=account.team,
            details={
                "account": account.handle,
                "kind": kind,
                "source": incident.source,
                "event_id": incident.event_id,
                "post_id": incident.post_id,
                "field": incident.profile_field,
                "freeze": incident.freeze_id,
            },
        )
        enqueue_on_commit("default", EMAIL_JOB, incident.pk)
        transaction.on_commit(lambda: _tell(incident.pk))
    return incident, True


def _tell(incident_id: int) -> None:
    try:
        incident_raised.send(sender=Incident, incident_id=incident_id)
    except Exception:
        log.exception("Could not tell the apps above of incident %s", incident_id)


def _automatic_freeze(incident: Incident) -> PublishingFreeze:
    """The account's freeze for this incident: one still in force that an open incident of the account started is
    shared, so a burst of foreign posts is one freeze."""
    opened = Incident.objects.filter(account_id=incident.account_id, state=Incident.State.OPEN).exclude(pk=incident.pk)
    shared = PublishingFreeze.objects.active().filter(pk__in=opened.values("freeze")).first()
    return shared or freeze_start_automatic(
        account=incident.account, reason=f"Possible compromise: {incident.summary}", started_for=TRIPWIRE
    )


def incident_resolve(
    *,
    incident: Incident,
    by: User,
    outcome: str,
    keep_freeze: bool = False,
    revoke_credentials: bool = False,
    delete_post: bool = False,
    note: str = "",
    request=None,
) -> Incident:
    """A lead records what the incident was. Legitimate: the freeze it started is lifted (unless the lead keeps it,
    or another open incident of the account shares it). Compromised: the foreign post is deleted on X and the
    account's credentials are revoked, as the lead chose (the freeze stays until a lead lifts it)."""
    outcome = Incident.State(outcome)
    if outcome == Incident.State.OPEN:
        raise IncidentError("Choose whether it was legitimate or the account was compromised.")
    note = typed(note)
    ensure(by, "safety.resolve_incident", incident)
    if not incident.is_open:
        raise IncidentError("A lead has already recorded what happened. Reload the page to see it.")
    compromised = outcome == Incident.State.COMPROMISED
    post_deleted = False
    if compromised and delete_post:
        post_deleted = _delete_on_x(incident)
    with transaction.atomic():
        locked = Incident.objects.select_for_update().select_related("account", "account__team").get(pk=incident.pk)
        if not locked.is_open:
            raise IncidentError("A lead has already recorded what happened. Reload the page to see it.")
        locked.state = outcome
        locked.resolved_at = timezone.now()
        locked.resolved_by = by
        locked.note = note
        locked.post_deleted = post_deleted
        if compromised and revoke_credentials and locked.account.has_credentials:
            account_revoke_credentials(actor=by, account=locked.account, request=request)
            locked.credentials_revoked = True
        freeze = locked.freeze
        lift = (
            not compromised
            and freeze is not None
            and freeze.is_active
            and not keep_freeze
            and not Incident.objects.filter(freeze=freeze, state=Incident.State.OPEN).exclude(pk=locked.pk).exists()
        )
        locked.freeze_kept = freeze is not None and freeze.is_active and not lift
        locked.save(
            update_fields=[
                "state",
                "resolved_at",
                "resolved_by",
                "note",
                "post_deleted",
                "credentials_revoked",
                "freeze_kept",
            ]
        )
        if lift:
            freeze_lift(
                freeze=freeze, by=by, note=f"The possible compromise was legitimate. {note}".strip(), request=request
            )
        audit_record(
            action="incident.resolved",
            actor=by,
            obj=locked,
            team=locked.account.team,
            details={
                "outcome": outcome,
                "credentials_revoked": locked.credentials_revoked,
                "post_deleted": post_deleted,
                "freeze_lifted": lift,
                "note": note,
            },
            request=request,
        )
    return locked


def _delete_on_x(incident: Incident) -> bool:
    """Delete the foreign post on its network (metered). Gone already counts as deleted."""
    if not incident.post_id:
        return False
    if not incident.account.has_credentials:
        raise IncidentError(
            "The account's credentials have been revoked, so Dovecote cannot delete the post. "
            f"Delete it on {incident.account.network_label}."
        )
    provider = provider_for(incident.account)
    try:
        provider.post_delete(incident.account, post_id=incident.post_id, context=f"incident:{incident.pk}")
    except NotFound:
        return True
    except XApiError as exc:
        raise IncidentError(
            f"{provider.label} did not delete the post: {exc.message} Nothing was recorded; try again."
        ) from exc
    return True
