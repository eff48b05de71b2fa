"""Monitors: the monitoring page, creating with a preview, and query errors that point at the position."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from monitoring.models import MentionMatch, Monitor
from tests.monitoring.factories import MentionFactory, MonitorFactory

pytestmark = pytest.mark.django_db
LIST = reverse("monitoring:monitor_list")
CREATE = reverse("monitoring:monitor_create")


def test_the_monitoring_page_shows_volume_and_chart_data(client, team, member):
    monitor = MonitorFactory(team=team, name="Passports")
    for sentiment in (-0.5, 0.5, 0.1):
        MentionMatch.objects.create(mention=MentionFactory(sentiment=sentiment), monitor=monitor)
    client.force_login(member)
    response = client.get(LIST)
    assert response.status_code == 200
    assert "Passports" in response.text
    assert 'id="monitor-chart-data"' in response.text
    assert "js/monitoring.js" in response.text
    row = next(m for m in response.context["monitors"] if m.pk == monitor.pk)
    assert row.week_volume == 3


def test_the_monitoring_page_uses_a_fixed_number_of_queries(client, team, member, django_assert_num_queries):
    client.force_login(member)
    MonitorFactory(team=team)
    client.get(LIST)
    with django_assert_num_queries(6) as first:
        client.get(LIST)
    baseline = len(first.captured_queries)  # read now: the next request empties the queries log
    for monitor in MonitorFactory.create_batch(10, team=team):
        MentionMatch.objects.create(mention=MentionFactory(), monitor=monitor)
    client.get(LIST)  # the banners the new monitors made stale are built again once (core.freshness)
    with django_assert_num_queries(baseline):
        client.get(LIST)


def test_members_only_see_their_teams_monitors(client, team, other_team, outsider):
    monitor = MonitorFactory(team=team, name="Secret")
    client.force_login(outsider)
    assert "Secret" not in client.get(LIST).text
    assert client.get(reverse("monitoring:monitor_edit", args=[monitor.pk])).status_code == 404


def test_a_lead_previews_then_saves_a_monitor_and_it_is_audited(client, team, lead):
    MentionFactory(text="The passport office is slow")
    MentionFactory(text="Nothing relevant")
    client.force_login(lead)
    form = {"team": team.pk, "name": "Passports", "query": "passport office", "poll_interval_seconds": 300}
    preview = client.post(CREATE, {**form, "is_active": "on", "preview": "1"})
    assert preview.status_code == 200
    assert preview.context["preview"].matched == 1
    assert "The passport office is slow" in preview.text
    assert not Monitor.objects.exists()
    response = client.post(CREATE, {**form, "is_active": "on", "save": "1"})
    assert response.status_code == 302
    monitor = Monitor.objects.get()
    assert monitor.team == team and monitor.created_by == lead
    assert AuditEvent.objects.filter(action="monitoring.monitor_created").exists()


def test_an_invalid_query_gets_an_error_pointing_at_its_position(client, team, lead):
    client.force_login(lead)
    response = client.post(
        CREATE, {"team": team.pk, "name": "Broken", "query": 'passport "delay', "poll_interval_seconds": 300}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "at character 10" in response.text
    assert "not valid at character" not in response.text  # the position is named once per message
    assert not Monitor.objects.exists()


def test_members_cannot_create_or_change_monitors(client, team, member):
    monitor = MonitorFactory(team=team)
    client.force_login(member)
    assert client.get(CREATE).status_code == 403
    edit = reverse("monitoring:monitor_edit", args=[monitor.pk])
    assert client.post(edit, {"name": "x", "query": "y", "poll_interval_seconds": 300}).status_code == 403


def test_a_lead_edits_a_monitor_and_a_new_query_starts_from_now(client, team, lead):
    monitor = MonitorFactory(team=team, query="passport", since_id=5)
    newest = MentionFactory()
    client.force_login(lead)
    edit = reverse("monitoring:monitor_edit", args=[monitor.pk])
    response = client.post(
        edit, {"name": monitor.name, "query": "visa", "poll_interval_seconds": 600, "is_active": "on"}
    )
    assert response.status_code == 302
    monitor.refresh_from_db()
    assert (monitor.query, monitor.poll_interval_seconds, monitor.since_id) == ("visa", 600, newest.tweet_id)
    assert AuditEvent.objects.filter(action="monitoring.monitor_changed").exists()


def test_a_query_nested_too_deep_gets_a_form_error_saying_how_deep(client, team, lead):
    client.force_login(lead)
    query = "(" * 255 + "passport" + ")" * 255
    response = client.post(CREATE, {"team": team.pk, "name": "Deep", "query": query, "poll_interval_seconds": 300})

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Brackets are nested 255 deep at character 1; at most 10 are allowed." in response.text
    assert not Monitor.objects.exists()
