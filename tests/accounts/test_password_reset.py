"""Someone who has signed in before and forgot their password resets it from the sign-in page, by email."""

import re

from django.core import mail
from django.urls import reverse


def test_a_reset_link_lets_someone_with_a_password_change_it_and_sign_in(client, member):
    client.post(reverse("account_reset_password"), {"email": member.email})
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", mail.outbox[0].body).group(0)

    form_page = client.get(link, follow=True)
    assert "Change your password" in form_page.text
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "a different memorable phrase", "password2": "a different memorable phrase"},
        follow=True,
    )

    assert "Your password is saved" in done.text
    signed_in = client.post(
        reverse("account_login"), {"login": member.email, "password": "a different memorable phrase"}, follow=True
    )
    assert signed_in.wsgi_request.user == member
