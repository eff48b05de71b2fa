"""Record sign-ins and failed sign-ins in the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts.services import audit_record


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
