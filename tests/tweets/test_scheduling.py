"""Scheduling: posts go out at their time (entered and shown in UK time) and the sweep catches up."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rq.registry import ScheduledJobRegistry

from tweets import jobs, queueing, services
from tweets.models import Draft

S = Draft.State
LONDON = ZoneInfo("Europe/London")


def test_a_scheduled_post_waits_for_its_time(personal, member, x_sandbox, run_jobs):
    when = timezone.now() + timezone.timedelta(hours=2)
    draft = services.draft_create(author=member, account=personal, text="Later today.", scheduled_at=when)
    with run_jobs():
        services.draft_submit(draft=draft, by=member)
        jobs.publish_due_sweep()
    draft.refresh_from_db()
    assert draft.state == S.SCHEDULED
    with time_machine.travel(when - timezone.timedelta(minutes=1), tick=False), run_jobs():
        jobs.publish_due_sweep()
    draft.refresh_from_db()
    assert draft.state == S.SCHEDULED
    with time_machine.travel(when + timezone.timedelta(seconds=1), tick=False), run_jobs():
        jobs.publish_due_sweep()
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert len(x_sandbox.posts_by(personal.x_user_id)) == 1


def test_the_sweep_publishes_everything_overdue_after_downtime_once(personal, member, x_sandbox, run_jobs):
    start = timezone.now()
    drafts = []
    for minutes in (5, 20, 45):
        draft = services.draft_create(
            author=member,
            account=personal,
            text=f"Due after {minutes} minutes.",
            scheduled_at=start + timezone.timedelta(minutes=minutes),
        )
        with run_jobs():
            services.draft_submit(draft=draft, by=member)
        drafts.append(draft)
    # Workers and scheduler were down for three hours; the scheduled jobs never ran.
    with time_machine.travel(start + timezone.timedelta(hours=3), tick=True), run_jobs():
        assert sorted(jobs.publish_due_sweep()) == sorted(d.pk for d in drafts)
        assert jobs.publish_due_sweep() == []
    for draft in drafts:
        draft.refresh_from_db()
        assert draft.state == S.PUBLISHED
    assert sorted(p["text"] for p in x_sandbox.posts_by(personal.x_user_id)) == sorted(d.text for d in drafts)


def test_with_real_queues_one_job_per_due_second_starts_a_second_early(personal, member, settings, run_jobs):
    settings.RQ_ASYNC = True
    when = (timezone.now() + timezone.timedelta(minutes=10)).replace(microsecond=300_000)
    with run_jobs():
        for offset_ms in (0, 500):  # two drafts due in the same second share a job
            at = when + timezone.timedelta(milliseconds=offset_ms)
            draft = services.draft_create(
                author=member, account=personal, text=f"Due at +{offset_ms}ms.", scheduled_at=at
            )
            services.draft_submit(draft=draft, by=member)
        later = services.draft_create(
            author=member, account=personal, text="A second later.", scheduled_at=when + timezone.timedelta(seconds=1)
        )
        services.draft_submit(draft=later, by=member)
    registry = ScheduledJobRegistry(queue=queueing.get_queue("publish"))
    second = int(when.timestamp())
    assert sorted(registry.get_job_ids()) == [f"publish-due-{second}", f"publish-due-{second + 1}"]
    # RQ's scheduler looks once a second: the job is queued a second early and waits for the due time.
    scheduled_for = registry.get_scheduled_time(f"publish-due-{second}")
    assert scheduled_for == dt.datetime.fromtimestamp(second - 1, tz=dt.UTC)
    assert queueing.get_queue("publish").fetch_job(f"publish-due-{second}").args == (second,)


def test_a_seconds_job_waits_for_its_drafts_and_publishes_them_together(personal, member, x_sandbox, run_jobs):
    when = timezone.now() + timezone.timedelta(hours=1)
    drafts = []
    for i in range(3):
        draft = services.draft_create(author=member, account=personal, text=f"Together {i}.", scheduled_at=when)
        with run_jobs():
            services.draft_submit(draft=draft, by=member)
        drafts.append(draft)
    second = int(when.timestamp())
    with time_machine.travel(when - timezone.timedelta(seconds=5), tick=False), run_jobs():
        assert jobs.publish_due(second) == {}  # started too early (more than a few seconds): leaves it
    with time_machine.travel(dt.datetime.fromtimestamp(second, tz=dt.UTC), tick=True), run_jobs():
        outcomes = jobs.publish_due(second)  # waits the fraction of a second, then publishes all three
        assert timezone.now() >= when
    assert outcomes == {d.pk: "published" for d in drafts}
    assert sorted(p["text"] for p in x_sandbox.posts_by(personal.x_user_id)) == [f"Together {i}." for i in range(3)]


@pytest.mark.parametrize(
    ("entered", "utc"),
    [
        ("2027-07-01T09:30", dt.datetime(2027, 7, 1, 8, 30, tzinfo=dt.UTC)),
        ("2027-12-01T09:30", dt.datetime(2027, 12, 1, 9, 30, tzinfo=dt.UTC)),
    ],
)
def test_times_are_entered_and_shown_in_uk_time(client, member, account, entered, utc):
    with time_machine.travel(dt.datetime(2027, 6, 1, 12, 0, tzinfo=dt.UTC)):
        client.force_login(member)
        response = client.post(
            reverse("tweets:draft_create"),
            {"account": account.pk, "posts": ["Summer or winter."], "scheduled_at": entered, "action": "save"},
        )
        assert response.status_code == 302, (response.context["form"].errors, response.context.get("error"))
        draft = Draft.objects.get()
        assert draft.scheduled_at == utc
        page = client.get(reverse("tweets:draft_detail", args=[draft.pk])).content.decode()
    local = utc.astimezone(LONDON)
    assert f"{local:%H:%M} (UK time)" in page
    assert "09:30 (UK time)" in page


def test_a_time_in_the_past_is_refused(client, member, account):
    client.force_login(member)
    response = client.post(
        reverse("tweets:draft_create"),
        {"account": account.pk, "posts": ["Too late."], "scheduled_at": "2020-01-01T09:00", "action": "save"},
    )
    assert response.status_code == 400
    assert "must be in the future" in response.content.decode()
    assert not Draft.objects.exists()


@pytest.mark.parametrize("form_class", ["DraftForm", "RescheduleForm"])
def test_a_time_the_clocks_skip_is_refused_saying_it_does_not_exist_in_london(form_class):
    from accounts.models import TwitterAccount
    from tweets import forms

    kwargs = {"accounts": TwitterAccount.objects.none()} if form_class == "DraftForm" else {}
    with time_machine.travel(dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC), tick=False):
        form = getattr(forms, form_class)(data={"scheduled_at": "2027-03-28T01:30", "posts": "Hi"}, **kwargs)
        form.is_valid()

    assert form.errors["scheduled_at"] == [
        "1:30am on 28 March 2027 does not exist in London: the clocks go forward an hour at 1am. "
        "Choose a time before 1am or from 2am."
    ]


def test_a_time_the_clocks_go_back_over_means_its_first_occurrence_in_summer_time(db):
    from tweets import forms

    with time_machine.travel(dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        form = forms.RescheduleForm(data={"scheduled_at": "2026-10-25T01:30"})
        assert form.is_valid(), form.errors

    assert form.cleaned_data["scheduled_at"] == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)  # 1:30am BST


@pytest.mark.parametrize("form_class", ["DraftForm", "RescheduleForm"])
@pytest.mark.parametrize("when", ["9999-12-31T23:59", "2027-12-03T10:00"])
def test_a_publishing_time_more_than_a_year_ahead_is_refused_with_the_range(form_class, when):
    from accounts.models import TwitterAccount
    from tweets import forms

    kwargs = {"accounts": TwitterAccount.objects.none()} if form_class == "DraftForm" else {}
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        form = getattr(forms, form_class)(data={"scheduled_at": when, "posts": "Hi"}, **kwargs)
        form.is_valid()

    assert form.errors["scheduled_at"] == ["Choose a publishing time within the next year."]
