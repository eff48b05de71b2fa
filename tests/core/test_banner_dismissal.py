"""Site banners can be hidden for the session (a form post, htmx in place)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.models import SpikeAlert
from tests.monitoring.factories import MonitorFactory
from tweets import freezes
from tweets.models import PublishingFreeze

DISMISS = reverse("banner_dismiss")
PAGE = reverse("tweets:draft_list")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def freeze(lead, team):
    return freezes.freeze_start(by=lead, scope=PublishingFreeze.Scope.TEAM, team=team, reason="Pre-election period")


def test_a_banner_hidden_stays_hidden_for_the_session_only(member, freeze):
    client = _client(member)
    page = client.get(PAGE).content.decode()
    assert "Pre-election period" in page
    assert f'name="key" value="freeze-{freeze.pk}"' in page

    response = client.post(DISMISS, {"key": f"freeze-{freeze.pk}", "next": PAGE})

    assert response.status_code == 302 and response["Location"] == PAGE
    assert "Pre-election period" not in client.get(PAGE).content.decode()
    assert "Pre-election period" in _client(member).get(PAGE).content.decode()  # another session


def test_a_new_freeze_shows_even_after_an_earlier_one_was_hidden(member, lead, team, freeze):
    client = _client(member)
    client.post(DISMISS, {"key": f"freeze-{freeze.pk}", "next": PAGE})
    freezes.freeze_start(by=lead, scope=PublishingFreeze.Scope.EVERYTHING, reason="National mourning")
    page = client.get(PAGE).content.decode()
    assert "National mourning" in page and "Pre-election period" not in page


def test_htmx_removes_the_banner_in_place(member, freeze):
    client = _client(member)
    response = client.post(DISMISS, {"key": f"freeze-{freeze.pk}"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.content == b""
    assert "Pre-election period" not in client.get(PAGE).content.decode()


def test_the_form_works_without_javascript_and_names_what_it_hides(member, freeze):
    page = _client(member).get(PAGE).content.decode()
    assert f'<form method="post" action="{DISMISS}"' in page
    assert 'hx-target="closest .dovecote-site-banner"' in page
    assert 'Hide this message<span class="govuk-visually-hidden">: Publishing freeze</span>' in page


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "", "javascript:alert(1)"])
def test_it_goes_back_only_to_a_page_of_this_site(member, freeze, next_url):
    response = _client(member).post(DISMISS, {"key": f"freeze-{freeze.pk}", "next": next_url})
    assert response.status_code == 302 and response["Location"] == "/"


def test_it_needs_a_post_and_a_signed_in_person(client, member):
    assert client.post(DISMISS, {"key": "x"}).status_code == 302  # to sign in
    assert _client(member).get(DISMISS).status_code == 405


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.text(max_size=300), next_url=st.text(max_size=100))
def test_whatever_is_sent_it_never_fails(member, key, next_url):
    response = _client(member).post(DISMISS, {"key": key.replace("\x00", ""), "next": next_url.replace("\x00", "")})
    assert response.status_code == 302


# --- Fresh counts ------------------------------------------------------------------------------------------------


@pytest.fixture
def spike(team):
    monitor = MonitorFactory(team=team, name="Passports")
    return SpikeAlert.objects.create(monitor=monitor, hour_start=timezone.now().replace(minute=0), count=12, baseline=3)


def test_another_teams_spike_is_not_shown(outsider, spike):
    assert "Spike in mentions" not in _client(outsider).get(PAGE).content.decode()


def test_a_spike_banner_can_be_hidden_too(member, spike):
    client = _client(member)
    client.post(DISMISS, {"key": f"spike-{spike.pk}", "next": PAGE})
    assert "Spike in mentions" not in client.get(PAGE).content.decode()
