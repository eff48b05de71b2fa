"""The records export: contents as CSV and JSON, date ranges, streaming in chunks, access and validation."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditEvent, Membership
from reports import exports
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory, TwitterAccountFactory
from tests.tweets.factories import DraftFactory
from tweets.models import Approval, Draft, DraftRevision, DraftTransition, PublishAttempt

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
S = Draft.State


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _published(account, author, approver, when, text="Our new passport service opens today."):
    draft = DraftFactory(account=account, author=author, state=S.PUBLISHED, text="First try")
    second = DraftRevision.objects.create(draft=draft, number=2, posts=[text], created_by=author)
    draft.current_revision = second
    draft.published_at = when
    draft.published_post_id = f"1{draft.pk:05d}"
    draft.save()
    Approval.objects.create(draft=draft, revision=second, approver=approver, note="Fine to go", created_at=when)
    for from_state, to_state in [
        ("", S.DRAFT),
        (S.DRAFT, S.SUBMITTED),
        (S.SUBMITTED, S.APPROVED),
        (S.APPROVED, S.PUBLISHED),
    ]:
        DraftTransition.objects.create(
            draft=draft, from_state=from_state, to_state=to_state, actor=approver, created_at=when
        )
    PublishAttempt.objects.create(
        draft=draft, revision=second, state="uncertain", error_kind="uncertain", error="Timed out", started_at=when
    )
    PublishAttempt.objects.create(
        draft=draft,
        revision=second,
        state="succeeded",
        x_post_id=draft.published_post_id,
        reconciled=True,
        started_at=when,
    )
    return draft


@pytest.fixture
def records(account, member, approver):
    inside = _published(account, member, approver, datetime(2026, 11, 2, 12, 0, tzinfo=UTC))
    last_day = _published(account, member, approver, datetime(2026, 11, 10, 23, 30, tzinfo=UTC))
    _published(account, member, approver, datetime(2026, 11, 11, 0, 30, tzinfo=UTC))  # the day after
    DraftFactory(account=account, author=member, state=S.SCHEDULED)  # not published
    _published(TwitterAccountFactory(), member, approver, datetime(2026, 11, 3, tzinfo=UTC))  # another account
    return [inside, last_day]


def _export(client, user, **params):
    """As the page sends it: each date in the GOV.UK date input's three boxes (start_day, start_month, start_year)."""
    client.force_login(user)
    for name in ("start", "end"):
        if name in params:
            year, month, day = (params.pop(name).split("-") + ["", "", ""])[:3]
            params |= {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}
    return client.get(reverse("reports:export"), params)


def _body(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_json_holds_every_published_post_in_the_range_with_its_full_history(client, lead, account, records):
    response = _export(client, lead, account=account.pk, start="2026-11-01", end="2026-11-10", format="json")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/json"
    assert "records-DeptComms-20261101-20261110.json" in response["Content-Disposition"]
    data = json.loads(_body(response))
    assert [r["draft_id"] for r in data] == [d.pk for d in records]
    record = data[0]
    assert record["account"] == "@DeptComms"
    assert record["posts"] == ["Our new passport service opens today."]
    assert record["published_at"] == "2026-11-02T12:00:00+00:00"
    assert record["post_url"].endswith(f"/status/{records[0].published_post_id}")
    assert [r["posts"] for r in record["revisions"]] == [["First try"], ["Our new passport service opens today."]]
    assert record["approvals"][0]["revision"] == 2 and record["approvals"][0]["note"] == "Fine to go"
    assert [t["to_state"] for t in record["transitions"]] == ["draft", "submitted", "approved", "published"]
    assert [(a["state"], a["reconciled"]) for a in record["publish_attempts"]] == [
        ("uncertain", False),
        ("succeeded", True),
    ]


def test_csv_has_a_row_for_every_event_in_each_posts_life(client, lead, account, records, approver):
    response = _export(client, lead, account=account.pk, start="2026-11-01", end="2026-11-10", format="csv")

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    first = [r for r in rows if r["draft_id"] == str(records[0].pk)]
    assert [r["record"] for r in first] == [
        "published",
        "revision",
        "revision",
        "approval",
        "transition",
        "transition",
        "transition",
        "transition",
        "publish attempt",
        "publish attempt",
    ]
    assert first[0]["detail"] == "Our new passport service opens today."
    assert first[3]["by"] == approver.email and first[3]["revision"] == "2"
    assert "uncertain: Timed out" in first[8]["detail"]
    assert "found by reconciling" in first[9]["detail"]
    assert {r["draft_id"] for r in rows} == {str(d.pk) for d in records}


def test_large_ranges_stream_in_chunks_in_order(client, lead, account, member, approver, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 2)
    start = datetime(2026, 11, 2, tzinfo=UTC)
    drafts = [_published(account, member, approver, start + timedelta(hours=k // 2)) for k in range(5)]

    response = _export(client, lead, account=account.pk, start="2026-11-01", end="2026-11-17", format="json")

    assert [r["draft_id"] for r in json.loads(_body(response))] == [d.pk for d in drafts]


def test_the_export_is_audited(client, lead, account, records):
    _body(_export(client, lead, account=account.pk, start="2026-11-01", end="2026-11-10", format="csv"))

    event = AuditEvent.objects.get(action="records.exported")
    assert event.actor == lead
    assert event.details == {
        "from": "2026-11-01",
        "to": "2026-11-10",
        "format": "csv",
        "private_messages": False,
        "private_reason": "",
    }


def test_the_form_lists_only_the_accounts_of_teams_the_lead_leads(client, lead, account, other_team):
    TwitterAccountFactory(team=other_team, handle="NotLed")

    content = _export(client, lead).content.decode()

    assert "DeptComms" in content and "NotLed" not in content


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-11-10", "end": "2026-11-01"}, "The last day must be the same as or after the first day."),
        ({"start": "", "end": "2026-11-01"}, "Enter the first day to export."),
        ({"start": "2026-11-31", "end": "2026-12-01"}, "The first day must be a real date."),
        ({"start": "2026-11-", "end": "2026-12-01"}, "The first day must include a day."),
        ({"start": "26-11-01", "end": "2026-12-01"}, "Year must include 4 numbers."),
        ({"start": "2026-12-01", "end": "2026-12-02"}, "The first day must be today or in the past."),
        ({"start": "2026-11-01", "end": "9999-12-31"}, "The last day must be today or in the past."),
        ({"start": "2026-11-01", "end": "2026-11-19"}, "The last day must be today or in the past."),
    ],
)
def test_the_form_says_what_is_wrong_with_the_dates(client, lead, account, params, message):
    response = _export(client, lead, account=account.pk, format="csv", **params)

    assert response.status_code == 400
    content = response.content.decode()
    assert "There is a problem" in content
    assert message in content


def test_the_dates_boxes_show_back_what_was_typed_with_the_error_beside_them(client, lead, account):
    response = _export(client, lead, account=account.pk, format="csv", start="2026-11-31", end="2026-11-10")

    content = response.content.decode()
    assert 'name="start_day" value="31"' in content and 'name="end_year" value="2026"' in content
    assert 'id="id_start_error"' in content and 'href="#id_start_0"' in content
    assert 'type="date"' not in content


def test_a_single_iso_date_in_a_link_is_still_read(client, lead, account, records):
    client.force_login(lead)
    response = client.get(
        reverse("reports:export"), {"account": account.pk, "start": "2026-11-01", "end": "2026-11-10", "format": "csv"}
    )

    assert response.status_code == 200
    assert "published_at" in _body(response) or response["Content-Type"].startswith("text/csv")


def test_members_who_lead_no_team_cannot_export(client, member):
    response = _export(client, member)
    assert response.status_code == 403
    assert "Records exports are for team leads and admins." in response.text


def test_an_account_outside_the_leads_teams_is_not_found(client, lead, other_team):
    elsewhere = TwitterAccountFactory(team=other_team)

    response = _export(client, lead, account=elsewhere.pk, start="2026-11-01", end="2026-11-10", format="csv")

    assert response.status_code == 404


def test_a_lead_who_is_only_a_member_of_the_accounts_team_is_refused(client, lead, other_team):
    MembershipFactory(team=other_team, user=lead, role=Membership.Role.MEMBER)
    theirs = TwitterAccountFactory(team=other_team)

    response = _export(client, lead, account=theirs.pk, start="2026-11-01", end="2026-11-10", format="csv")

    assert response.status_code == 403


def test_admins_can_export_any_account(client, admin_user, other_team):
    theirs = TwitterAccountFactory(team=other_team)

    response = _export(client, admin_user, account=theirs.pk, start="2026-11-01", end="2026-11-10", format="json")

    assert response.status_code == 200
    assert json.loads(_body(response)) == []


def test_a_lead_of_another_team_gets_not_found_for_this_account(client, account, other_team):
    other_lead = MembershipFactory(team=other_team, role=Membership.Role.LEAD).user
    enrol_totp(other_lead)

    response = _export(client, other_lead, account=account.pk, start="2026-11-01", end="2026-11-10", format="csv")

    assert response.status_code == 404


def test_the_export_reads_a_fixed_number_of_queries_per_chunk(account, member, approver, django_assert_num_queries):
    for k in range(3):
        _published(account, member, approver, datetime(2026, 11, 2, k, tzinfo=UTC))

    # The drafts, then revisions, approvals, transitions, attempts, figures; then the parts: the posts' media, their
    # changes on X (the media's uploads to X are a query more when there are media).
    with django_assert_num_queries(8):
        rows = list(exports.published_records(account=account, start=NOW.date() - timedelta(days=30), end=NOW.date()))

    assert len(rows) == 3


# --- Direct messages are private: exported only with a reason, which is audited --------------------------------


@pytest.fixture
def dm_reply(account, member, approver, records):
    draft = _published(account, member, approver, datetime(2026, 11, 4, 12, 0, tzinfo=UTC), text="Sent privately.")
    draft.dm_conversation_id = "123-456"
    draft.save()
    return draft


def _exported_texts(response) -> list:
    return [r["posts"] for r in json.loads(_body(response))]


def test_replies_sent_as_direct_messages_are_left_out_by_default(client, lead, account, dm_reply):
    response = _export(client, lead, account=account.pk, start="2026-11-01", end="2026-11-10", format="json")

    assert ["Sent privately."] not in _exported_texts(response)
    assert (
        len(
            _exported_texts(
                _export(client, lead, account=account.pk, start="2026-11-01", end="2026-11-10", format="json")
            )
        )
        == 2
    )


@pytest.mark.parametrize("reason", ["", "   ", "x"])
def test_asking_for_private_messages_without_a_reason_is_refused(client, lead, account, dm_reply, reason):
    response = _export(
        client, lead, account=account.pk, start="2026-11-01", end="2026-11-10", format="csv",
        include_private="on", private_reason=reason,
    )  # fmt: skip

    assert response.status_code == 400
    assert "Enter why the private messages are needed" in response.content.decode()
    assert not AuditEvent.objects.filter(action="records.exported").exists()


def test_with_a_reason_they_are_exported_and_the_reason_is_audited(client, lead, account, dm_reply):
    response = _export(
        client, lead, account=account.pk, start="2026-11-01", end="2026-11-10", format="json",
        include_private="on", private_reason="Information request FOI-2026-0042",
    )  # fmt: skip

    records = json.loads(_body(response))
    private = [r for r in records if r["posts"] == ["Sent privately."]]
    assert len(private) == 1 and private[0]["direct_message_conversation_id"] == "123-456"
    assert private[0]["post_url"] == "https://x.com/messages/123-456"
    event = AuditEvent.objects.get(action="records.exported")
    assert event.details["private_messages"] is True
    assert event.details["private_reason"] == "Information request FOI-2026-0042"


def test_the_csv_also_leaves_them_out_without_a_reason(client, lead, account, dm_reply):
    body = _body(_export(client, lead, account=account.pk, start="2026-11-01", end="2026-11-10", format="csv"))

    assert "Sent privately." not in body
