"""The tripwire's other route (X's account activity, sent as twitter_api.signals.account_activity by the stream
worker or a poll) and what X may send: the same finding by both routes is one incident; hostile data never stops
the job, and one account that cannot be read never stops another."""

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from safety import jobs
from safety.models import Incident, Watch
from safety.tripwire import profile_changes
from tests.factories import TwitterAccountFactory
from tests.safety.conftest import take_over
from twitter_api.client import parse_profile
from twitter_api.signals import account_activity
from twitter_api.types import XPost, XProfile


def pushed(account, event_type: str, payload: dict, event_id: str = "evt-1") -> None:
    account_activity.send(
        sender=None,
        account_id=account.pk,
        event_type=event_type,
        event_id=event_id,
        payload=payload,
        occurred_at=timezone.now(),
    )


def x_post(account, post_id: str, text: str) -> XPost:
    return XPost(id=post_id, text=text, author_id=account.x_user_id, created_at=timezone.now())


def test_a_pushed_foreign_post_raises_an_incident_at_once(corporate, lead, run_jobs):
    with run_jobs():
        pushed(corporate, "post.create", {"post": x_post(corporate, "1790000000000000001", "Pushed hijack")})

    incident = Incident.objects.get()
    assert incident.source == Incident.Source.PUSH and incident.x_event_id == "evt-1"
    assert incident.freeze.is_active


def test_push_then_poll_is_one_incident(corporate, x_sandbox, watch, run_jobs):
    watch(corporate)
    post = take_over(x_sandbox, corporate, "Seen twice.")
    with run_jobs():
        pushed(corporate, "post.create", {"post": x_post(corporate, post["id"], "Seen twice.")})
        pushed(corporate, "post.create", {"post": x_post(corporate, post["id"], "Seen twice.")})  # sent again
    watch(corporate)

    assert Incident.objects.count() == 1
    assert Incident.objects.get().source == Incident.Source.PUSH


def test_a_pushed_post_of_someone_else_or_dovecotes_own_raises_nothing(corporate, member, run_jobs):
    from tweets import services as tweets_services
    from tweets.models import PublishAttempt

    draft = tweets_services.draft_create(author=member, account=corporate, text="Ours")
    PublishAttempt.objects.create(
        draft=draft,
        revision=draft.current_revision,
        state=PublishAttempt.State.SUCCEEDED,
        x_post_id="1790000000000000002",
    )
    other = XPost(id="1790000000000000003", text="Hi", author_id="42", created_at=timezone.now())
    with run_jobs():
        pushed(corporate, "post.create", {"post": x_post(corporate, "1790000000000000002", "Ours")})
        pushed(corporate, "post.create", {"post": other})
        pushed(corporate, "post.delete", {"post": other})
        pushed(corporate, "follow.follow", {})

    assert not Incident.objects.exists()


def test_a_pushed_profile_change_then_the_poll_finding_it_is_one_incident(
    corporate, x_sandbox, watch, settings, run_jobs
):
    import time_machine

    watch(corporate)
    x_sandbox.state.update_profile(corporate.x_user_id, description="New bio")
    with run_jobs():
        pushed(corporate, "profile.update.bio", {"before": "", "after": "New bio"})
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=settings.SAFETY_PROFILE_INTERVAL), tick=True):
        watch(corporate)

    incident = Incident.objects.get()
    assert (incident.profile_field, incident.before, incident.after) == ("description", "", "New bio")


@pytest.mark.parametrize(
    "payload",
    [None, {}, {"post": "not a post"}, {"post": {"id": "1"}}, {"before": 5, "after": ["x"]}, {"after": "a\x00b\udc00"}],
)
def test_hostile_pushed_payloads_never_raise_into_the_sender(corporate, payload, run_jobs):
    with run_jobs():
        pushed(corporate, "post.create", payload)
        pushed(corporate, "profile.update.url", payload, event_id="evt-2")
        account_activity.send(sender=None, account_id="garbage", event_type=None, event_id=None, payload=payload)
    for incident in Incident.objects.all():
        assert "\x00" not in incident.after and "\udc00" not in incident.after


def test_a_page_with_mangled_posts_still_finds_the_readable_foreign_one(corporate, x_sandbox, watch):
    watch(corporate)
    take_over(x_sandbox, corporate, "Readable and foreign.")
    x_sandbox.set_faults(
        malformed=[
            {"post": {"id": None, "text": "no id"}},
            {"post": {"id": "1790000000000000009", "text": 42}},
            {"post": "not even an object"},
            {
                "post": {
                    "id": "1790000000000000010",
                    "text": "NUL\x00 and \udc00 lone",
                    "author_id": corporate.x_user_id,
                }
            },
        ]
    )
    assert watch(corporate) == "read"
    texts = sorted(i.post_text for i in Incident.objects.all())
    assert "Readable and foreign." in texts
    assert all("\x00" not in t for t in texts)


def test_a_profile_field_x_leaves_out_is_not_a_change():
    seen = {"name": "Dept", "username": "Dept", "description": "Bio", "profile_image_url": "a", "url": "u"}
    now = parse_profile({"id": "5", "name": "Dept", "username": "Dept", "description": None, "url": 7})
    assert profile_changes(seen, now) == []
    assert profile_changes(seen, XProfile(id="5", name="Hijacked")) == [("name", "Dept", "Hijacked")]


@hsettings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["id", "name", "username", "description", "profile_image_url", "url", "junk"]),
        st.one_of(st.none(), st.integers(), st.text(), st.lists(st.text(max_size=3), max_size=2)),
    )
)
def test_any_user_json_reads_as_a_profile_or_is_set_aside(data):
    from twitter_api.client import Unreadable

    try:
        profile = parse_profile(data)
    except Unreadable:
        return
    for value in profile.as_dict().values():
        assert value is None or ("\x00" not in value and isinstance(value, str))


def test_one_account_that_cannot_be_read_never_stops_another(corporate, team, lead, x_sandbox, run_jobs):
    broken = TwitterAccountFactory(team=team, responsible_person=lead)  # X does not know its tokens: 401
    with run_jobs():
        jobs.watch_cycle()
    take_over(x_sandbox, corporate, "Foreign, on the account that can be read.")
    with run_jobs():
        assert jobs.watch_cycle() == 2

    assert Incident.objects.get().account == corporate
    assert Watch.objects.get(account=broken).error
    assert Watch.objects.get(account=corporate).error == ""


def test_a_server_error_leaves_the_cursor_where_it_was(corporate, x_sandbox, watch):
    watch(corporate)
    before = Watch.objects.get(account=corporate).since_id
    take_over(x_sandbox, corporate, "Found on the next read.")
    x_sandbox.set_faults(force_5xx=1)
    assert watch(corporate) == "error"
    assert Watch.objects.get(account=corporate).since_id == before
    assert not Incident.objects.exists()
    assert watch(corporate) == "read"
    assert Incident.objects.count() == 1


def test_a_rate_limited_account_waits_for_xs_reset(corporate, x_sandbox, watch):
    import time_machine

    watch(corporate)
    x_sandbox.set_faults(force_429=1)
    assert watch(corporate) == "rate_limited"
    paused = Watch.objects.get(account=corporate).paused_until
    assert paused is not None and paused > timezone.now()
    take_over(x_sandbox, corporate, "Found once X allows reading again.")
    assert watch(corporate) == "rate_limited"  # not asked again before the reset
    with time_machine.travel(paused + timezone.timedelta(seconds=1), tick=True):
        assert watch(corporate) == "read"
    assert Incident.objects.count() == 1
    assert Watch.objects.get(account=corporate).paused_until is None
