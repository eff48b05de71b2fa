"""The tripwire by push, end to end: the stream worker (monitoring.push) reads X's Activity API stream from the
sandbox; a takeover simulated there (a post, a profile change) reaches the tripwire as account_activity and raises
incidents at once, with the account frozen; a later poll finds the same and adds nothing."""

import pytest

from safety.models import Incident
from tests.factories import TeamFactory
from tests.monitoring.test_stream_worker import authorise, connections, meanwhile, wait_for, worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def streamed(corporate, x_sandbox, settings):
    settings.INGESTION = "push"
    settings.TRIAGE_TEAM_SLUG = "triage"
    TeamFactory(name="Triage", slug="triage")
    authorise(corporate)
    x_sandbox.set_faults(stream_keepalive_seconds=0.1)
    return x_sandbox


def test_a_takeover_pushed_by_x_raises_incidents_and_the_poll_adds_none(corporate, streamed, watch, run_jobs):
    watch(corporate)  # the poll's baseline

    def the_takeover():
        wait_for(lambda: connections(streamed) == 1)
        streamed.state.inject_post(corporate.handle, "Pushed: not written by the department")
        streamed.state.update_profile(corporate.x_user_id, description="Now owned by someone else")

    with run_jobs():
        run = worker(until_events=2)
        thread = meanwhile(the_takeover)
        run.run()
        thread.join(5)

    found = {(i.kind, i.source, i.post_text or i.after) for i in Incident.objects.all()}
    assert found == {
        ("foreign_post", "push", "Pushed: not written by the department"),
        ("profile_change", "push", "Now owned by someone else"),
    }
    assert Incident.objects.filter(freeze__lifted_at__isnull=True).count() == 2
    assert len({i.freeze_id for i in Incident.objects.all()}) == 1

    from django.utils import timezone

    from safety.models import Watch

    Watch.objects.filter(account=corporate).update(profile_read_at=timezone.now() - timezone.timedelta(days=1))
    watch(corporate)
    assert Incident.objects.count() == 2
