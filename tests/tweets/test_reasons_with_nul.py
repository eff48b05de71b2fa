"""A reason typed with a NUL character (which PostgreSQL cannot store) is kept without it, not a server error."""

from tweets import services
from tweets.models import Draft


def test_asking_for_changes_with_a_nul_in_the_reason_keeps_the_rest(account, member, approver):
    draft = services.draft_submit(draft=services.draft_create(author=member, account=account, text="Hello."), by=member)
    services.draft_request_changes(draft=draft, by=approver, reason="Too\x00 long")
    draft.refresh_from_db()
    assert draft.state == Draft.State.CHANGES_REQUESTED
    assert draft.comments.get().body == "Too long"


def test_withdrawing_with_a_nul_in_the_reason(account, member):
    draft = services.draft_create(author=member, account=account, text="Hello.")
    services.draft_withdraw(draft=draft, by=member, reason="\x00")
    assert draft.transitions.latest("created_at").reason == "Withdrawn"
