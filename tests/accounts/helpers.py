"""Steps shared by the tests of setting a password from an emailed link (invitations, password resets)."""

import re

from django.core import mail
from django.urls import reverse


def link_in(message: mail.EmailMessage) -> str:
    """The set-password link in an email (allauth's password reset from a key)."""
    return re.search(r"http://\S+/accounts/password/reset/key/\S+/", message.body).group(0)


def open_link(client, link: str):
    """The set-password page the link leads to (allauth keeps the key in the session and drops it from the URL)."""
    return client.get(link, follow=True)


def set_password(client, form_page, password: str):
    return client.post(form_page.redirect_chain[-1][0], {"password1": password, "password2": password}, follow=True)


def sign_in(client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password}, follow=True)
