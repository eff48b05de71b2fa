"""The sign-in page: GOV.UK form fields, and sign-up offered only where it is open."""

from django.urls import reverse


def test_the_sign_in_page_says_new_people_are_invited_when_sign_up_is_closed(client, db, settings):
    settings.SIGNUP_EMAIL_DOMAINS = []

    page = client.get(reverse("account_login")).text

    assert "Your administrator adds you and emails you a link to choose your password" in page
    assert reverse("account_signup") not in page


def test_the_sign_in_page_offers_sign_up_when_it_is_open_to_work_addresses(client, db, settings):
    settings.SIGNUP_EMAIL_DOMAINS = ["department.gov.uk"]

    page = client.get(reverse("account_login")).text

    assert reverse("account_signup") in page


def test_the_fields_are_govuk_inputs_with_their_labels_and_hints(client, db):
    page = client.get(reverse("account_login")).text

    assert '<label class="govuk-label govuk-label--s" for="id_login">Email</label>' in page
    assert 'class="govuk-input"' in page and 'type="email"' in page
    assert 'class="govuk-hint" id="id_password_helptext"' in page  # the input is described by it
    assert 'aria-describedby="id_password_helptext"' in page
    assert 'class="govuk-checkboxes__input"' in page


def test_a_field_with_an_error_is_marked_as_such(client, db):
    page = client.post(reverse("account_login"), {"login": "", "password": ""}).text

    assert "govuk-form-group--error" in page and "govuk-input--error" in page
    assert "This field is required." in page
