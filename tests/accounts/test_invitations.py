"""Admins invite people: the person is emailed a link and chooses their own password; nobody else ever knows it."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from tests.accounts.helpers import link_in, open_link, set_password, sign_in
from tests.factories import UserFactory

PASSWORD = "a long and memorable phrase"


@pytest.fixture(autouse=True)
def _jobs_run_in_process(settings):
    settings.RQ_ASYNC = False


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def invite(admin_client, django_capture_on_commit_callbacks, **fields):
    data = {"email": "new.person@department.gov.uk", "first_name": "Nia", "last_name": "Okafor", **fields}
    with django_capture_on_commit_callbacks(execute=True):
        return admin_client.post(reverse("admin:accounts_user_add"), data, follow=True)


def test_adding_a_person_invites_them_by_email_with_a_link_to_choose_a_password(
    admin_client, admin_user, django_capture_on_commit_callbacks
):
    response = invite(admin_client, django_capture_on_commit_callbacks)

    person = User.objects.get(email="new.person@department.gov.uk")
    assert not person.has_usable_password()
    assert "An invitation to choose a password is on its way to new.person@department.gov.uk" in response.text
    (message,) = mail.outbox
    assert message.to == ["new.person@department.gov.uk"]
    assert message.subject == "You have been invited to Dovecote"
    assert f"{admin_user} has added you to Dovecote" in message.body
    assert "works once, for 3 days" in message.body
    assert link_in(message)
    event = AuditEvent.objects.get(action="user.invited")
    assert (event.actor, event.object_id) == (admin_user, str(person.pk))


def test_the_invited_person_chooses_a_password_and_signs_in_with_it(
    client, admin_client, django_capture_on_commit_callbacks
):
    invite(admin_client, django_capture_on_commit_callbacks)
    admin_client.logout()

    form_page = open_link(client, link_in(mail.outbox[0]))
    assert "Choose your password" in form_page.text
    assert "with your email address, new.person@department.gov.uk, and this password" in form_page.text
    assert "Your password is saved" in set_password(client, form_page, PASSWORD).text

    signed_in = sign_in(client, "new.person@department.gov.uk", PASSWORD)
    assert signed_in.wsgi_request.user.email == "new.person@department.gov.uk"


def test_the_link_works_only_once(client, admin_client, django_capture_on_commit_callbacks):
    invite(admin_client, django_capture_on_commit_callbacks)
    admin_client.logout()
    link = link_in(mail.outbox[0])
    set_password(client, open_link(client, link), PASSWORD)

    again = open_link(client, link)

    assert "password1" not in again.text
    assert "This link has expired or has been used" in again.text
    assert "ask your Dovecote administrator to send the invitation again" in again.text
    assert User.objects.get(email="new.person@department.gov.uk").check_password(PASSWORD)


def test_an_address_someone_already_has_is_refused_with_what_to_do_instead(
    admin_client, member, django_capture_on_commit_callbacks
):
    response = invite(admin_client, django_capture_on_commit_callbacks, email=member.email.upper())

    assert "Someone already has this email address" in response.text
    assert User.objects.filter(email__iexact=member.email).count() == 1
    assert mail.outbox == []


def test_a_person_who_never_set_a_password_can_be_sent_a_new_invitation(
    admin_client, admin_user, django_capture_on_commit_callbacks
):
    invite(admin_client, django_capture_on_commit_callbacks)
    person = User.objects.get(email="new.person@department.gov.uk")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "invite_again", "_selected_action": [person.pk]},
            follow=True,
        )

    assert "A new invitation is on its way to 1 person" in response.text
    assert [m.to for m in mail.outbox] == [[person.email], [person.email]]
    assert AuditEvent.objects.filter(action="user.invitation_resent", actor=admin_user).count() == 1


def test_a_new_invitation_voids_the_link_sent_before(client, admin_client, django_capture_on_commit_callbacks):
    invite(admin_client, django_capture_on_commit_callbacks)
    person = User.objects.get(email="new.person@department.gov.uk")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:accounts_user_changelist"), {"action": "invite_again", "_selected_action": [person.pk]}
        )
    admin_client.logout()
    first, second = (link_in(message) for message in mail.outbox)

    assert "This link has expired or has been used" in open_link(client, first).text
    assert "Choose your password" in open_link(client, second).text


def test_no_new_invitation_for_someone_who_has_a_password_signed_in_by_sso_or_is_deactivated(
    admin_client, django_capture_on_commit_callbacks
):
    has_password = UserFactory(email="has.password@department.gov.uk")
    by_sso = UserFactory(email="by.sso@department.gov.uk", last_login=timezone.now())
    by_sso.set_unusable_password()
    by_sso.save()
    deactivated = UserFactory(email="gone@department.gov.uk", is_active=False)
    deactivated.set_unusable_password()
    deactivated.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "invite_again", "_selected_action": [has_password.pk, by_sso.pk, deactivated.pk]},
            follow=True,
        )

    assert "Not sent to has.password@department.gov.uk: they have already signed in or set a password" in response.text
    assert "Not sent to by.sso@department.gov.uk: they have already signed in" in response.text
    assert "Not sent to gone@department.gov.uk: they are deactivated" in response.text
    assert mail.outbox == []


def test_an_invitation_queued_before_the_person_set_a_password_sends_nothing(db):
    from accounts.jobs import invitation_send

    person = UserFactory()

    assert invitation_send(user_id=person.pk, invited_by_id=None) is False
    assert mail.outbox == []


def test_without_an_inviter_the_email_says_who_to_ask(db):
    from accounts.jobs import invitation_send

    person = UserFactory(first_name="Siobhán")
    person.set_unusable_password()
    person.save()

    assert invitation_send(user_id=person.pk, invited_by_id=None) is True
    assert "Hello Siobhán" in mail.outbox[0].body
    assert "ask your Dovecote administrator" in mail.outbox[0].body


def test_the_service_refuses_an_address_already_taken_whatever_its_case(member):
    from accounts import services

    with pytest.raises(services.InvitationError, match="Someone already has the address"):
        services.user_invite(by=None, user=User(email=member.email.upper()))


def test_the_add_form_asks_for_no_password_and_says_what_happens_next(admin_client):
    page = admin_client.get(reverse("admin:accounts_user_add")).text

    assert 'name="email"' in page and 'name="first_name"' in page
    assert 'name="password1"' not in page
    assert "They will be emailed a link to choose their own password" in page
