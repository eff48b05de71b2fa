"""Record sign-ins and failed sign-ins in the audit trail; forget a user's cached roles or MFA enrolment when
they change (User.current_roles, User.has_mfa)."""

from allauth.mfa.models import Authenticator
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import Membership, mfa_cache_key, roles_cache_key
from accounts.services import audit_record
from core.cache import forget


@receiver(user_logged_in)
def audit_sign_in(sender, request, user, **kwargs):
    audit_record(action="auth.signed_in", actor=user, request=request)


@receiver(user_login_failed)
def audit_sign_in_failure(sender, credentials, request=None, **kwargs):
    # Never store the password; the email tried is enough to spot an attack.
    tried = str(credentials.get("email") or credentials.get("username") or "")[:200]
    audit_record(
        action="auth.sign_in_failed", actor_label=tried or "unknown", details={"email": tried}, request=request
    )


@receiver(post_save, sender=Authenticator, dispatch_uid="accounts.forget_mfa_saved")
@receiver(post_delete, sender=Authenticator, dispatch_uid="accounts.forget_mfa_deleted")
def forget_mfa_enrolment(sender, instance, **kwargs):
    forget(mfa_cache_key(instance.user_id))  # User.has_mfa


@receiver(post_save, sender=Membership, dispatch_uid="accounts.forget_roles_saved")
@receiver(post_delete, sender=Membership, dispatch_uid="accounts.forget_roles_deleted")
def forget_roles(sender, instance, **kwargs):
    forget(roles_cache_key(instance.user_id))  # User.current_roles
