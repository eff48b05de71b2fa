"""django-allauth adapters: no open sign-up, unless the address is in an allowed domain."""

import time
from datetime import UTC, datetime

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings


def _domain_allowed(email: str) -> bool:
    domain = email.rsplit("@", 1)[-1].lower() if "@" in email else ""
    return bool(domain) and domain in {d.lower() for d in settings.SIGNUP_EMAIL_DOMAINS}


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Admins invite users; self sign-up only exists when allowed domains are configured.
        return bool(settings.SIGNUP_EMAIL_DOMAINS)

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        if settings.SIGNUP_EMAIL_DOMAINS and not _domain_allowed(email):
            from django import forms

            raise forms.ValidationError("Use your work email address to create an account.")
        return email

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # A privileged user sent to enrol their first authenticator has just typed their password: asking for it
        # again at once, to enrol or to see the recovery codes enrolling made, helps no one. Any change to
        # authenticators they had before this sign-in still asks.
        request = self.request
        if app == "allauth.mfa" and request is not None and request.user.is_authenticated:
            records = get_authentication_records(request, request.user)
            recent = [r for r in records if r.get("method") == "password"]
            if recent and time.time() - recent[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT:
                signed_in_at = datetime.fromtimestamp(recent[-1]["at"], tz=UTC)
                if not Authenticator.objects.filter(user=request.user, created_at__lte=signed_in_at).exists():
                    return False
        return super().is_reauthentication_required(app=app, **kwargs)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        email = sociallogin.user.email or ""
        return _domain_allowed(email)
