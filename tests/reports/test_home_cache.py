"""The home page's schedule, training and accounts panels come from the cache until their data changes."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership
from core import cache as cache_backend
from core import freshness
from tests.factories import MembershipFactory, TwitterAccountFactory
from tests.monitoring.factories import MonitorFactory
from tests.training.factories import BookingFactory, TrainingSessionFactory
from tests.training.helpers import require_course
from tests.tweets.factories import DraftFactory
from training import services as training_services
from training.models import Course
from tweets.models import Approval, Draft

NOW = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)
S = Draft.State


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def home(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in ctx.captured_queries]


def test_a_second_visit_with_nothing_changed_reads_none_of_the_cached_panels_again(client, member, account):
    DraftFactory(account=account, state=S.SCHEDULED, scheduled_at=NOW + timedelta(hours=3), text="Going out later")

    first, first_queries = home(client, member)
    second, second_queries = home(client, member)

    assert "Going out later" in first and "Going out later" in second
    assert any("training_courserequirement" in q for q in first_queries)
    assert not any("training_courserequirement" in q or "OVER (PARTITION BY" in q for q in second_queries)
    assert len(second_queries) < len(first_queries)


def test_a_newly_scheduled_post_shows_at_once(client, member, account):
    home(client, member)
    DraftFactory(account=account, state=S.SCHEDULED, scheduled_at=NOW + timedelta(hours=3), text="Added just now")

    page, _ = home(client, member)

    assert "Added just now" in page


def test_a_bulk_write_shows_at_once_when_its_service_says_what_changed(client, member, account):
    draft = DraftFactory(account=account, state=S.SCHEDULED, scheduled_at=NOW + timedelta(hours=3), text="Cancel me")
    assert "Cancel me" in home(client, member)[0]

    Draft.objects.filter(pk=draft.pk).update(state=S.WITHDRAWN)  # a bulk write sends no signal...
    freshness.changed("drafts")  # ...so the services that write in bulk say so (as tweets.services._record_moves)

    assert "Cancel me" not in home(client, member)[0]


def test_a_booking_shows_as_my_next_session_at_once(client, member, account):
    course = require_course(account.kind, "draft", title="Writing for the department")
    session = TrainingSessionFactory(course=course, starts_at=NOW + timedelta(days=2))
    assert "You have no sessions booked" in home(client, member)[0]

    BookingFactory(session=session, user=member)

    assert "Writing for the department: " in home(client, member)[0]


def test_a_requirement_set_in_bulk_shows_as_missing_at_once(client, member, admin_user, account):
    course = Course.objects.create(title="Handling complaints", validity_months=12)
    assert "Handling complaints" not in home(client, member)[0]

    training_services.requirements_set(actor=admin_user, cells={(course.pk, account.kind, "draft")})

    assert "Handling complaints" in home(client, member)[0]


def test_joining_a_team_shows_its_accounts_at_once(client, member, other_team):
    TwitterAccountFactory(team=other_team, handle="OtherDesk")
    assert "OtherDesk" not in home(client, member)[0]

    MembershipFactory(team=other_team, user=member, role=Membership.Role.MEMBER)

    assert "OtherDesk" in home(client, member)[0]


def test_one_persons_cached_panels_are_not_shown_to_another(client, member, outsider, account):
    DraftFactory(account=account, state=S.SCHEDULED, scheduled_at=NOW + timedelta(hours=3), text="Team only")
    assert "Team only" in home(client, member)[0]

    assert "Team only" not in home(client, outsider)[0]


def test_only_known_topics_can_change():
    with pytest.raises(ValueError, match="Unknown topics: drafs"):
        freshness.changed("drafs")


def test_each_app_watches_the_models_behind_its_own_topic():
    # Registered in each app's AppConfig.ready() (core.freshness.watch), not by the dashboard.
    assert {topic: {label.split(".")[0] for label in labels} for topic, labels in freshness.TOPICS.items()} == {
        "teams": {"accounts"},
        "training": {"training"},
        "drafts": {"tweets"},
        "monitors": {"monitoring"},
        "inbox-tags": {"monitoring"},
        "spikes": {"monitoring"},
        "saved-searches": {"monitoring"},
        "freezes": {"tweets"},
        "credits": {"twitter_api"},
        "incidents": {"safety"},
    }


def test_a_topic_watched_twice_still_changes_once_a_save(team, monkeypatch):
    freshness.watch("monitors", "monitoring.Monitor")  # as a second ready() would
    changes = []
    monkeypatch.setattr(freshness, "changed", lambda *topics: changes.append(topics))

    MonitorFactory(team=team, name="Visas")

    assert changes == [("monitors",)]
    assert freshness.TOPICS["monitors"].count("monitoring.Monitor") == 1


def test_a_new_monitor_shows_in_the_monitors_panel_at_once(client, member, team):
    MonitorFactory(team=team, name="Visas")
    assert "Visas" in home(client, member)[0]

    MonitorFactory(team=team, name="Passports")

    assert "Passports" in home(client, member)[0]


def test_the_monitors_panel_is_not_shared_with_other_teams(client, member, outsider, team):
    MonitorFactory(team=team, name="Visas")
    assert "Visas" in home(client, member)[0]

    assert "Visas" not in home(client, outsider)[0]


def test_teammates_share_the_schedule_and_accounts_panels(client, member, approver, account):
    DraftFactory(account=account, state=S.SCHEDULED, scheduled_at=NOW + timedelta(hours=3), text="Shared post")
    home(client, member)

    page, queries = home(client, approver)

    assert "Shared post" in page
    assert not any("OVER (PARTITION BY" in q for q in queries)


def test_my_approval_takes_the_draft_off_my_list_at_once(client, approver, member, account):
    account.approvals_required = 2  # one approval leaves it waiting for someone else
    account.save()
    draft = DraftFactory(account=account, author=member, state=S.SUBMITTED, text="Approve me")
    assert "Approve me" in home(client, approver)[0]

    Approval.objects.create(draft=draft, revision=draft.current_revision, approver=approver)

    page, _ = home(client, approver)
    assert "Approve me" not in page


def test_a_cache_outage_does_not_stop_a_change_from_saving(member, account, settings, caplog, monkeypatch):
    monkeypatch.setattr(cache_backend, "_outages", {})  # the outage is met afresh, and logged
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}

    DraftFactory(account=account, state=S.SCHEDULED, scheduled_at=NOW + timedelta(hours=3), text="Saved anyway")

    assert Draft.objects.filter(current_revision__posts=["Saved anyway"]).exists()
    assert "unreachable" in caplog.text


def test_a_second_visit_reads_its_panels_drafts_and_banners_in_one_round_trip(client, member, account, redis_commands):
    DraftFactory(account=account, state=S.SCHEDULED, scheduled_at=NOW + timedelta(hours=3), text="Going out later")
    client.force_login(member)
    client.get(reverse("home"))
    redis_commands.clear()

    page = client.get(reverse("home")).content.decode()

    assert "Going out later" in page
    # The session, the roles, the data's generations, then everything the page has cached, in one MGET.
    assert [command for command, _ in redis_commands] == ["GET", "GET", "MGET", "MGET"], redis_commands
    assert "sessions" in redis_commands[0][1] and "roles" in redis_commands[1][1]


def test_kept_builds_again_at_once_when_its_topic_changes_and_not_before(db):
    builds = []

    def build():
        builds.append(1)
        return len(builds)

    assert freshness.kept("test:kept", ["spikes"], build) == 1
    assert freshness.kept("test:kept", ["spikes"], build) == 1  # from the cache
    freshness.changed("monitors")  # another topic
    assert freshness.kept("test:kept", ["spikes"], build) == 1

    freshness.changed("spikes")

    assert freshness.kept("test:kept", ["spikes"], build) == 2


def test_kept_never_takes_an_entry_built_before_a_commit_for_fresh(db, django_capture_on_commit_callbacks):
    # A page read the generations and the old data; a change is committed; the page then stores what it built.
    current = freshness.generations(["spikes"])
    with django_capture_on_commit_callbacks(execute=True):
        freshness.changed("spikes")
    from django.core.cache import cache

    cache.set("test:kept", (current, "built before the change"))

    assert freshness.kept("test:kept", ["spikes"], lambda: "built after it") == "built after it"


def test_kept_reads_its_entry_and_generations_in_the_one_round_trip_read_ahead(db, redis_commands):
    freshness.kept("test:kept", ["spikes", "monitors"], lambda: "value")
    redis_commands.clear()

    with cache_backend.read_ahead(["test:kept", *freshness.keys(["spikes", "monitors"])]):
        assert freshness.kept("test:kept", ["spikes", "monitors"], lambda: "built again") == "value"

    assert [command for command, _ in redis_commands] == ["MGET"]
