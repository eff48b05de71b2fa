"""Media and alt text belong to the revision: changing either voids approvals exactly as changing the text does
(the same path in tweets.services.draft_edit); leaving them alone keeps them; a text edit carries them over."""

import pytest

from tests.tweets.media_helpers import images
from tweets import selectors, services
from tweets.media import Attachment, attachments_of
from tweets.models import Draft

S = Draft.State


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def approved_once(member, account, approver):
    """A corporate draft (2 approvals needed) with two images, submitted and approved once."""
    files, attachments = images(member, 2)
    draft = services.draft_create(author=member, account=account, posts=["Open today."], media=[attachments])
    services.draft_submit(draft=draft, by=member)
    services.draft_approve(draft=draft, by=approver)
    draft.refresh_from_db()
    assert selectors.approval_count(draft) == 1
    return draft, files, attachments


def _edit(draft, member, **kwargs):
    services.draft_edit(draft=draft, by=member, **kwargs)
    draft.refresh_from_db()
    return draft


@pytest.mark.parametrize(
    "change",
    ["alt text", "order", "removed", "added"],
)
def test_changing_media_or_alt_text_voids_the_approvals(approved_once, member, change):
    draft, files, attachments = approved_once
    before = draft.current_revision
    if change == "alt text":
        media = [[Attachment(files[0].pk, alt_text="A different description of the picture."), attachments[1]]]
    elif change == "order":
        media = [list(reversed(attachments))]
    elif change == "removed":
        media = [attachments[:1]]
    else:
        extra, more = images(member, 1, alt="The queue outside the library before it opened.")
        media = [attachments + more]
    draft = _edit(draft, member, media=media)
    assert draft.current_revision.number == before.number + 1
    assert draft.state == S.SUBMITTED
    assert selectors.approval_count(draft) == 0
    reason = draft.transitions.filter(to_state=S.SUBMITTED).last().reason
    assert "approvals of earlier versions no longer count" in reason
    assert attachments_of(before) == [attachments]  # the approved revision still shows what was approved


def test_saving_the_same_media_keeps_the_approvals(approved_once, member):
    draft, _, attachments = approved_once
    revision = draft.current_revision
    draft = _edit(draft, member, media=[list(attachments)], posts=["Open today."])
    assert draft.current_revision == revision
    assert selectors.approval_count(draft) == 1


def test_a_text_edit_carries_the_media_into_the_new_revision(approved_once, member):
    draft, _, attachments = approved_once
    draft = _edit(draft, member, posts=["Open today from 9am."])
    assert attachments_of(draft.current_revision) == [attachments]
    assert selectors.approval_count(draft) == 0


def test_an_approval_is_of_the_media_the_approver_saw(approved_once, member, lead):
    draft, files, attachments = approved_once
    seen = draft.current_revision
    _edit(draft, member, media=[[attachments[0]]])
    with pytest.raises(services.DraftChanged):
        services.draft_approve(draft=draft, by=lead, revision=seen.pk)


def test_media_cannot_be_changed_without_the_right_to_edit(approved_once, lead, other_team):
    from core.permissions import Refused
    from tests.factories import MembershipFactory

    draft, _, attachments = approved_once
    outsider = MembershipFactory(team=other_team).user
    with pytest.raises(Refused):
        services.draft_edit(draft=draft, by=outsider, media=[attachments[:1]])
