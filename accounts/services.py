"""Services for people (invitations), teams, memberships, accounts and the audit trail."""

import copy

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuditEvent, Membership, Team, TwitterAccount, User
from core.params import typed
from core.permissions import ensure
from core.queues import enqueue_on_commit
from networks.base import BLUESKY, MASTODON, X


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


def _lock_team_leads(team_id: int) -> None:
    """Lock the team's lead memberships, so two leads demoting or removing each other at once cannot both pass
    the last-lead rule (accounts.rules.leaves_a_lead)."""
    list(Membership.objects.select_for_update().filter(team_id=team_id, role=Membership.Role.LEAD).values("pk"))


@transaction.atomic
def membership_change_role(*, actor: User | None, membership: Membership, role: str, request=None) -> Membership:
    role = Membership.Role(role)
    old = membership.role
    if old == role:
        return membership
    if actor is not None:
        _lock_team_leads(membership.team_id)
        ensure(actor, "accounts.change_role", membership)
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
    if actor is not None and membership.ended_at is None:
        _lock_team_leads(membership.team_id)
        ensure(actor, "accounts.end_membership", membership)
    if membership.ended_at is None:
        membership.ended_at = timezone.now()
        membership.save(update_fields=["ended_at"])
        audit_record(action="membership.ended", actor=actor, obj=membership, team=membership.team, request=request)
    return membership


class CredentialsRefused(Exception):
    """The network would not accept the credentials entered (or could not be asked): `message` says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# How each network's credentials are asked for and named (X's OAuth 1.0a token and secret are checked when used).
CREDENTIAL_NAMES = {BLUESKY: "app password", MASTODON: "access token"}


def _cell(value, limit: int = 255) -> str:
    """A value from the network, fit to keep: text without NULs or lone surrogates, or empty."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return ""
    text = str(value).replace("\x00", "")
    text = text.encode("utf-8", "replace").decode("utf-8") if any("\ud800" <= c <= "\udfff" for c in text) else text
    return text.strip()[:limit]


def account_connect(*, account: TwitterAccount, access_token: str, at=None) -> dict:
    """Ask Bluesky or Mastodon whom these credentials belong to, before they are kept: the account's id on the
    network (`user_id`) and, on Mastodon, its instance's limit on a post (`max_characters`). Nothing is saved.
    Raises CredentialsRefused, in words that say what to do, when the network refuses them or cannot be asked."""
    from importlib import import_module

    from twitter_api.errors import CredentialsRejected, XApiError

    network = account.network or X
    label, name = account.network_label, CREDENTIAL_NAMES.get(network, "credentials")
    candidate = copy.copy(account)  # the account as it will be, never saved here
    candidate.access_token, candidate.access_token_secret = access_token, ""
    candidate.credentials_updated_at, candidate.credentials_revoked_at = at or timezone.now(), None
    try:
        connect = import_module(f"networks.{network}.provider").connect
    except (ImportError, AttributeError):
        return {}  # this network's provider cannot check yet: kept as entered, checked when first used
    try:
        found = connect(candidate)
    except CredentialsRejected as exc:
        # Not the provider's own words (exc): those are for a post that failed later, and tell the person entering
        # the credentials to "ask the account's responsible person", who is usually them.
        where = (
            "in Bluesky's settings, under Privacy and security, App passwords"
            if network == BLUESKY
            else "in the account's settings, under Development"
        )
        raise CredentialsRefused(
            f"{label} refused this {name} for @{account.handle}. Make a new {name} {where}, paste it here and save "
            "again. Nothing was saved."
        ) from exc
    except XApiError as exc:
        raise CredentialsRefused(
            f"Dovecote could not check the {name} with {label}: {exc} Nothing was saved. Try again in a few minutes."
        ) from exc
    found = found if isinstance(found, dict) else {}
    user_id = _cell(found.get("did") if network == BLUESKY else found.get("id"))
    if not user_id:
        raise CredentialsRefused(
            f"{label} accepted the {name} but did not say which account it belongs to. Nothing was saved. "
            "Try again in a few minutes."
        )
    limit = found.get("max_characters")
    return {
        "user_id": user_id,
        "max_characters": limit if type(limit) is int and 0 < limit <= 1_000_000 else None,
    }


def account_set_credentials(
    *,
    actor: User | None,
    account: TwitterAccount,
    access_token: str,
    access_token_secret: str = "",
    connected: dict | None = None,
    request=None,
) -> TwitterAccount:
    """Keep new credentials (encrypted). X's are a token and its secret; Bluesky's app password and Mastodon's
    access token are checked with the network first (`account_connect`, unless the caller has: `connected`),
    which also fills in the account's id there and Mastodon's limit on a post. A refusal (CredentialsRefused)
    saves nothing."""
    now = timezone.now()
    fields = ["access_token", "access_token_secret", "credentials_updated_at", "credentials_revoked_at"]
    details = {}
    if (account.network or X) != X:
        if connected is None:
            connected = account_connect(account=account, access_token=access_token, at=now)
        access_token_secret = ""
        if connected.get("user_id"):
            account.x_user_id = connected["user_id"]
            fields.append("x_user_id")
            details["user_id"] = connected["user_id"]
        if connected.get("max_characters"):
            account.max_characters = connected["max_characters"]
            fields.append("max_characters")
            details["max_characters"] = connected["max_characters"]
        details["network"] = account.network
        details["checked"] = bool(connected)
    account.access_token = access_token
    account.access_token_secret = access_token_secret
    account.credentials_updated_at = now
    account.credentials_revoked_at = None
    with transaction.atomic():  # the network was asked first, outside the transaction
        account.save(update_fields=fields)
        audit_record(
            action="account.credentials_set",
            actor=actor,
            obj=account,
            team=account.team,
            details=details,
            request=request,
        )
    return account


@transaction.atomic
def account_revoke_credentials(*, actor: User | None, account: TwitterAccount, request=None) -> TwitterAccount:
    account.access_token = ""
    account.access_token_secret = ""
    account.credentials_revoked_at = timezone.now()
    account.save(update_fields=["access_token", "access_token_secret", "credentials_revoked_at"])
    audit_record(action="account.credentials_revoked", actor=actor, obj=account, team=account.team, request=request)
    # Revoking the account's credentials ends its OAuth 2.0 grant (account events) too.
    from accounts.oauth2 import activity_grant_revoke

    activity_grant_revoke(by=actor, account=account, reason="credentials revoked", request=request)
    return account


# --- Records: legal hold and retention (the sweep and the guard against deleting are tweets.retention's) ---------


class RecordsError(Exception):
    """A legal hold or retention change that cannot be made; the message says why."""


def _locked_account(account: TwitterAccount) -> TwitterAccount:
    return TwitterAccount.objects.select_for_update().get(pk=account.pk)


def account_legal_hold_set(*, by: User, account: TwitterAccount, reason: str, request=None) -> TwitterAccount:
    """An admin places the account on legal hold: from now nothing of its records is deleted, by the retention
    sweep or by anyone, until an admin lifts it. Audited with the reason; placing it again changes nothing."""
    reason = typed(reason)
    ensure(by, "accounts.set_legal_hold", account)
    if not reason:
        raise RecordsError("Say why the account is placed on legal hold (the case or request it is for).")
    with transaction.atomic():
        account = _locked_account(account)
        if account.on_legal_hold:
            return account
        account.legal_hold_since = timezone.now()
        account.legal_hold_by = by
        account.legal_hold_reason = reason
        account.save(update_fields=["legal_hold_since", "legal_hold_by", "legal_hold_reason"])
        audit_record(
            action="account.legal_hold_set",
            actor=by,
            obj=account,
            team=account.team,
            details={"account": account.handle, "reason": reason},
            request=request,
        )
    return account


def account_legal_hold_lift(*, by: User, account: TwitterAccount, reason: str, request=None) -> TwitterAccount:
    """An admin lifts the legal hold: deletion (the retention sweep) resumes. Audited with why, and with the hold's
    own reason and start, which the account then forgets; lifting a hold that is not there changes nothing."""
    reason = typed(reason)
    ensure(by, "accounts.set_legal_hold", account)
    if not reason:
        raise RecordsError("Say why the legal hold is lifted (for example, the case is closed).")
    with transaction.atomic():
        account = _locked_account(account)
        if not account.on_legal_hold:
            return account
        held = {
            "since": account.legal_hold_since.isoformat(),
            "by": account.legal_hold_by.email if account.legal_hold_by else "",
            "reason": account.legal_hold_reason,
        }
        account.legal_hold_since = None
        account.legal_hold_by = None
        account.legal_hold_reason = ""
        account.save(update_fields=["legal_hold_since", "legal_hold_by", "legal_hold_reason"])
        audit_record(
            action="account.legal_hold_lifted",
            actor=by,
            obj=account,
            team=account.team,
            details={"account": account.handle, "reason": reason, "hold": held},
            request=request,
        )
    return account


def account_retention_change(*, by: User, account: TwitterAccount, years: int, request=None) -> TwitterAccount:
    """An admin sets how many years the account's records are kept (1 to 100). Audited with before and after."""
    ensure(by, "accounts.change_retention", account)
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 100:
        raise RecordsError("Enter a retention period between 1 and 100 years.")
    with transaction.atomic():
        account = _locked_account(account)
        before = account.retention_years
        if before == years:
            return account
        account.retention_years = years
        account.save(update_fields=["retention_years"])
        audit_record(
            action="account.retention_changed",
            actor=by,
            obj=account,
            team=account.team,
            details={"account": account.handle, "from": before, "to": years},
            request=request,
        )
    return account


# --- Invitations ------------------------------------------------------------------------------------------


class InvitationError(Exception):
    """An invitation that cannot be sent; the message says why and what to do instead."""


def _enqueue_invitation(user: User, invited_by: User | None) -> None:
    invited_by_id = invited_by.pk if invited_by is not None else None
    enqueue_on_commit("default", "accounts.jobs.invitation_send", user_id=user.pk, invited_by_id=invited_by_id)


@transaction.atomic
def user_invite(*, by: User | None, user: User, request=None) -> User:
    """Add a person, who then sets their own password from the link emailed to them (nobody else ever knows it).

    `user` is new and unsaved (email and name filled in); they are saved without a usable password, so they
    can only sign in once they have set one (or through single sign-on, where that is configured)."""
    if user.pk is not None:
        raise InvitationError(f"There is already an account for {user.email}: send them the invitation again instead.")
    user.email = User.objects.normalize_email(user.email).lower()
    if User.objects.filter(email__iexact=user.email).exists():
        raise InvitationError(f"Someone already has the address {user.email}: find them in the list of people.")
    user.set_unusable_password()
    user.save()
    audit_record(action="user.invited", actor=by, obj=user, details={"email": user.email}, request=request)
    _enqueue_invitation(user, by)
    return user


@transaction.atomic
def user_invite_again(*, by: User | None, user: User, request=None) -> None:
    """A new link for someone who has not set a password yet (theirs expired, or the email went astray); the
    links sent before stop working."""
    if not user.is_active:
        raise InvitationError(f"Not sent to {user.email}: they are deactivated. Reactivate them first.")
    if user.has_usable_password() or user.last_login is not None:
        raise InvitationError(
            f"Not sent to {user.email}: they have already signed in or set a password. If they have forgotten "
            "it, they can reset it from the sign-in page."
        )
    # A new unusable password voids the links sent before: each link's token is made from the password field.
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit_record(action="user.invitation_resent", actor=by, obj=user, details={"email": user.email}, request=request)
    _enqueue_invitation(user, by)


# --- X credits (twitter_api.credits): the refusal that blocks, and the admin who says they are back ----------------


def x_credits_refused(*, exc, endpoint: str = "", reads: bool = False):
    """X refused for money: open the block it calls for (twitter_api.credits.block_record), audited when new."""
    from twitter_api import credits

    block, new = credits.block_record(exc=exc, endpoint=endpoint, reads=reads)
    if new:
        audit_record(
            action="x.credits_exhausted",
            obj=block,
            actor_label="X",
            details={"scope": block.scope, "status": block.status_code, "detail": block.detail, "endpoint": endpoint},
        )
    return block


def x_credits_restore(*, by: User, note: str = "", request=None) -> list:
    """An admin says X credits are restored: every block closes, audited; what waited goes out."""
    from core.permissions import ensure
    from twitter_api import credits

    ensure(by, "accounts.restore_x_credits")
    with transaction.atomic():
        blocks = credits.blocks_restore(by=by, note=note)
        for block in blocks:
            audit_record(
                action="x.credits_restored",
                actor=by,
                obj=block,
                details={"scope": block.scope, "note": note},
                request=request,
            )
    return blocks


@transaction.atomic
def team_invite(
    *,
    by: User,
    team: Team,
    email: str,
    first_name: str = "",
    last_name: str = "",
    role: str = Membership.Role.MEMBER,
    trainer: bool = False,
    request=None,
) -> Membership:
    """A lead adds a person to their team with a role (and, for a trainer, the trainer's powers). Someone new is
    invited to choose a password (user_invite); someone who already has an account joins the team at once."""
    ensure(by, "accounts.invite_to_team", team)
    role = Membership.Role(role)
    email = User.objects.normalize_email(email or "").strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = user_invite(
            by=by,
            user=User(email=email, first_name=first_name.strip(), last_name=last_name.strip(), is_trainer=trainer),
            request=request,
        )
    else:
        if not user.is_active:
            raise InvitationError(f"{email} has been deactivated. Ask an admin to reactivate them first.")
        if (
            Membership.objects.current().filter(user=user, team=team).exists()
            or Membership.objects.filter(user=user, team=team, ended_at__isnull=True).exists()
        ):
            raise InvitationError(f"{user} is already in {team}. Change their role from the list of members.")
        if trainer and not user.is_trainer:
            user.is_trainer = True
            user.save(update_fields=["is_trainer"])
            audit_record(action="user.made_trainer", actor=by, obj=user, team=team, request=request)
    membership = Membership.objects.create(user=user, team=team, role=role)
    audit_record(
        action="membership.added",
        actor=by,
        obj=membership,
        team=team,
        details={"email": user.email, "role": role, "trainer": trainer},
        request=request,
    )
    return membership
