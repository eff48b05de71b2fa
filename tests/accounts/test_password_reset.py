"""Someone who has signed in before and forgot their password resets it from the sign-in page, by email."""

from django.core import mail
from django.urls import reverse

from tests.accounts.helpers import link_in, open_link, set_password, sign_in


def test_a_reset_link_lets_someone_with_a_password_change_it_and_sign_in(client, member):
    client.post(reverse("account_reset_password"), {"email": member.email})

    form_page = open_link(client, link_in(mail.outbox[0]))
    assert "Change your password" in form_page.text
    done = set_password(client, form_page, "a different memorable phrase")

    assert "Your password is saved" in done.text
    assert sign_in(client, member.email, "a different memorable phrase").wsgi_request.user == member
