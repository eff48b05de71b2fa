"""An admin invites a new press officer; they choose their own password from the emailed link and sign in."""

from urllib.parse import urlparse

import pytest
from django.core import mail

from tests.accounts.helpers import link_in
from tests.conftest import enrol_totp
from tests.e2e.conftest import wait_for
from tests.factories import AdminFactory

PASSWORD = "a long and memorable phrase"


@pytest.mark.django_db(transaction=True)
def test_an_invited_person_chooses_a_password_and_signs_in(journeys, settings):
    settings.RQ_ASYNC = False  # the invitation job runs in the server's thread, after the admin's save commits
    admin = AdminFactory()
    secret = enrol_totp(admin)

    admin_journey = journeys.start("admin")
    admin_journey.sign_in(admin.email, totp_secret=secret)
    page = admin_journey.goto("/admin/accounts/user/add/")
    page.get_by_label("Email address").fill("nia.okafor@department.gov.uk")
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_role("button", name="Save", exact=True).click()
    admin_journey.check()
    assert "An invitation to choose a password is on its way to nia.okafor@department.gov.uk" in page.content()

    wait_for(lambda: mail.outbox, message="the invitation email")
    link = link_in(mail.outbox[0])
    person = journeys.start("new press officer")
    page = person.goto(urlparse(link).path)  # the link names SITE_URL; the test server is elsewhere
    assert page.get_by_role("heading", name="Choose your password").is_visible()
    page.get_by_label("New Password", exact=True).fill(PASSWORD)
    page.get_by_label("New Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Save password").click()
    person.check()
    assert page.get_by_role("heading", name="Your password is saved").is_visible()

    page = person.sign_in("nia.okafor@department.gov.uk", password=PASSWORD)
    assert page.get_by_role("heading", name="Dashboard").is_visible()
