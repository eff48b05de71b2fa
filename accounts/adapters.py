"""django-allauth adapters: no open sign-up, unless the address is in an allowed domain."""

from allauth.account.adapter import DefaultAccountAdapter
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


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        email = sociallogin.user.email or ""
        return _domain_allowed(email)
