from accounts import demo as accounts_demo
from training import demo as training_demo
from tweets import demo
from tweets.models import Draft, PostOnX


def test_seed_makes_drafts_in_several_states_once(db, settings):
    settings.RQ_ASYNC = False
    accounts_demo.seed()
    training_demo.seed()
    demo.seed()
    states = set(Draft.objects.values_list("state", flat=True))
    assert {"draft", "submitted", "scheduled", "changes_requested"} <= states
    assert PostOnX.objects.filter(kind="edited_on_x").count() == 1  # the records page has something to show
    count = Draft.objects.count()
    demo.seed()
    assert Draft.objects.count() == count


def test_the_demo_calendar_shows_scheduled_and_published_posts(db, settings, client):
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User

    settings.RQ_ASYNC = False
    accounts_demo.seed()
    training_demo.seed()
    demo.seed()
    client.force_login(User.objects.get(email="comms.officer@dovecote.example"))
    shown = 0
    for weeks in (-1, 0, 1):  # three weeks in a row: every day from six days ago to a week ahead
        day = timezone.localdate() + timedelta(weeks=weeks)
        page = client.get(reverse("tweets:calendar"), {"view": "week", "day": day.isoformat()}).content.decode()
        shown += page.count('class="dovecote-calendar__post"')
        assert "Published" in page or "Scheduled" in page
    assert shown >= 3 + 6  # the published posts, and those scheduled within a week
    # The calendar's three, and the records demo's post edited on X (a month ago: tweets.demo._seed_records).
    assert Draft.objects.filter(state="published", published_at__isnull=False).count() == 3 + 1


def test_the_demo_published_posts_are_on_the_sandbox_timeline_under_the_same_ids(db, settings):
    """Reading their figures, the tripwire and the records must find them on "X", not call them deleted or foreign."""
    from twitter_api.management.commands.x_sandbox import _add_demo_published
    from twitter_api.sandbox import SandboxState
    from twitter_api.sandbox.demo import DEMO_ACCOUNTS, DEMO_PUBLISHED, demo_published_id

    settings.RQ_ASYNC = False
    accounts_demo.seed()
    training_demo.seed()
    demo.seed()
    state = SandboxState()
    for handle, name, _kind, _team, _person, x_user_id in DEMO_ACCOUNTS:
        state.add_user(id=x_user_id, username=handle, name=name)
    _add_demo_published(state)
    _add_demo_published(state)  # a restart with a saved state adds nothing twice
    ids = [demo_published_id(number) for number, *_ in DEMO_PUBLISHED]
    published = Draft.objects.filter(published_post_id__in=ids).select_related("account", "current_revision")
    for draft in published:
        on_x = state.by_id[draft.published_post_id].post
        assert on_x.author_id == draft.account.x_user_id
        assert on_x.text == draft.current_revision.posts[0]
        assert abs((on_x.created_at - draft.published_at).total_seconds()) < 120
    assert len(state.by_id) == published.count() == 3
