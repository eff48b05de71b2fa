"""Account jobs: the invitation email; refreshing account events' OAuth 2.0 grants. Each takes ids (or nothing),
loads, and is safe to run twice."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User

# How long an invitation link works: the password reset token's life (Django's PASSWORD_RESET_TIMEOUT).
INVITATION_DAYS = settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)


def invitation_url(user: User) -> str:
    """A link, good once and for INVITATION_DAYS, to the page where they choose their password: allauth's
    password reset from a key, so the token is the one it checks (and stops working once a password is set)."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return settings.SITE_URL.rstrip("/") + path


def invitation_send(*, user_id: int, invited_by_id: int | None) -> bool:
    """Email a new person their link to set a password. Sends nothing once they have one (a second run, or a
    resend queued after they accepted), or if they were deactivated meanwhile."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return False
    invited_by = User.objects.filter(pk=invited_by_id).first() if invited_by_id else None
    body = render_to_string(
        "accounts/email/invitation.txt",
        {
            "user": user,
            "invited_by": invited_by,
            "url": invitation_url(user),
            "days": INVITATION_DAYS,
            "sign_in_url": settings.SITE_URL.rstrip("/") + reverse("account_login"),
        },
    )
    send_mail("You have been invited to Dovecote", body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


def activity_grants_refresh() -> dict[str, int]:
    """Periodic: refresh every account events grant whose access token lapses soon (accounts.oauth2). Safe on
    several workers at once: each grant is refreshed under its own lock and compare-and-set."""
    from accounts.oauth2 import activity_grant_refresh, grants_due

    outcomes: dict[str, int] = {}
    for grant_id in grants_due():
        outcome = activity_grant_refresh(grant_id=grant_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
