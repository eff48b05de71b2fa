"""What people see of the stream: its state on the usage page, and the admins' banner when push is down."""

import time

import pytest

from monitoring import push

pytestmark = pytest.mark.django_db


def test_admins_see_a_banner_when_push_is_on_and_the_stream_has_been_down_long(client, admin_user, settings):
    settings.INGESTION = "push"
    settings.STREAM_FALLBACK_SECONDS = 60
    client.force_login(admin_user)
    push.heartbeat_write({"connected": False, "down_since": time.time() - 120, "accounts": [1]})
    page = client.get("/").content.decode()
    assert "Push from X is down" in page and "has been down for a while" in page


def test_no_banner_while_the_stream_is_up_or_push_is_off(client, admin_user, settings):
    settings.INGESTION = "push"
    client.force_login(admin_user)
    push.heartbeat_write({"connected": True, "down_since": None, "accounts": [1]})
    assert "Push from X is down" not in client.get("/").content.decode()
    settings.INGESTION = "poll"
    push.heartbeat_write({"connected": False, "down_since": time.time() - 9999, "accounts": [1]})
    assert "Push from X is down" not in client.get("/").content.decode()


def test_people_who_are_not_admins_see_no_banner(client, member, settings):
    settings.INGESTION = "push"
    client.force_login(member)
    assert "Push from X is down" not in client.get("/").content.decode()


def test_the_usage_page_shows_the_streams_state(client, admin_user, settings):
    settings.INGESTION = "push"
    client.force_login(admin_user)
    push.heartbeat_write(
        {"connected": True, "down_since": None, "accounts": [1, 2], "reconnects": 3, "last_event_at": time.time()}
    )
    page = client.get("/monitoring/usage/").content.decode()
    assert "Push from X (activity stream)" in page and "Connected" in page and "3 reconnects" in page
    assert "2 accounts streamed" in page
    settings.INGESTION = "poll"
    assert "Push from X" not in client.get("/monitoring/usage/").content.decode()


def test_healthz_says_how_the_stream_is_and_stays_200_when_it_is_down(client, settings):
    settings.INGESTION = "push"
    settings.STREAM_FALLBACK_SECONDS = 60
    push.heartbeat_write({"connected": True, "down_since": None, "accounts": [1]})
    assert client.get("/healthz").json()["stream"] == "connected"
    push.heartbeat_write({"connected": False, "down_since": time.time() - 120, "accounts": [1]})
    response = client.get("/healthz")
    assert (response.status_code, response.json()["stream"]) == (200, "down (mentions polled)")
    settings.INGESTION = "poll"
    assert "stream" not in client.get("/healthz").json()
