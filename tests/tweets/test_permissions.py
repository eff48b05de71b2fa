"""Who may do what with drafts and freezes (tweets.rules), as one table over core.permissions.decide: role ×
account kind × draft state × action. Then a sample of pages refusing with the reason (403), and the reply draft
that only the account's own team may write."""

import pytest
from django.urls import reverse

from accounts.models import Membership, TwitterAccount
from core.permissions import Refused, decide
from tests.conftest import enrol_totp
from tests.factories import AdminFactory, MembershipFactory, TwitterAccountFactory
from tests.training.helpers import certify, require_course
from tests.tweets.factories import DraftFactory, FreezeFactory
from tweets import services
from tweets.models import Approval, Draft

pytestmark = pytest.mark.django_db

S = Draft.State
KINDS = [TwitterAccount.Kind.CORPORATE, TwitterAccount.Kind.PRESS_OFFICE]
ALL = {"corporate", "press_office"}
NONE: set[str] = set()
# Approving press office posts needs a course the "untrained approver" lacks; corporate posts need none.
TRAINED_KIND_ONLY = {"corporate"}

ROLES = ["author", "member", "approver", "lead", "admin", "outsider", "leaver", "untrained_approver"]


@pytest.fixture
def people(team, other_team, member, approver, lead, outsider, ended_member):
    course = require_course(TwitterAccount.Kind.PRESS_OFFICE, "approve", title="Approving press office posts")
    author = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
    untrained = MembershipFactory(team=team, role=Membership.Role.APPROVER).user
    enrol_totp(untrained)
    admin = AdminFactory()
    for person in (approver, lead, admin):
        certify(person, course)
    return {
        "author": author,
        "member": member,
        "approver": approver,
        "lead": lead,
        "admin": admin,
        "outsider": outsider,
        "leaver": ended_member,
        "untrained_approver": untrained,
    }


def _draft(state: str, kind: str, team, author) -> Draft:
    """A draft of an account of `kind` in `state` ("held_frozen": held, with a freeze on the account)."""
    account = TwitterAccountFactory(team=team, kind=kind)
    frozen = state == "held_frozen"
    draft = DraftFactory(account=account, author=author, state=S.HELD if frozen else state)
    if frozen:
        FreezeFactory(scope="account", account=account)
    return draft


# (role, draft state, action, the account kinds where it is allowed)
TABLE = [
    # Writing: the account's own team (and admins); never outsiders or leavers; only in states an edit may start.
    ("author", S.DRAFT, "edit_draft", ALL),
    ("member", S.DRAFT, "edit_draft", ALL),
    ("approver", S.DRAFT, "edit_draft", ALL),
    ("lead", S.SUBMITTED, "edit_draft", ALL),
    ("admin", S.DRAFT, "edit_draft", ALL),
    ("outsider", S.DRAFT, "edit_draft", NONE),
    ("leaver", S.DRAFT, "edit_draft", NONE),
    ("author", S.PUBLISHED, "edit_draft", NONE),
    ("author", S.DRAFT, "submit_draft", ALL),
    ("member", S.CHANGES_REQUESTED, "submit_draft", ALL),
    ("author", S.SUBMITTED, "submit_draft", NONE),
    ("outsider", S.DRAFT, "submit_draft", NONE),
    ("leaver", S.DRAFT, "submit_draft", NONE),
    # Withdrawing: its author while still in the team, or a lead.
    ("author", S.SUBMITTED, "withdraw_draft", ALL),
    ("member", S.SUBMITTED, "withdraw_draft", NONE),
    ("approver", S.SUBMITTED, "withdraw_draft", NONE),
    ("lead", S.HELD, "withdraw_draft", ALL),
    ("admin", S.SUBMITTED, "withdraw_draft", ALL),
    ("outsider", S.SUBMITTED, "withdraw_draft", NONE),
    ("author", S.PUBLISHED, "withdraw_draft", NONE),
    # Approving: the approving team's approvers and leads, trained, never the author, only when submitted.
    ("approver", S.SUBMITTED, "approve_draft", ALL),
    ("lead", S.SUBMITTED, "approve_draft", ALL),
    ("admin", S.SUBMITTED, "approve_draft", ALL),
    ("untrained_approver", S.SUBMITTED, "approve_draft", TRAINED_KIND_ONLY),
    ("author", S.SUBMITTED, "approve_draft", NONE),
    ("member", S.SUBMITTED, "approve_draft", NONE),
    ("outsider", S.SUBMITTED, "approve_draft", NONE),
    ("leaver", S.SUBMITTED, "approve_draft", NONE),
    ("approver", S.DRAFT, "approve_draft", NONE),
    ("approver", S.SUBMITTED, "request_changes", ALL),
    ("untrained_approver", S.SUBMITTED, "request_changes", ALL),
    ("member", S.SUBMITTED, "request_changes", NONE),
    ("lead", S.SUBMITTED, "reject_draft", ALL),
    ("outsider", S.SUBMITTED, "reject_draft", NONE),
    ("approver", S.APPROVED, "reject_draft", NONE),
    # When it goes out.
    ("member", S.SCHEDULED, "reschedule_draft", ALL),
    ("untrained_approver", S.HELD, "reschedule_draft", ALL),
    ("outsider", S.SCHEDULED, "reschedule_draft", NONE),
    ("leaver", S.SCHEDULED, "reschedule_draft", NONE),
    ("member", S.DRAFT, "reschedule_draft", NONE),
    ("lead", S.HELD, "publish_now", ALL),
    ("admin", S.HELD, "publish_now", ALL),
    ("approver", S.HELD, "publish_now", NONE),
    ("author", S.HELD, "publish_now", NONE),
    ("lead", "held_frozen", "publish_now", NONE),
    ("lead", "held_frozen", "publish_essential", ALL),
    ("admin", "held_frozen", "publish_essential", ALL),
    ("approver", "held_frozen", "publish_essential", NONE),
    ("member", "held_frozen", "publish_essential", NONE),
    ("lead", S.HELD, "publish_essential", NONE),
    ("author", S.FAILED, "retry_draft", ALL),
    ("lead", S.FAILED, "retry_draft", ALL),
    ("member", S.FAILED, "retry_draft", NONE),
    ("leaver", S.FAILED, "retry_draft", NONE),
    ("author", S.DRAFT, "retry_draft", NONE),
    # Commenting: whoever may see it.
    ("member", S.SUBMITTED, "comment_draft", ALL),
    ("approver", S.SUBMITTED, "comment_draft", ALL),
    ("outsider", S.SUBMITTED, "comment_draft", NONE),
    ("leaver", S.SUBMITTED, "comment_draft", NONE),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("role", "state", "action", "allowed_kinds"), TABLE)
def test_who_may_do_what_with_a_draft(people, team, kind, role, state, action, allowed_kinds):
    draft = _draft(state, kind, team, people["author"])
    decision = decide(people[role], f"tweets.{action}", draft)
    assert decision.allowed == (kind in allowed_kinds)
    assert bool(decision.reason) != decision.allowed  # a refusal always says why


def test_an_approver_who_has_approved_this_version_cannot_approve_it_again(people, team):
    draft = _draft(S.SUBMITTED, TwitterAccount.Kind.CORPORATE, team, people["author"])
    Approval.objects.create(draft=draft, revision=draft.current_revision, approver=people["approver"])
    decision = decide(people["approver"], "tweets.approve_draft", draft)
    assert not decision.allowed
    assert decision.reason == "You have already approved this version. It is waiting for another approver."


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("author", True), ("member", True), ("lead", True), ("admin", True), ("outsider", False), ("leaver", False)],
)
@pytest.mark.parametrize("perm", ["tweets.create_draft", "tweets.reply"])
def test_who_may_write_or_reply_for_an_account(people, account, role, allowed, perm):
    assert decide(people[role], perm, account).allowed == allowed


@pytest.mark.parametrize(
    ("role", "target", "allowed"),
    [
        ("lead", "none", True),
        ("lead", "team", True),
        ("lead", "other_team", False),
        ("admin", "other_team", True),
        ("approver", "none", False),
        ("member", "team", False),
        ("leaver", "none", False),
    ],
)
def test_who_may_start_and_lift_a_freeze(people, team, other_team, role, target, allowed):
    scope = {"none": None, "team": team, "other_team": other_team}[target]
    assert decide(people[role], "tweets.start_freeze", scope).allowed == allowed
    if scope is not None:
        freeze = FreezeFactory(scope="team", team=scope)
        assert decide(people[role], "tweets.lift_freeze", freeze).allowed == allowed


# --- Pages refuse with the reason ----------------------------------------------------------------------


def _post(client, user, name, draft, data=None):
    client.force_login(user)
    return client.post(reverse(f"tweets:{name}", args=[draft.pk]), data or {"reason": "Because.", "body": "Hi."})


@pytest.mark.parametrize(
    ("role", "state", "view", "sentence"),
    [
        ("member", S.SUBMITTED, "draft_approve", "Only approvers and leads in Digital Communications can approve"),
        (
            "approver",
            S.SUBMITTED,
            "draft_withdraw",
            "Only a lead of Digital Communications or an admin can withdraw someone else&#x27;s draft.",
        ),
        ("author", S.HELD, "draft_publish_now", "Only a lead of Digital Communications or an admin can release held"),
        ("member", S.FAILED, "draft_retry", "Only its author, a lead of Digital Communications or an admin can retry"),
        ("member", S.SUBMITTED, "draft_reject", "Only approvers and leads in Digital Communications can approve"),
        ("untrained_approver", S.SUBMITTED, "draft_approve", "You need the &#x27;Approving press office posts&#x27;"),
    ],
)
def test_a_page_refuses_with_the_reason(client, people, team, role, state, view, sentence):
    draft = _draft(state, TwitterAccount.Kind.PRESS_OFFICE, team, people["author"])
    response = _post(client, people[role], view, draft)
    assert response.status_code == 403
    assert sentence in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == state


def test_the_freeze_page_refuses_a_member_with_the_reason(client, member):
    client.force_login(member)
    response = client.get(reverse("tweets:freeze_start"))
    assert response.status_code == 403
    assert "Only team leads and admins can start a publishing freeze." in response.content.decode()


def test_a_draft_page_shows_only_the_buttons_the_rules_allow(client, people, team):
    draft = _draft(S.SUBMITTED, TwitterAccount.Kind.PRESS_OFFICE, team, people["author"])
    client.force_login(people["untrained_approver"])
    page = client.get(reverse("tweets:draft_detail", args=[draft.pk]))
    assert page.context["can"]["review"] and not page.context["can"]["approve"]
    assert "Approving press office posts" in page.context["approve_block"]
    client.force_login(people["approver"])
    page = client.get(reverse("tweets:draft_detail", args=[draft.pk]))
    assert page.context["can"]["approve"] and not page.context["can"]["withdraw"]
    assert page.context["approve_block"] == ""


# --- A reply draft is written by the account's own team -------------------------------------------------


@pytest.fixture
def reply_draft(team, other_team, member):
    """A reply drafted by a member for an account whose posts another team approves."""
    account = TwitterAccountFactory(team=team, approver_team=other_team, handle="DeptReplies")
    return services.draft_create(
        author=member, account=account, text="@citizen Thanks, we have passed it on.", purpose=Draft.Purpose.REPLY
    )


@pytest.fixture
def other_team_approver(other_team):
    user = MembershipFactory(team=other_team, role=Membership.Role.APPROVER).user
    enrol_totp(user)
    return user


def test_an_approver_of_another_team_cannot_edit_a_reply_draft(reply_draft, other_team_approver):
    assert not decide(other_team_approver, "tweets.edit_draft", reply_draft).allowed
    with pytest.raises(Refused, match="Only members of Digital Communications can write posts for @DeptReplies"):
        services.draft_edit(draft=reply_draft, by=other_team_approver, text="@citizen Something else entirely.")
    reply_draft.refresh_from_db()
    assert reply_draft.current_revision.number == 1
    with pytest.raises(Refused):
        services.draft_submit(draft=reply_draft, by=other_team_approver)
    reply_draft.refresh_from_db()
    assert reply_draft.state == S.DRAFT


def test_nor_through_the_page_though_they_may_read_and_approve_it(client, reply_draft, other_team_approver, member):
    client.force_login(other_team_approver)
    page = client.get(reverse("tweets:draft_detail", args=[reply_draft.pk]))
    assert page.status_code == 200
    assert not page.context["can"]["edit"] and not page.context["can"]["submit"]
    response = client.post(
        reverse("tweets:draft_edit", args=[reply_draft.pk]),
        {"account": reply_draft.account_id, "posts": "@citizen Changed by another team."},
    )
    assert response.status_code == 403
    assert "Only members of Digital Communications can write posts for @DeptReplies" in response.content.decode()
    services.draft_submit(draft=reply_draft, by=member)
    reply_draft.refresh_from_db()
    assert decide(other_team_approver, "tweets.approve_draft", reply_draft).allowed
