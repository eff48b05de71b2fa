"""Saved replies: each version approved once (no self-approval, training gates, edits make a new version), filled in
for the author ({handle}, {name}), and a reply built from one unchanged skipping approval only where the account's
policy allows it, audited as "approved by saved reply vN"."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent, TwitterAccount
from core.permissions import decide
from monitoring import services as inbox
from tests.factories import TwitterAccountFactory
from tests.monitoring.factories import InboxItemFactory, MentionFactory
from tests.training.helpers import certify, require_course
from training.policy import Action
from tweets import saved_replies
from tweets.models import Draft, DraftTransition, SavedReplyVersion
from tweets.selectors import approvals_required, saved_reply_skips_approval
from tweets.services import draft_edit

pytestmark = pytest.mark.django_db
V = SavedReplyVersion.State


@pytest.fixture
def corporate(team, lead):
    return TwitterAccountFactory(
        team=team, responsible_person=lead, handle="DeptComms", kind=TwitterAccount.Kind.CORPORATE, approvals_required=1
    )


def _approved(account, by, approver, *, title="Looking into it", text="Thanks {handle}, we're looking into it."):
    saved = saved_replies.saved_reply_create(by=by, account=account, title=title, text=text)
    saved_replies.saved_reply_approve(by=approver, version=saved.versions.get())
    return saved.versions.get()


# --- The rule, as a table -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purpose", "policy_allows", "version_state", "skips"),
    [
        ("reply", True, V.APPROVED, True),
        ("reply", False, V.APPROVED, False),  # the policy is off by default
        ("reply", True, None, False),  # written or changed by hand
        ("reply", True, V.SUBMITTED, False),  # the version is not approved yet
        ("reply", True, V.REJECTED, False),
        ("post", True, V.APPROVED, False),  # only replies
    ],
)
def test_when_a_saved_reply_stands_in_for_approval(purpose, policy_allows, version_state, skips):
    assert (
        saved_reply_skips_approval(purpose=purpose, policy_allows=policy_allows, version_state=version_state) is skips
    )


def test_the_policy_option_is_off_by_default(corporate):
    assert corporate.saved_replies_skip_approval is False


# --- Approving a version -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("approvals_required", "approvers", "state"),
    [(1, ["approver"], V.APPROVED), (2, ["approver"], V.SUBMITTED), (2, ["approver", "lead"], V.APPROVED)],
)
def test_a_version_is_approved_by_as_many_approvers_as_a_post_needs(
    team, corporate, member, approver, lead, approvals_required, approvers, state
):
    corporate.approvals_required = approvals_required
    corporate.save()
    saved = saved_replies.saved_reply_create(by=member, account=corporate, title="Hours", text="Open 9 to 5.")
    people = {"approver": approver, "lead": lead}
    for name in approvers:
        saved_replies.saved_reply_approve(by=people[name], version=saved.versions.get())
    assert saved.versions.get().state == state


def test_a_personal_account_still_needs_one_approval_for_a_saved_reply(team, lead, member, approver):
    personal = TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PERSONAL, responsible_person=lead)
    saved = saved_replies.saved_reply_create(by=member, account=personal, title="Hours", text="Open 9 to 5.")
    assert saved.versions.get().state == V.SUBMITTED
    assert saved_replies.approvals_for_saved_reply(personal) == 1


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("writer", "You wrote this version"),
        ("member", "Only approvers and leads"),
        ("outsider", "Only approvers and leads"),
    ],
)
def test_who_may_not_approve_a_version(team, corporate, approver, member, outsider, who, refusal):
    writer = approver if who == "writer" else member
    saved = saved_replies.saved_reply_create(by=writer, account=corporate, title="Hours", text="Open 9 to 5.")
    person = {"writer": approver, "member": member, "outsider": outsider}[who]
    with pytest.raises(PermissionDenied, match=refusal):
        saved_replies.saved_reply_approve(by=person, version=saved.versions.get())
    assert saved.versions.get().state == V.SUBMITTED


def test_an_untrained_approver_is_told_which_course(team, corporate, member, approver):
    require_course(corporate.kind, Action.APPROVE, title="Approving corporate posts")
    saved = saved_replies.saved_reply_create(by=member, account=corporate, title="Hours", text="Open 9 to 5.")
    with pytest.raises(PermissionDenied, match="Approving corporate posts"):
        saved_replies.saved_reply_approve(by=approver, version=saved.versions.get())
    certify(approver, require_course(corporate.kind, Action.APPROVE, title="Approving corporate posts"))
    assert saved_replies.saved_reply_approve(by=approver, version=saved.versions.get()).state == V.APPROVED


def test_writing_one_needs_the_drafting_training_and_the_team(team, corporate, member, outsider):
    with pytest.raises(PermissionDenied):
        saved_replies.saved_reply_create(by=outsider, account=corporate, title="Hours", text="Open 9 to 5.")
    require_course(corporate.kind, Action.DRAFT, title="Writing for the department")
    with pytest.raises(PermissionDenied, match="Writing for the department"):
        saved_replies.saved_reply_create(by=member, account=corporate, title="Hours", text="Open 9 to 5.")


def test_approving_twice_or_a_decided_version_is_refused(team, corporate, member, approver, lead):
    corporate.approvals_required = 2
    corporate.save()
    saved = saved_replies.saved_reply_create(by=member, account=corporate, title="Hours", text="Open 9 to 5.")
    saved_replies.saved_reply_approve(by=approver, version=saved.versions.get())
    with pytest.raises(PermissionDenied, match="already approved"):
        saved_replies.saved_reply_approve(by=approver, version=saved.versions.get())
    saved_replies.saved_reply_reject(by=lead, version=saved.versions.get(), reason="Say when we reopen.")
    with pytest.raises(PermissionDenied, match="not waiting for approval"):
        saved_replies.saved_reply_approve(by=lead, version=saved.versions.get())


def test_an_edit_is_a_new_version_needing_approval_and_the_old_one_is_kept_in_use(team, corporate, member, approver):
    version_1 = _approved(corporate, member, approver)
    version_2 = saved_replies.saved_reply_edit(
        by=member, saved_reply=version_1.saved_reply, text="Thanks {handle}, we're on it."
    )
    assert (version_2.number, version_2.state) == (2, V.SUBMITTED)
    assert version_2.approvals.count() == 0  # approvals of version 1 do not count for it
    assert saved_replies.usable_versions([corporate]) == [version_1]
    saved_replies.saved_reply_approve(by=approver, version=version_2)
    assert saved_replies.usable_versions([corporate]) == [version_2]
    version_1.refresh_from_db()
    assert version_1.state == V.APPROVED and version_1.text == "Thanks {handle}, we're looking into it."
    actions = set(AuditEvent.objects.filter(action__startswith="saved_reply.").values_list("action", flat=True))
    assert actions == {"saved_reply.created", "saved_reply.approval_given", "saved_reply.edited"}


def test_an_archived_saved_reply_is_no_longer_offered(team, corporate, member, approver):
    version = _approved(corporate, member, approver)
    saved_replies.saved_reply_archive(by=member, saved_reply=version.saved_reply)
    assert saved_replies.usable_versions([corporate]) == []


# --- Placeholders ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "handle", "name", "filled"),
    [
        ("Thanks {handle}!", "alice_1", "Alice", "Thanks @alice_1!"),
        ("Hello {name}, thanks {handle}", "bob", "Bob Jones", "Hello Bob Jones, thanks @bob"),
        # What is filled in is never read as a placeholder, a mention, a hashtag or a new line.
        ("Hello {name}", "eve", "{handle} @admin #tag", "Hello {handle} admin tag"),
        ("Hello {name}.", "eve", "Line\nbreak\x00", "Hello Line break."),
        ("Hi {handle}", "@carol", "", "Hi @carol"),
        ("Hi {handle}", "not a handle!", "", "Hi "),
        ("Braces {} and {{handle}}", "dan", "", "Braces {} and {@dan}"),
    ],
)
def test_placeholders_are_filled_in_once_and_escaped(text, handle, name, filled):
    assert saved_replies.fill(text, handle=handle, name=name) == filled


def test_an_unknown_placeholder_is_refused_when_written(team, corporate, member):
    with pytest.raises(ValidationError, match=r"\{email\}"):
        saved_replies.saved_reply_create(by=member, account=corporate, title="Hours", text="Dear {email}")


def test_a_saved_reply_too_long_for_the_longest_handle_is_refused_when_written(team, corporate, member):
    text = "{handle} " + "x" * 270  # fits with a short handle, not with 15 characters
    with pytest.raises(ValidationError, match="longest handle"):
        saved_replies.saved_reply_create(by=member, account=corporate, title="Long", text=text)


def test_a_filled_reply_over_280_is_refused_with_a_clear_message(team, corporate, member, approver):
    version = _approved(corporate, member, approver, text="Dear {name}, " + "y" * 250)
    with pytest.raises(ValidationError) as refused:
        saved_replies.filled_for(version, snapshot={"author_username": "someone", "author_name": "N" * 50})
    message = " ".join(refused.value.messages)
    assert "Filled in for @someone" in message and "280" in message and "Shorten it" in message


# --- Replies from saved replies ----------------------------------------------------------------------------------


def _reply(item, member, account, version, *, text=None):
    snapshot = inbox.mention_snapshot(item.mention)
    text = text if text is not None else saved_replies.filled_for(version, snapshot=snapshot)
    return inbox.item_reply(item=item, by=member, account=account, text=text, saved_reply_version=version, send=True)


@pytest.mark.parametrize(
    ("policy", "changed", "state", "reason"),
    [
        (True, False, Draft.State.APPROVED, "Approved by saved reply “Looking into it” v1"),
        (False, False, Draft.State.SUBMITTED, ""),
        (True, True, Draft.State.SUBMITTED, ""),
    ],
)
def test_a_reply_from_a_saved_reply_skips_approval_only_unchanged_and_where_the_policy_allows(
    team, corporate, member, approver, policy, changed, state, reason
):
    corporate.saved_replies_skip_approval = policy
    corporate.save()
    version = _approved(corporate, member, approver)
    # The citizen mentioned the account: X accepts the reply (twitter_api.replies).
    mention = MentionFactory(author_username="citizen", text=f"@{corporate.handle} any news on my refund?")
    item = InboxItemFactory(team=team, account=corporate, mention=mention)
    text = "Thanks @citizen, we're looking into it now." if changed else None
    draft = _reply(item, member, corporate, version, text=text)  # publishing is queued after commit: not here
    draft.refresh_from_db()
    assert draft.state == state
    reasons = list(DraftTransition.objects.filter(draft=draft).values_list("reason", flat=True))
    if reason:
        assert reason in reasons
        assert AuditEvent.objects.filter(action="draft.approved", details__reason=reason).exists()
    else:
        assert not any("saved reply" in r for r in reasons)


def test_editing_a_reply_made_from_a_saved_reply_sends_it_back_for_approval(team, corporate, member, approver):
    corporate.saved_replies_skip_approval = True
    corporate.approvals_required = 1
    corporate.save()
    version = _approved(corporate, member, approver)
    # The citizen mentioned the account: X accepts the reply (twitter_api.replies).
    mention = MentionFactory(author_username="citizen", text=f"@{corporate.handle} any news on my refund?")
    item = InboxItemFactory(team=team, account=corporate, mention=mention)
    snapshot = inbox.mention_snapshot(item.mention)
    draft = inbox.item_reply(
        item=item,
        by=member,
        account=corporate,
        text=saved_replies.filled_for(version, snapshot=snapshot),
        saved_reply_version=version,
    )
    assert approvals_required(draft) == 0
    draft = draft_edit(draft=draft, by=member, text="Thanks @citizen, we are looking at it.")
    assert approvals_required(draft) == 1


def test_another_accounts_saved_reply_does_not_count(team, corporate, lead, member, approver):
    corporate.saved_replies_skip_approval = True
    corporate.save()
    other = TwitterAccountFactory(team=team, responsible_person=lead, approvals_required=1)
    version = _approved(other, member, approver)
    # The citizen mentioned the account: X accepts the reply (twitter_api.replies).
    mention = MentionFactory(author_username="citizen", text=f"@{corporate.handle} any news on my refund?")
    item = InboxItemFactory(team=team, account=corporate, mention=mention)
    draft = _reply(item, member, corporate, version)
    assert draft.state == Draft.State.SUBMITTED


def test_the_reply_keeps_the_post_it_answers_after_the_mention_is_deleted(team, corporate, member):
    mention = MentionFactory(author_username="citizen", author_name="A Citizen", text="Where is my refund?")
    item = InboxItemFactory(team=team, account=corporate, mention=mention)
    draft = inbox.item_reply(item=item, by=member, account=corporate, text="@citizen We'll check.")
    mention.delete()
    draft.refresh_from_db()
    answers = draft.answers
    assert (answers["author_username"], answers["author_name"], answers["text"]) == (
        "citizen",
        "A Citizen",
        "Where is my refund?",
    )
    assert answers["post_id"] == str(mention.tweet_id) and answers["posted_at"] is not None


def test_the_permission_names_are_declared():
    for perm in ("tweets.write_saved_reply", "tweets.approve_saved_reply", "tweets.reject_saved_reply"):
        assert decide(None, perm, None).allowed is False
