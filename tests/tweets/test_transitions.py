"""Every allowed transition works and every forbidden one is refused with a clear error (table-driven).

The table below is written out independently of tweets.services.ALLOWED_FROM, so a change to the state
machine has to be made in both places on purpose.
"""

import pytest
from django.utils import timezone

from tests.tweets.factories import DraftFactory, FreezeFactory
from tweets import freezes, services
from tweets.models import Draft, DraftTransition

S = Draft.State
ALL_STATES = list(S)

EXPECTED = {
    "submit": {S.DRAFT: S.SUBMITTED, S.CHANGES_REQUESTED: S.SUBMITTED},
    "withdraw": {
        s: S.WITHDRAWN for s in (S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED, S.APPROVED, S.SCHEDULED, S.HELD, S.FAILED)
    },
    "approve": {S.SUBMITTED: S.SUBMITTED},  # one approval of two: still waiting
    "request_changes": {S.SUBMITTED: S.CHANGES_REQUESTED},
    "reject": {S.SUBMITTED: S.REJECTED},
    "edit": {
        S.DRAFT: S.DRAFT,
        S.CHANGES_REQUESTED: S.CHANGES_REQUESTED,
        S.SUBMITTED: S.SUBMITTED,
        S.APPROVED: S.SUBMITTED,
        S.SCHEDULED: S.SUBMITTED,
        S.HELD: S.SUBMITTED,
        S.FAILED: S.DRAFT,
    },
    "reschedule": {S.APPROVED: S.SCHEDULED, S.SCHEDULED: S.SCHEDULED, S.HELD: S.SCHEDULED},
    "publish_now": {S.HELD: S.APPROVED},
    "retry": {S.FAILED: S.APPROVED},
}


def _run(action, draft, *, member, approver, lead):
    later = timezone.now() + timezone.timedelta(days=2)
    if action == "submit":
        return services.draft_submit(draft=draft, by=member)
    if action == "withdraw":
        return services.draft_withdraw(draft=draft, by=member)
    if action == "approve":
        return services.draft_approve(draft=draft, by=approver)
    if action == "request_changes":
        return services.draft_request_changes(draft=draft, by=approver, reason="Shorter, please.")
    if action == "reject":
        return services.draft_reject(draft=draft, by=approver, reason="Not our message.")
    if action == "edit":
        return services.draft_edit(draft=draft, by=member, text="A different text for the post.")
    if action == "reschedule":
        # A lead: a member giving a held post a time sends it back to the approvers (test_bringing_forward.py).
        return services.draft_reschedule(draft=draft, by=lead, scheduled_at=later)
    if action == "publish_now":
        return freezes.draft_publish_now(draft=draft, by=lead)
    if action == "retry":
        return services.draft_retry(draft=draft, by=member)
    raise AssertionError(action)


CASES = [(action, state) for action in EXPECTED for state in ALL_STATES]


@pytest.mark.parametrize(("action", "state"), CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
def test_each_action_moves_only_from_the_states_the_table_allows(action, state, account, member, approver, lead):
    draft = DraftFactory(account=account, author=member, state=state)
    expected = EXPECTED[action].get(state)
    if expected is None:
        with pytest.raises(services.TransitionNotAllowed) as refused:
            _run(action, draft, member=member, approver=approver, lead=lead)
        assert "can't be" in refused.value.message
        assert S(state).label.lower() in refused.value.message
        draft.refresh_from_db()
        assert draft.state == state
        assert not DraftTransition.objects.filter(draft=draft).exists()
    else:
        _run(action, draft, member=member, approver=approver, lead=lead)
        draft.refresh_from_db()
        assert draft.state == expected


def test_the_service_table_matches_the_expected_table():
    for action, moves in EXPECTED.items():
        assert services.ALLOWED_FROM[action] == frozenset(moves), action


@pytest.mark.parametrize("state", [s for s in ALL_STATES if s not in (S.HELD, S.APPROVED, S.SCHEDULED)])
def test_essential_publishing_is_refused_from_other_states(state, account, lead, member):
    FreezeFactory(started_by=lead)
    draft = DraftFactory(account=account, author=member, state=state)
    with pytest.raises(services.TransitionNotAllowed):
        freezes.draft_publish_essential(draft=draft, by=lead, reason="Public safety message")


def test_every_transition_writes_history_and_an_audit_event(account, member):
    from accounts.models import AuditEvent

    draft = services.draft_create(author=member, account=account, text="Our new opening hours.")
    services.draft_submit(draft=draft, by=member)
    services.draft_withdraw(draft=draft, by=member, reason="Wrong week")
    history = list(draft.transitions.values_list("from_state", "to_state", "actor_id", "reason"))
    assert history == [
        ("", S.DRAFT, member.pk, "Created"),
        (S.DRAFT, S.SUBMITTED, member.pk, "Submitted for approval"),
        (S.SUBMITTED, S.WITHDRAWN, member.pk, "Wrong week"),
    ]
    actions = set(AuditEvent.objects.filter(object_id=str(draft.pk)).values_list("action", flat=True))
    assert {"draft.created", "draft.submitted", "draft.withdrawn"} <= actions


def test_state_changed_signal_is_sent_after_commit(account, member, django_capture_on_commit_callbacks):
    from tweets.signals import draft_state_changed

    seen = []

    def listener(sender, draft, from_state, to_state, **kwargs):
        seen.append((from_state, to_state))

    draft_state_changed.connect(listener)
    try:
        draft = services.draft_create(author=member, account=account, text="Signal check.")
        with django_capture_on_commit_callbacks(execute=True):
            services.draft_submit(draft=draft, by=member)
            assert seen == []
        assert seen == [(S.DRAFT, S.SUBMITTED)]
    finally:
        draft_state_changed.disconnect(listener)
