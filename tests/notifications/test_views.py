"""The notices page, marking read, the header's count, and the preferences page: only your own notices, and no
500 whatever is sent."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifications import services
from notifications.kinds import Kind
from notifications.models import Notification, Preference
from notifications.selectors import unread_count


def _notice(user, n=1, **fields):
    services.notify(
        kind=fields.pop("kind", "post_published"),
        recipients=[user],
        key=fields.pop("key", f"test:{n}"),
        title=fields.pop("title", f"Notice {n}"),
        url=fields.pop("url", "/drafts/"),
        **fields,
    )
    return Notification.objects.get(recipient=user, key=f"test:{n}")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_signed_out_people_are_sent_to_sign_in(db):
    for name in ("notifications:list", "notifications:preferences"):
        response = Client().get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_list_shows_my_notices_and_the_header_counts_the_unread(member, outsider):
    _notice(member, 1, title="Your post for @DeptComms was published")
    _notice(member, 2)
    _notice(outsider, 3, title="Not for the member")

    response = _client(member).get(reverse("notifications:list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Your post for @DeptComms was published" in page
    assert "Not for the member" not in page
    assert '<strong class="dovecote-header__count">2</strong>' in page


@pytest.mark.parametrize("who", ["outsider", "admin_user", "lead"])
def test_nobody_reaches_another_persons_notice(request, member, who):
    notice = _notice(member)
    client = _client(request.getfixturevalue(who))

    assert client.get(reverse("notifications:open", args=[notice.pk])).status_code == 404
    assert client.post(reverse("notifications:read", args=[notice.pk])).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_marking_one_and_all_as_read(member):
    first, second, third = (_notice(member, n) for n in (1, 2, 3))
    client = _client(member)

    client.post(reverse("notifications:read", args=[first.pk]))
    assert unread_count(member) == 2
    response = client.get(reverse("notifications:open", args=[second.pk]))
    assert response.status_code == 302 and response["Location"] == "/drafts/"
    assert unread_count(member) == 1
    client.post(reverse("notifications:read_all"))
    assert unread_count(member) == 0
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert '<strong class="dovecote-header__count">' not in client.get(reverse("notifications:list")).content.decode()


def test_a_notice_opens_only_pages_of_this_site(member):
    notice = _notice(member, url="https://evil.example/phish")
    response = _client(member).get(reverse("notifications:open", args=[notice.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_the_unread_count_is_one_cached_query(member, django_assert_num_queries):
    _notice(member)
    with django_assert_num_queries(1):
        assert unread_count(member) == 1
    with django_assert_num_queries(0):
        assert unread_count(member) == 1
    _notice(member, 2)  # a new notice forgets the count
    assert unread_count(member) == 2


def test_preferences_start_from_the_defaults_and_save_what_is_ticked(member):
    client = _client(member)
    page = client.get(reverse("notifications:preferences")).content.decode()
    ticked = 'name="approval_needed__email" class="govuk-checkboxes__input" id="id_approval_needed__email" checked'
    assert ticked in page
    assert 'name="post_published__email" class="govuk-checkboxes__input" id="id_post_published__email">' in page

    response = client.post(reverse("notifications:preferences"), {"post_published__email": "on"})

    assert response.status_code == 302
    chosen = {p.kind: (p.in_app, p.email) for p in Preference.objects.filter(user=member)}
    assert chosen["post_published"] == (False, True)
    assert chosen["approval_needed"] == (False, False)


def test_nothing_ticked_saves_nothing_wanted(member):
    _client(member).post(reverse("notifications:preferences"), {})
    assert Preference.objects.filter(user=member, in_app=False, email=False).count() == len(Kind)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.dictionaries(
        st.sampled_from(["approval_needed__email", "post_held__in_app", "nonsense", "page", "kind__email"]),
        st.text(max_size=40),
        max_size=5,
    ),
    page=st.text(max_size=20),
)
def test_garbage_never_makes_a_server_error(member, data, page):
    client = _client(member)
    with transaction.atomic():
        sid = transaction.savepoint()
        assert client.post(reverse("notifications:preferences"), data).status_code in (200, 302)
        assert client.get(reverse("notifications:list"), {"page": page}).status_code == 200
        assert client.post(reverse("notifications:read_all"), data).status_code == 302
        transaction.savepoint_rollback(sid)
