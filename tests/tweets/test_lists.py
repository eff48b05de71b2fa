"""List pages: drafts by state, approval queue, scheduled, published. Fixed queries whatever the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import TwitterAccountFactory
from tests.tweets.factories import DraftFactory
from tweets.models import Approval, Draft, DraftRevision

S = Draft.State
PAGES = ["/drafts/", "/drafts/?state=submitted", "/drafts/approvals/", "/drafts/scheduled/", "/drafts/published/"]


def make_drafts(account, author, n):
    soon = timezone.now() + timezone.timedelta(hours=2)
    for i in range(n):
        state = [S.SUBMITTED, S.SCHEDULED, S.PUBLISHED, S.DRAFT][i % 4]
        DraftFactory(
            account=account,
            author=author,
            state=state,
            text=f"Post number {i}",
            scheduled_at=soon if state == S.SCHEDULED else None,
            published_at=timezone.now() if state == S.PUBLISHED else None,
            published_post_id=str(1000 + i) if state == S.PUBLISHED else "",
        )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx), [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("url", PAGES)
def test_list_pages_use_a_fixed_number_of_queries(client, account, member, approver, url):
    client.force_login(approver)
    make_drafts(account, member, 4)
    count_queries(client, url)  # warm the session and the cached banners
    few, _ = count_queries(client, url)
    make_drafts(account, member, 16)
    many, queries = count_queries(client, url)
    assert few == many, "\n".join(queries)


def test_the_draft_list_shows_counts_by_state_and_filters(client, account, member):
    make_drafts(account, member, 8)
    client.force_login(member)
    page = client.get("/drafts/").content.decode()
    assert "Waiting for approval (2)" in page
    assert "Scheduled (2)" in page
    page = client.get("/drafts/?state=scheduled").content.decode()
    assert "Post number 1" in page
    assert "Post number 0" not in page


def test_outsiders_see_none_of_another_teams_drafts(client, account, member, outsider):
    make_drafts(account, member, 4)
    client.force_login(outsider)
    for url in PAGES:
        assert "Post number" not in client.get(url).content.decode()


def test_the_approval_queue_shows_only_what_i_may_approve(client, account, member, approver):
    make_drafts(account, member, 4)
    DraftFactory(account=account, author=approver, state=S.SUBMITTED, text="My own draft")
    client.force_login(approver)
    page = client.get("/drafts/approvals/").content.decode()
    assert "Post number 0" in page
    assert "My own draft" not in page
    client.force_login(member)
    assert "Post number 0" not in client.get("/drafts/approvals/").content.decode()


def test_the_approval_queue_shows_fifty_at_a_time_oldest_first(client, account, member, approver):
    for i in range(53):
        DraftFactory(account=account, author=member, state=S.SUBMITTED, text=f"Waiting draft {i:02d}")
    client.force_login(approver)
    first = client.get("/drafts/approvals/").content.decode()
    assert "53 drafts waiting" in first
    assert first.count("Waiting draft") == 50
    assert "Waiting draft 00" in first and "Waiting draft 52" not in first
    second = client.get("/drafts/approvals/?page=2").content.decode()
    assert second.count("Waiting draft") == 3
    assert "Waiting draft 52" in second


def test_published_posts_link_to_x(client, account, member):
    make_drafts(account, member, 4)
    client.force_login(member)
    page = client.get("/drafts/published/").content.decode()
    assert f"https://x.com/{account.handle}/status/1002" in page


def test_the_scheduled_list_groups_by_uk_day(client, account, member):
    make_drafts(account, member, 4)
    client.force_login(member)
    page = client.get("/drafts/scheduled/").content.decode()
    day = timezone.localtime(timezone.now() + timezone.timedelta(hours=2))
    assert f"{day:%A} {day.day} {day:%B %Y}" in page
    assert "Post number 1" in page


def test_the_scheduled_list_shows_one_account_when_asked(client, account, other_team, member):
    other_account = TwitterAccountFactory(team=other_team, handle="CustomerHelp")
    soon = timezone.now() + timezone.timedelta(hours=2)
    DraftFactory(account=account, state=S.SCHEDULED, scheduled_at=soon, text="Ours, scheduled")
    DraftFactory(account=other_account, state=S.SCHEDULED, scheduled_at=soon, text="Another team's")
    client.force_login(member)

    page = client.get(f"/drafts/scheduled/?account={account.pk}").content.decode()
    assert "Ours, scheduled" in page
    assert f"Scheduled posts: @{account.handle}" in page

    page = client.get(f"/drafts/scheduled/?account={other_account.pk}").content.decode()
    assert "Another team&#x27;s" not in page and "Another team's" not in page


def test_the_approval_queue_shows_each_accounts_own_number_or_its_kinds_default(client, account, member, approver):
    press = TwitterAccountFactory(team=account.team, kind="press_office", handle="DeptPress")
    corporate_of_three = TwitterAccountFactory(team=account.team, kind="corporate", approvals_required=3)
    DraftFactory(account=account, author=member, state=S.SUBMITTED, text="Corporate default")
    DraftFactory(account=press, author=member, state=S.SUBMITTED, text="Press default")
    DraftFactory(account=corporate_of_three, author=member, state=S.SUBMITTED, text="Three needed")
    client.force_login(approver)

    rows = {row["text"]: row for row in client.get("/drafts/approvals/").context["rows"]}

    assert rows["Corporate default"]["approvals"] == "0 of 2"
    assert rows["Press default"]["approvals"] == "0 of 1"
    assert rows["Three needed"]["approvals"] == "0 of 3"
    assert rows["Press default"]["account"] == "@DeptPress"
    assert rows["Press default"]["author"] == str(member)


def test_the_approval_queue_counts_only_current_unlapsed_approvals_and_marks_mine(
    client, account, member, approver, lead, second_approver
):
    account.approvals_required = 2
    account.approval_expiry_hours = 72
    account.save()
    draft = DraftFactory(account=account, author=member, state=S.SUBMITTED, text="Needs two")
    old = draft.current_revision
    draft.current_revision = DraftRevision.objects.create(
        draft=draft, number=2, posts=["Needs two, v2"], created_by=member
    )
    draft.save(update_fields=["current_revision"])
    now = timezone.now()
    Approval.objects.create(draft=draft, revision=draft.current_revision, approver=lead, created_at=now)
    Approval.objects.create(draft=draft, revision=old, approver=second_approver, created_at=now)  # an older revision
    Approval.objects.create(  # lapsed
        draft=draft, revision=draft.current_revision, approver=approver, created_at=now - timezone.timedelta(hours=73)
    )
    client.force_login(approver)

    page = client.get("/drafts/approvals/").content.decode()
    assert "1 of 2" in page
    assert "You approved" not in page  # my approval lapsed

    client.force_login(lead)
    assert "You approved" in client.get("/drafts/approvals/").content.decode()
