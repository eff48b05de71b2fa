"""A malformed post from X never stops a cursor: each shape X might send, served by the sandbox inside a page of
good posts, is cleaned and stored, or set aside and counted, and the poll stores the rest and moves on."""

import logging

import pytest
from django.urls import reverse

from monitoring import ingest
from monitoring.models import InboxItem, Mention, MentionMatch, PollCursor, PollRun
from tests.monitoring.factories import MonitorFactory, make_post
from twitter_api.types import snowflake_time

pytestmark = pytest.mark.django_db

AUTHOR_ID = "4242424242"  # the malformed post's author, unknown to the sandbox


def _post(post_id, text, **fields):
    return {"id": post_id, "text": text, "author_id": AUTHOR_ID, "created_at": "2026-11-02T09:30:00.000Z", **fields}


def _user(**fields):
    return {"id": AUTHOR_ID, "username": "odd_one", "name": "Odd One", **fields}


def _without(data: dict, key: str) -> dict:
    return {k: v for k, v in data.items() if k != key}


# name -> (how to make the item from the post id and a text that matches, what should become of it)
STORED, SET_ASIDE = "stored", "set aside"
SHAPES = {
    "nul in the text": (lambda i, t: {"post": _post(i, t + " \x00help\x00"), "users": [_user()]}, STORED),
    "a lone surrogate in the text": (lambda i, t: {"post": _post(i, t + " \ud83d help"), "users": [_user()]}, STORED),
    "a lone low surrogate in the text": (lambda i, t: {"post": _post(i, "\udc00 " + t)}, STORED),
    "no id": (lambda i, t: {"post": _without(_post(i, t), "id")}, SET_ASIDE),
    "an id that is not a number": (lambda i, t: {"post": _post("12ab", t)}, SET_ASIDE),
    "an id too large for any post": (lambda i, t: {"post": _post("9" * 25, t)}, SET_ASIDE),
    "an id given as a number": (lambda i, t: {"post": _post(int(i), t)}, STORED),
    "no text": (lambda i, t: {"post": _without(_post(i, t), "text")}, SET_ASIDE),
    "text as a list": (lambda i, t: {"post": _post(i, [t])}, SET_ASIDE),
    "not an object at all": (lambda i, t: {"post": f"{i} {t}"}, SET_ASIDE),
    "no author_id": (lambda i, t: {"post": _without(_post(i, t), "author_id")}, STORED),
    "author_id as a number": (lambda i, t: {"post": _post(i, t, author_id=int(AUTHOR_ID)), "users": [_user()]}, STORED),
    "an unreadable created_at": (lambda i, t: {"post": _post(i, t, created_at="yesterday teatime")}, STORED),
    "created_at as a number": (lambda i, t: {"post": _post(i, t, created_at=1767000000)}, STORED),
    "created_at without a zone": (lambda i, t: {"post": _post(i, t, created_at="2026-11-02T09:30:00")}, STORED),
    "wrong-typed optional fields": (
        lambda i, t: {
            "post": _post(
                i,
                t,
                lang=7,
                conversation_id=["1"],
                in_reply_to_user_id={"id": "1"},
                referenced_tweets="replied_to",
                entities={"mentions": "everyone", "urls": [1, {"expanded_url": 5}], "hashtags": [{"tag": ["x"]}]},
            )
        },
        STORED,
    ),
    "public_metrics as a string": (lambda i, t: {"post": _post(i, t), "users": [_user(public_metrics="many")]}, STORED),
    "user fields holding nul and a lone surrogate": (
        lambda i, t: {"post": _post(i, t), "users": [_user(username="odd\x00_one", name="Odd\x00 \udc00One")]},
        STORED,
    ),
    "an unreadable user among the authors": (
        lambda i, t: {
            "post": _post(i, t),
            "users": [{"username": "ghost"}, "not a user", _user(id=["1"], username="x"), _user()],
        },
        STORED,
    ),
}


@pytest.fixture
def triage(settings):
    from tests.factories import TeamFactory

    settings.TRIAGE_TEAM_SLUG = "triage"
    return TeamFactory(name="Triage", slug="triage")


@pytest.fixture(params=["search", "timeline"])
def path(request, x_sandbox, team, account, triage, settings):
    """A search monitor's cursor, or an account's mention timeline: (cursor, text every good post matches)."""
    if request.param == "search":
        MonitorFactory(team=team, query="passport")
        cursors = ingest.cursors_sync()
        return next(c for c in cursors if c.kind == PollCursor.Kind.SEARCH), "passport delayed"
    settings.MONITORING_MENTIONS_SOURCE = "timeline"
    x_sandbox.register_account(account)
    cursors = ingest.cursors_sync()
    return next(c for c in cursors if c.kind == PollCursor.Kind.TIMELINE), f"@{account.handle} passport delayed"


@pytest.mark.parametrize("shape", SHAPES)
def test_a_malformed_post_in_a_page_of_good_ones_is_cleaned_or_set_aside_and_the_cursor_moves_on(
    x_sandbox, path, shape, caplog
):
    cursor, text = path
    good = [x_sandbox.inject_post(f"citizen{n}", f"{text} {n}") for n in range(3)]
    newest = max(int(p["id"]) for p in good)
    bad_id = str(newest + 1)
    make, fate = SHAPES[shape]
    x_sandbox.set_faults(malformed=[make(bad_id, text)])

    with caplog.at_level(logging.WARNING):
        outcome = ingest.cursor_poll(cursor_id=cursor.pk)

    assert outcome.status == "stored", outcome.message
    stored = {str(m.tweet_id): m for m in Mention.objects.all()}
    assert {p["id"] for p in good} <= set(stored)
    for post in good:  # the good posts are stored whole, with their authors, and routed
        mention = stored[post["id"]]
        assert mention.text == post["text"] and mention.author_username.startswith("citizen")
    assert InboxItem.objects.filter(mention__tweet_id__in=[int(p["id"]) for p in good]).count() == 3
    if cursor.kind == PollCursor.Kind.SEARCH:
        assert MentionMatch.objects.filter(monitor__isnull=False).count() == len(stored)
    run = PollRun.objects.get(cursor=cursor)
    if fate == STORED:
        assert bad_id in stored and InboxItem.objects.filter(mention=stored[bad_id]).exists()
        assert (outcome.skipped, run.skipped) == (0, 0)
    else:
        assert set(stored) == {p["id"] for p in good}
        assert (outcome.skipped, run.skipped) == (1, 1)
        assert "set aside" in caplog.text.lower()
    assert run.posts_read == 4  # X bills the malformed post too
    for mention in stored.values():  # nothing stored holds what PostgreSQL or UTF-8 refuse
        for value in (mention.text, mention.author_username, mention.author_name, mention.author_x_id):
            assert "\x00" not in value and value.encode("utf-8").decode() == value

    cursor.refresh_from_db()
    assert cursor.since_id >= newest and cursor.last_error == ""
    again = ingest.cursor_poll(cursor_id=cursor.pk)
    assert (again.status, again.posts_read) == ("stored", 0)  # the page is not read again


@pytest.mark.parametrize(
    ("shape", "check"),
    [
        ("nul in the text", lambda m: m.text == "passport delayed help"),
        ("a lone surrogate in the text", lambda m: m.text == "passport delayed \ufffd help"),
        ("an id given as a number", lambda m: m.author_username == "" and m.author_x_id == AUTHOR_ID),
        ("no author_id", lambda m: (m.author_x_id, m.author_username) == ("", "")),
        ("author_id as a number", lambda m: (m.author_x_id, m.author_username) == (AUTHOR_ID, "odd_one")),
        ("an unreadable created_at", lambda m: m.posted_at == snowflake_time(m.tweet_id)),
        ("created_at without a zone", lambda m: m.posted_at.isoformat() == "2026-11-02T09:30:00+00:00"),
        ("public_metrics as a string", lambda m: (m.author_username, m.author_followers) == ("odd_one", 0)),
        (
            "user fields holding nul and a lone surrogate",
            lambda m: (m.author_username, m.author_name) == ("odd_one", "Odd \ufffdOne"),
        ),
        ("an unreadable user among the authors", lambda m: m.author_username == "odd_one"),
    ],
)
def test_what_can_be_cleaned_is_stored_cleaned(x_sandbox, team, triage, shape, check):
    MonitorFactory(team=team, query="passport")
    (cursor,) = ingest.cursors_sync()
    good = x_sandbox.inject_post("citizen", "passport delayed again")
    bad_id = str(int(good["id"]) + 1)
    x_sandbox.set_faults(malformed=[SHAPES[shape][0](bad_id, "passport delayed")])
    ingest.cursor_poll(cursor_id=cursor.pk)
    assert check(Mention.objects.get(tweet_id=int(bad_id)))


def test_a_set_aside_post_is_logged_with_its_id_and_why(x_sandbox, team, triage, caplog):
    MonitorFactory(team=team, query="passport")
    (cursor,) = ingest.cursors_sync()
    good = x_sandbox.inject_post("citizen", "passport delayed again")
    bad_id = str(int(good["id"]) + 1)
    x_sandbox.set_faults(malformed=[{"post": _post(bad_id, ["passport"])}, {"post": _without(_post("1", "x"), "id")}])
    with caplog.at_level(logging.WARNING, logger="twitter_api.client"):
        ingest.cursor_poll(cursor_id=cursor.pk)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(bad_id in w and "text" in w for w in warnings), warnings
    assert any("no id" in w for w in warnings), warnings


def test_the_usage_page_says_how_many_posts_were_set_aside_this_month(client, x_sandbox, team, member, triage):
    MonitorFactory(team=team, query="passport")
    (cursor,) = ingest.cursors_sync()
    good = x_sandbox.inject_post("citizen", "passport delayed again")
    bad_id = str(int(good["id"]) + 1)
    x_sandbox.set_faults(malformed=[{"post": _post(bad_id, ["passport"])}, {"post": "garbage"}])
    ingest.cursor_poll(cursor_id=cursor.pk)
    client.force_login(member)
    response = client.get(reverse("monitoring:usage"))
    assert response.context["posts_set_aside"] == 2
    assert "2 posts from X were set aside as unreadable this month" in " ".join(response.text.split())


def test_storing_never_fails_on_text_postgresql_or_utf8_refuses(team, triage):
    """Whatever reaches the store (the client cleans first), NULs and lone surrogates are cleaned there too."""
    MonitorFactory(team=team, query="passport")
    (cursor,) = ingest.cursors_sync()
    token = ingest._claim(cursor.pk, ingest.timezone.now())
    post = make_post("passport\x00 \ud800delayed", username="odd\x00one")
    outcome = ingest.poll_store(cursor=cursor, token=token, pages=[[post]])
    assert outcome.posts_new == 1
    mention = Mention.objects.get()
    assert (mention.text, mention.author_username) == ("passport \ufffddelayed", "oddone")
    assert InboxItem.objects.filter(mention=mention).exists()
