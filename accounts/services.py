"""Services for teams, memberships, accounts and the audit trail."""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuditEvent, Membership, Team, TwitterAccount, User


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(**fields) -> AuditEvent:
    """Append one event to the audit trail (the fields as `audit_event` takes them)."""
    event = audit_event(**fields)
    event.save()
    return event


def audit_event(
    *,
    action: str,
    actor: User | None = None,
    obj=None,
    team: Team | None = None,
    details: dict | None = None,
    request: HttpRequest | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """An unsaved event, for writing many at once with `AuditEvent.objects.bulk_create`."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEvent(
        actor=actor,
        actor_label=actor_label or (actor.email if actor else "system"),
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        team=team,
        details=details or {},
        ip_address=client_ip(request),
    )


@transaction.atomic
def membership_change_role(*, actor: User | None, membership: Membership, role: str, request=None) -> Membership:
    old = membership.role
    if old == role:
        return membership
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        action="membership.role_changed",
        actor=actor,
        obj=membership,
        team=membership.team,
        details={"from": old, "to": role},
        request=request,
    )
    return membership


@transaction.atomic
def membership_end(*, actor: User | None, membership: Membership, request=None) -> Membership:
    if membership.ended_at is None:
        membership.ended_at = timezone.now()
        membership.save(update_fields=["ended_at"])
        audit_record(action="membership.ended", actor=actor, obj=membership, team=membership.team, request=request)
    return membership


@transaction.atomic
def account_set_credentials(
    *, actor: User | None, account: TwitterAccount, access_token: str, access_token_secret: str, request=None
) -> TwitterAccount:
    account.access_token = access_token
    account.access_token_secret = access_token_secret
    account.credentials_updated_at = timezone.now()
    account.credentials_revoked_at = None
    account.save(
        update_fields=["access_token", "access_token_secret", "credentials_updated_at", "credentials_revoked_at"]
    )
    audit_record(action="account.credentials_set", actor=actor, obj=account, team=account.team, request=request)
    return account


@transaction.atomic
def account_revoke_credentials(*, actor: User | None, account: TwitterAccount, request=None) -> TwitterAccount:
    account.access_token = ""
    account.access_token_secret = ""
    account.credentials_revoked_at = timezone.now()
    account.save(update_fields=["access_token", "access_token_secret", "credentials_revoked_at"])
    audit_record(action="account.credentials_revoked", actor=actor, obj=account, team=account.team, request=request)
    return account
