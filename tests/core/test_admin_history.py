"""History, audit and metering rows are read-only in the Django admin, even for a superuser: they can be listed
and opened, never added, changed or deleted (in their own pages or as inlines of another model's page)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from monitoring.models import InboxItemEvent, MonitorHour, MonitorUsage, PollCursor, PollRun, SpikeAlert
from monitoring.models_push import AccountEvent
from tests.monitoring.factories import InboxItemFactory, MonitorFactory
from tests.training.factories import BookingFactory
from tests.training.helpers import certify
from tests.tweets.factories import DraftFactory
from training.models import BookingEvent, CertificationAward, ReminderSent
from tweets.models import Approval, DraftRevision, DraftTransition, PublishAttempt
from twitter_api.models import ApiCall

HISTORY = [
    AuditEvent,
    DraftRevision,
    Approval,
    DraftTransition,
    PublishAttempt,
    InboxItemEvent,
    PollRun,
    MonitorUsage,
    MonitorHour,
    SpikeAlert,
    ApiCall,
    BookingEvent,
    CertificationAward,
    ReminderSent,
    AccountEvent,
]


@pytest.fixture
def rows(team, account, admin_user) -> dict:
    """One row of every history model."""
    now = timezone.now()
    draft = DraftFactory(account=account)
    revision = draft.current_revision
    monitor = MonitorFactory(team=team)
    item = InboxItemFactory(team=team)
    cursor = PollCursor.objects.create(kind=PollCursor.Kind.SEARCH, key="group-1", query="passport")
    booking = BookingFactory()
    certification = certify(booking.user, booking.session.course)
    made = [
        AuditEvent.objects.create(action="test.happened", actor=admin_user),
        revision,
        Approval.objects.create(draft=draft, revision=revision, approver=admin_user),
        DraftTransition.objects.create(draft=draft, to_state="draft", actor=admin_user),
        PublishAttempt.objects.create(draft=draft, revision=revision),
        InboxItemEvent.objects.create(item=item, action="claimed", actor=admin_user),
        PollRun.objects.create(cursor=cursor, posts_read=3),
        MonitorUsage.objects.create(day=now.date(), monitor=monitor, posts_read=3),
        MonitorHour.objects.create(
            monitor=monitor, hour=now.replace(minute=0, second=0, microsecond=0), matches=1, sentiment_sum=0.2
        ),
        SpikeAlert.objects.create(monitor=monitor, hour_start=now, count=40, baseline=2.0),
        ApiCall.objects.create(endpoint="/2/tweets/search/recent", method="GET", posts_read=3),
        BookingEvent.objects.create(booking=booking, to_status="booked"),
        CertificationAward.objects.create(certification=certification, expires_at=certification.expires_at),
        ReminderSent.objects.create(kind="expiry_30", key="expiry-30-1", user=booking.user),
        AccountEvent.objects.create(
            event_id="1", event_type="post.create", account=account, occurred_at=now, summary="post 1"
        ),
    ]
    return {type(row): row for row in made}


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", HISTORY, ids=lambda m: m._meta.label)
def test_a_superuser_can_list_and_open_but_never_add_change_or_delete(client, admin_user, rows, model):
    row = rows[model]
    client.force_login(admin_user)

    assert client.get(_url(model, "changelist")).status_code == 200
    opened = client.get(_url(model, "change", row.pk))
    assert opened.status_code == 200
    assert 'name="_save"' not in opened.content.decode()

    assert client.get(_url(model, "add")).status_code == 403
    assert client.post(_url(model, "add"), {}).status_code == 403
    assert client.post(_url(model, "change", row.pk), {}).status_code == 403
    assert client.get(_url(model, "delete", row.pk)).status_code == 403
    assert client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    client.post(_url(model, "changelist"), {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})
    assert model.objects.filter(pk=row.pk).exists()


def test_history_shown_inside_another_models_page_is_read_only_too(admin_user, rows):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    checked = 0
    for model, model_admin in admin.site._registry.items():
        for inline in (inline_class(model, admin.site) for inline_class in model_admin.inlines):
            if inline.model in HISTORY:
                checked += 1
                assert not inline.has_add_permission(request, None), inline
                assert not inline.has_change_permission(request, None), inline
                assert not inline.has_delete_permission(request, None), inline
    assert checked == 6  # a draft's revisions, approvals, transitions and attempts; inbox events; awards
