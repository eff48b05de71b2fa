"""Freeze pages: start (leads and admins), the banner on every page, held posts, lift, essential."""

import time_machine
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.tweets.factories import FreezeFactory
from tweets import freezes, jobs, services
from tweets.banners import freeze_banners
from tweets.models import Draft, PublishingFreeze

S = Draft.State


def test_a_lead_starts_a_freeze_and_the_banner_shows_everywhere(client, lead, member, team):
    client.force_login(lead)
    response = client.post(reverse("tweets:freeze_start"), {"scope": "team", "team": team.pk, "reason": "Purdah"})
    freeze = PublishingFreeze.objects.get()
    assert response.status_code == 302
    assert freeze.scope == "team" and freeze.team == team and freeze.started_by == lead
    client.force_login(member)
    for url in ["/", "/drafts/", "/drafts/new/", "/training/"]:
        page = client.get(url).content.decode()
        assert "Publishing freeze" in page, url
        assert "Purdah" in page, url


def test_a_member_cannot_start_a_freeze(client, member, team):
    client.force_login(member)
    assert client.get(reverse("tweets:freeze_start")).status_code == 403
    response = client.post(reverse("tweets:freeze_start"), {"scope": "everything", "reason": "No"})
    assert response.status_code == 403
    assert not PublishingFreeze.objects.exists()


def test_a_freeze_needs_a_reason_and_a_target(client, lead):
    client.force_login(lead)
    response = client.post(reverse("tweets:freeze_start"), {"scope": "team", "reason": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give a reason" in page
    assert "Choose the team" in page


def test_the_banner_goes_when_the_freeze_is_lifted(client, lead, member):
    freeze = freezes.freeze_start(by=lead, scope="everything", reason="Mourning")
    client.force_login(lead)
    assert client.post(reverse("tweets:freeze_lift", args=[freeze.pk]), {"note": "Over"}).status_code == 302
    client.force_login(member)
    assert "Nothing is being published" not in client.get("/drafts/").content.decode()


def test_the_banner_costs_one_query(rf, lead, django_assert_num_queries):
    from tweets.banners import freeze_banners

    freezes.freeze_start(by=lead, scope="everything", reason="One")
    freezes.freeze_start(by=lead, scope="everything", reason="Two")
    with django_assert_num_queries(1):
        assert len(freeze_banners(rf.get("/"))) == 2


def test_held_posts_are_listed_then_released_after_lifting(client, personal, member, lead, x_sandbox, run_jobs):
    draft = services.draft_create(
        author=member, account=personal, text="Held.", scheduled_at=timezone.now() + timezone.timedelta(minutes=5)
    )
    with run_jobs():
        services.draft_submit(draft=draft, by=member)
    freeze = freezes.freeze_start(by=lead, scope="everything", reason="Pause")
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=6)), run_jobs():
        jobs.publish_due_sweep()
    client.force_login(lead)
    page = client.get(reverse("tweets:freeze_detail", args=[freeze.pk])).content.decode()
    assert "Held." in page
    assert "Publish as essential" in page
    client.post(reverse("tweets:freeze_lift", args=[freeze.pk]))
    page = client.get(reverse("tweets:freeze_detail", args=[freeze.pk])).content.decode()
    assert "Publish now" in page and "Reschedule" in page and "Cancel" in page
    with run_jobs():
        response = client.post(reverse("tweets:draft_publish_now", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED


def test_the_essential_exception_page(client, personal, member, lead, x_sandbox, run_jobs):
    draft = services.draft_create(
        author=member, account=personal, text="Urgent.", scheduled_at=timezone.now() + timezone.timedelta(minutes=5)
    )
    with run_jobs():
        services.draft_submit(draft=draft, by=member)
    freezes.freeze_start(by=lead, scope="everything", reason="Pause")
    client.force_login(member)
    assert client.post(reverse("tweets:draft_essential", args=[draft.pk]), {"reason": "Me"}).status_code == 403
    client.force_login(lead)
    assert client.post(reverse("tweets:draft_essential", args=[draft.pk]), {"reason": ""}).status_code == 400
    with run_jobs():
        response = client.post(reverse("tweets:draft_essential", args=[draft.pk]), {"reason": "Public safety"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert draft.essential_reason == "Public safety"


def test_the_freeze_pages_render(client, lead, member, account):
    freeze = freezes.freeze_start(by=lead, scope="account", account=account, reason="Compromised password")
    draft = services.draft_create(author=member, account=account, text="Needs to go out.")
    client.force_login(lead)
    for url in [
        reverse("tweets:freeze_list"),
        reverse("tweets:freeze_start"),
        reverse("tweets:freeze_detail", args=[freeze.pk]),
        reverse("tweets:draft_essential", args=[draft.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response.headers
    page = client.get(reverse("tweets:freeze_list")).content.decode()
    assert "Compromised password" in page
    assert "Start a freeze" in page
    client.force_login(member)
    assert "Start a freeze" not in client.get(reverse("tweets:freeze_list")).content.decode()


def test_the_freeze_banner_is_cached_and_goes_as_soon_as_the_freeze_is_lifted(
    db, django_assert_num_queries, django_capture_on_commit_callbacks
):
    cache.clear()
    request = RequestFactory().get("/")
    request.user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        freeze = FreezeFactory(reason="National mourning")
    assert [b["title"] for b in freeze_banners(request)] == ["Publishing freeze"]
    with django_assert_num_queries(0):
        assert "National mourning" in freeze_banners(request)[0]["text"]

    with django_capture_on_commit_callbacks(execute=True):
        freeze.lifted_at = freeze.started_at
        freeze.save()

    assert freeze_banners(request) == []
