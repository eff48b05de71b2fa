"""Admins grant time-limited exemptions with a reason; they are audited and drive the policy."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from tests.boxes import date_boxes
from tests.factories import TwitterAccountFactory
from tests.training.factories import ExemptionFactory, TrainerFactory
from tests.training.helpers import require_course
from training import policy
from training.certification import exemption_grant, exemption_revoke
from training.models import Exemption
from training.services import TrainingError


def test_an_admin_grants_an_exemption_that_is_audited_and_lets_the_user_act(client, admin_user, member):
    course = require_course("corporate", "draft", title="Twitter basics")
    client.force_login(admin_user)
    until = timezone.localdate() + timezone.timedelta(days=10)
    response = client.post(
        reverse("training:exemptions"),
        {
            "user": member.pk,
            "course": course.pk,
            "reason": "Covering during the flood response",
            **date_boxes("expires_on", until),
        },
    )
    assert response.status_code == 302
    exemption = Exemption.objects.get()
    assert exemption.granted_by == admin_user
    event = AuditEvent.objects.get(action="training.exemption_granted")
    assert event.details["reason"] == "Covering during the flood response"
    assert policy.check(member, TwitterAccountFactory(kind="corporate"), "draft").allowed


def test_an_exemption_needs_a_reason_and_a_future_end(admin_user, member):
    with pytest.raises(TrainingError, match="reason"):
        exemption_grant(
            actor=admin_user, user=member, reason=" ", expires_at=timezone.now() + timezone.timedelta(days=1)
        )
    with pytest.raises(TrainingError, match="future"):
        exemption_grant(actor=admin_user, user=member, reason="x", expires_at=timezone.now())


def test_only_admins_grant_exemptions(client, member, lead):
    trainer = TrainerFactory()
    for user in (member, lead, trainer):
        client.force_login(user)
        assert client.get(reverse("training:exemptions")).status_code == 403
    with pytest.raises(TrainingError):
        exemption_grant(actor=trainer, user=member, reason="x", expires_at=timezone.now() + timezone.timedelta(days=1))


def test_an_admin_ends_an_exemption_early(client, admin_user, member):
    exemption = ExemptionFactory(user=member)
    client.force_login(admin_user)
    client.post(reverse("training:exemption_revoke", args=[exemption.pk]))
    exemption.refresh_from_db()
    assert exemption.revoked_at is not None
    assert AuditEvent.objects.filter(action="training.exemption_revoked").exists()


def test_a_blanket_exemption_counts_everywhere_a_standing_is_shown_and_stops_when_revoked(
    client, admin_user, team, lead, account
):
    from training.selectors import team_matrix

    require_course("corporate", "draft", title="Twitter basics")
    require_course("corporate", "approve", title="Crisis and rebuttal")
    exemption = ExemptionFactory(user=lead, course=None, reason="Acting lead for two weeks")

    def everywhere():
        client.force_login(lead)
        return {
            "gate": all(policy.check(lead, account, action).allowed for action in ("draft", "approve")),
            "matrix": team_matrix(team).rows[0].trained_to_standard,
            "my training": client.get(reverse("training:my_training")).context["outstanding"] == [],
            "dashboard": client.get(reverse("home")).context["training"].missing == [],
        }

    assert everywhere() == {"gate": True, "matrix": True, "my training": True, "dashboard": True}
    exemption_revoke(actor=admin_user, exemption=exemption)
    assert everywhere() == {"gate": False, "matrix": False, "my training": False, "dashboard": False}
