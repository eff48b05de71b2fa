"""The sandbox speaks X's current contract: every endpoint it serves answers, in success and in error, with bodies
valid against X's OpenAPI description (tests/twitter_api/contract.py says how "valid" is decided).

CASES holds, for each endpoint the sandbox serves (twitter_api.sandbox.server._ROUTES), at least one success and
one error; a test checks that it does, so a new endpoint fails here until its answers are validated too.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import requests
from requests_oauthlib import OAuth1

from tests.twitter_api import contract
from twitter_api.sandbox import server

USER_ID = "1500000000000000001"
OTHER_ID = "1500000000000000002"


@dataclass
class World:
    """What a case needs: the sandbox, a session, the department's signed auth, another user's, the bearer."""

    sandbox: object
    http: requests.Session
    auth: OAuth1
    other_auth: OAuth1
    bearer: dict

    def call(self, method: str, path: str, *, auth="user", **kwargs) -> requests.Response:
        options = {"user": {"auth": self.auth}, "other": {"auth": self.other_auth}, "app": {"headers": self.bearer}}
        return self.http.request(method, self.sandbox.url + path, timeout=10, **options.get(auth, {}), **kwargs)

    def post(self, text: str, author: str = "DeptForExample", **kwargs) -> str:
        return self.sandbox.inject_post(author, text, **kwargs)["id"]


@pytest.fixture
def world(x_sandbox, settings):
    state = x_sandbox.state
    state.add_user(id=USER_ID, username="DeptForExample", access_token="t", access_token_secret="s")
    state.add_user(id=OTHER_ID, username="citizen_jo", access_token="t2", access_token_secret="s2")
    session = requests.Session()
    session.trust_env = False
    return World(
        sandbox=x_sandbox,
        http=session,
        auth=OAuth1(settings.X_CONSUMER_KEY, settings.X_CONSUMER_SECRET, "t", "s"),
        other_auth=OAuth1(settings.X_CONSUMER_KEY, settings.X_CONSUMER_SECRET, "t2", "s2"),
        bearer={"Authorization": f"Bearer {settings.X_BEARER_TOKEN}"},
    )


@dataclass(frozen=True)
class Case:
    endpoint: str  # as server._ROUTES names it
    outcome: str  # "success" or "error"
    status: int
    make: Callable[[World], requests.Response]


FULL_FIELDS = {
    "tweet.fields": "created_at,conversation_id,lang,in_reply_to_user_id,entities,referenced_tweets,author_id",
    "expansions": "author_id",
    "user.fields": "username,name,verified,public_metrics",
}
POST_FIELDS = {**FULL_FIELDS, "post.fields": FULL_FIELDS["tweet.fields"]}
del POST_FIELDS["tweet.fields"]


def _lookup(w: World, ids: list[str], name: str = "tweet.fields") -> requests.Response:
    fields = "created_at,public_metrics,non_public_metrics,organic_metrics,edit_history_tweet_ids"
    return w.call("GET", "/2/tweets", params={"ids": ",".join(ids), name: fields})


def _reply_not_summoned(w: World) -> requests.Response:
    parent = w.post("Nothing to do with the department.", author="citizen_jo")
    return w.call("POST", "/2/tweets", json={"text": "Hello", "reply": {"in_reply_to_tweet_id": parent}})


def _reply_summoned(w: World) -> requests.Response:
    parent = w.post("@DeptForExample when do applications open?", author="citizen_jo")
    return w.call("POST", "/2/tweets", json={"text": "On Monday.", "reply": {"in_reply_to_tweet_id": parent}})


def _credits_out(w: World, method: str, path: str, **kwargs) -> requests.Response:
    w.sandbox.state.set_credits(exhausted=True)
    return w.call(method, path, **kwargs)


def _read_cap(w: World, method: str, path: str, **kwargs) -> requests.Response:
    w.sandbox.state.set_credits(read_cap_reached=True)
    return w.call(method, path, **kwargs)


def _delete_own(w: World) -> requests.Response:
    return w.call("DELETE", f"/2/tweets/{w.post('Delete me.')}")


def _mentions(w: World, params: dict) -> requests.Response:
    w.post("@DeptForExample thanks for the update #news $GOV https://example.com", author="citizen_jo")
    return w.call("GET", f"/2/users/{USER_ID}/mentions", params=params)


def _search(w: World, params: dict, auth: str = "app") -> requests.Response:
    w.post("Flooding on the A1 near #York today https://example.com/a", author="citizen_jo")
    return w.call("GET", "/2/tweets/search/recent", params=params, auth=auth)


CASES = {
    # POST /2/tweets
    "create": Case("POST /2/tweets", "success", 201, lambda w: w.call("POST", "/2/tweets", json={"text": "Hello."})),
    "create summoned reply": Case("POST /2/tweets", "success", 201, _reply_summoned),
    "create without text": Case("POST /2/tweets", "error", 400, lambda w: w.call("POST", "/2/tweets", json={})),
    "create duplicate": Case(
        "POST /2/tweets",
        "error",
        403,
        lambda w: [
            w.call("POST", "/2/tweets", json={"text": "Twice."}),
            w.call("POST", "/2/tweets", json={"text": "Twice."}),
        ][-1],
    ),
    "create reply not summoned": Case("POST /2/tweets", "error", 403, _reply_not_summoned),
    "create quote post": Case(
        "POST /2/tweets",
        "error",
        403,
        lambda w: w.call(
            "POST", "/2/tweets", json={"text": "Look", "quote_tweet_id": w.post("Quote me", author="citizen_jo")}
        ),
    ),
    "create with bad credentials": Case(
        "POST /2/tweets", "error", 401, lambda w: w.call("POST", "/2/tweets", auth="none", json={"text": "x"})
    ),
    "create as the app": Case(
        "POST /2/tweets", "error", 403, lambda w: w.call("POST", "/2/tweets", auth="app", json={"text": "x"})
    ),
    "create rate limited": Case(
        "POST /2/tweets",
        "error",
        429,
        lambda w: (w.sandbox.set_faults(force_429=1), w.call("POST", "/2/tweets", json={"text": "x"}))[1],
    ),
    "create when X fails": Case(
        "POST /2/tweets",
        "error",
        503,
        lambda w: (w.sandbox.set_faults(force_5xx=1), w.call("POST", "/2/tweets", json={"text": "x"}))[1],
    ),
    "create without credits": Case(
        "POST /2/tweets", "error", 402, lambda w: _credits_out(w, "POST", "/2/tweets", json={"text": "x"})
    ),
    "create over the usage cap": Case(
        "POST /2/tweets",
        "error",
        429,
        lambda w: (w.sandbox.state.set_credits(answer=429), _credits_out(w, "POST", "/2/tweets", json={"text": "x"}))[
            1
        ],
    ),
    # DELETE /2/tweets/:id
    "delete": Case("DELETE /2/tweets/:id", "success", 200, _delete_own),
    "delete a missing post": Case("DELETE /2/tweets/:id", "error", 404, lambda w: w.call("DELETE", "/2/tweets/12345")),
    "delete someone else's": Case(
        "DELETE /2/tweets/:id",
        "error",
        403,
        lambda w: w.call("DELETE", f"/2/tweets/{w.post('Not yours', author='citizen_jo')}"),
    ),
    # GET /2/tweets/:id
    "post": Case(
        "GET /2/tweets/:id",
        "success",
        200,
        lambda w: w.call("GET", f"/2/tweets/{w.post('Hi @citizen_jo')}", params=FULL_FIELDS),
    ),
    "post with post.fields": Case(
        "GET /2/tweets/:id", "success", 200, lambda w: w.call("GET", f"/2/tweets/{w.post('Hi')}", params=POST_FIELDS)
    ),
    "post not found": Case("GET /2/tweets/:id", "error", 200, lambda w: w.call("GET", "/2/tweets/12345")),
    # GET /2/tweets?ids= (own posts' figures: twitter_api.metrics)
    "posts with figures": Case(
        "GET /2/tweets", "success", 200, lambda w: _lookup(w, [w.post("Ours."), w.post("Too.")])
    ),
    "posts with post.fields": Case(
        "GET /2/tweets", "success", 200, lambda w: _lookup(w, [w.post("Ours.")], name="post.fields")
    ),
    "posts, one deleted": Case("GET /2/tweets", "success", 200, lambda w: _lookup(w, [w.post("Here."), "12345"])),
    "posts, all gone": Case("GET /2/tweets", "error", 200, lambda w: _lookup(w, ["12345"])),
    "posts, bad ids": Case("GET /2/tweets", "error", 400, lambda w: _lookup(w, ["abc"])),
    "posts at the read cap": Case("GET /2/tweets", "error", 429, lambda w: _read_cap(w, "GET", "/2/tweets?ids=1")),
    # GET /2/users/me
    "me": Case(
        "GET /2/users/me",
        "success",
        200,
        lambda w: w.call("GET", "/2/users/me", params={"user.fields": "verified,public_metrics,created_at,protected"}),
    ),
    "me as the app": Case("GET /2/users/me", "error", 403, lambda w: w.call("GET", "/2/users/me", auth="app")),
    # GET /2/users/:id (the takeover tripwire reads the account's profile)
    "profile": Case(
        "GET /2/users/:id",
        "success",
        200,
        lambda w: (
            w.sandbox.state.update_profile(USER_ID, description="Official account", url="https://gov.uk"),
            w.call(
                "GET", f"/2/users/{USER_ID}", params={"user.fields": "username,name,description,profile_image_url,url"}
            ),
        )[1],
    ),
    "profile of an unknown user": Case(
        "GET /2/users/:id", "error", 200, lambda w: w.call("GET", "/2/users/1999999999999999999")
    ),
    # GET /2/users/:id/mentions
    "mentions": Case("GET /2/users/:id/mentions", "success", 200, lambda w: _mentions(w, FULL_FIELDS)),
    "mentions with post.fields": Case("GET /2/users/:id/mentions", "success", 200, lambda w: _mentions(w, POST_FIELDS)),
    "mentions, none": Case(
        "GET /2/users/:id/mentions", "success", 200, lambda w: w.call("GET", f"/2/users/{USER_ID}/mentions")
    ),
    "mentions of an unknown user": Case(
        "GET /2/users/:id/mentions", "error", 200, lambda w: w.call("GET", "/2/users/999/mentions")
    ),
    "mentions, bad max_results": Case(
        "GET /2/users/:id/mentions",
        "error",
        400,
        lambda w: w.call("GET", f"/2/users/{USER_ID}/mentions", params={"max_results": "1000"}),
    ),
    "mentions at the read cap": Case(
        "GET /2/users/:id/mentions", "error", 429, lambda w: _read_cap(w, "GET", f"/2/users/{USER_ID}/mentions")
    ),
    "mentions without credits": Case(
        "GET /2/users/:id/mentions", "error", 402, lambda w: _credits_out(w, "GET", f"/2/users/{USER_ID}/mentions")
    ),
    # GET /2/users/:id/tweets
    "user posts": Case(
        "GET /2/users/:id/tweets",
        "success",
        200,
        lambda w: (w.post("Mine."), w.call("GET", f"/2/users/{USER_ID}/tweets", params=FULL_FIELDS))[1],
    ),
    "user posts, bad since_id": Case(
        "GET /2/users/:id/tweets",
        "error",
        400,
        lambda w: w.call("GET", f"/2/users/{USER_ID}/tweets", params={"since_id": "abc"}),
    ),
    # GET /2/tweets/search/recent
    "search": Case(
        "GET /2/tweets/search/recent", "success", 200, lambda w: _search(w, {"query": "York", **FULL_FIELDS})
    ),
    "search with post.fields": Case(
        "GET /2/tweets/search/recent", "success", 200, lambda w: _search(w, {"query": "York", **POST_FIELDS})
    ),
    "search, nothing found": Case(
        "GET /2/tweets/search/recent", "success", 200, lambda w: _search(w, {"query": "nothingmatches"})
    ),
    "search, empty query": Case("GET /2/tweets/search/recent", "error", 400, lambda w: _search(w, {"query": ""})),
    "search, query too long": Case(
        "GET /2/tweets/search/recent", "error", 400, lambda w: _search(w, {"query": "a " * 400})
    ),
    "search, bad bearer": Case(
        "GET /2/tweets/search/recent",
        "error",
        401,
        lambda w: w.http.get(
            w.sandbox.url + "/2/tweets/search/recent", params={"query": "x"}, headers={"Authorization": "Bearer no"}
        ),
    ),
    "search at the read cap": Case(
        "GET /2/tweets/search/recent",
        "error",
        429,
        lambda w: _read_cap(w, "GET", "/2/tweets/search/recent", params={"query": "x"}, auth="app"),
    ),
}


# --- Direct messages (twitter_api.sandbox.direct) ------------------------------------------------------------------

CONVERSATION = f"{USER_ID}-{OTHER_ID}"
DM_FIELDS = {
    "dm_event.fields": "id,text,event_type,created_at,dm_conversation_id,sender_id,participant_ids",
    "event_types": "MessageCreate",
    "expansions": "sender_id",
    "user.fields": "username,name,verified,public_metrics",
}


def _dm(w: World, text: str = "When is my passport appointment?") -> str:
    """A message from citizen_jo to the department, as the sandbox's control endpoint delivers one."""
    answer = w.http.post(
        w.sandbox.url + "/_sandbox/dms", json={"from": "citizen_jo", "to": "DeptForExample", "text": text}
    )
    return answer.json()["data"]["id"]


def _dm_events(w: World, params: dict | None = None, **kwargs) -> requests.Response:
    _dm(w)
    return w.call("GET", "/2/dm_events", params=params, **kwargs)


def _dm_conversation(w: World, conversation: str = CONVERSATION, params: dict | None = None) -> requests.Response:
    _dm(w)
    return w.call("GET", f"/2/dm_conversations/{conversation}/dm_events", params=params)


def _dm_next_page(w: World) -> requests.Response:
    for n in range(3):
        _dm(w, f"Message {n}")
    first = w.call("GET", "/2/dm_events", params={"max_results": 2}).json()
    return w.call("GET", "/2/dm_events", params={"max_results": 2, "pagination_token": first["meta"]["next_token"]})


def _dm_send(w: World, body: dict, conversation: str = CONVERSATION, **kwargs) -> requests.Response:
    return w.call("POST", f"/2/dm_conversations/{conversation}/messages", json=body, **kwargs)


def _dm_send_to(w: World, body: dict, participant: str = OTHER_ID, **kwargs) -> requests.Response:
    return w.call("POST", f"/2/dm_conversations/with/{participant}/messages", json=body, **kwargs)


DM_CASES = {
    # GET /2/dm_events
    "dm events": Case("GET /2/dm_events", "success", 200, lambda w: _dm_events(w, DM_FIELDS)),
    "dm events, default fields": Case("GET /2/dm_events", "success", 200, _dm_events),
    "dm events, next page": Case("GET /2/dm_events", "success", 200, _dm_next_page),
    "dm events, none": Case("GET /2/dm_events", "success", 200, lambda w: w.call("GET", "/2/dm_events")),
    "dm events, bad max_results": Case("GET /2/dm_events", "error", 400, lambda w: _dm_events(w, {"max_results": "0"})),
    "dm events, bad pagination token": Case(
        "GET /2/dm_events", "error", 400, lambda w: _dm_events(w, {"pagination_token": "not-a-token-at-all"})
    ),
    "dm events, pagination token too short": Case(
        "GET /2/dm_events", "error", 400, lambda w: _dm_events(w, {"pagination_token": "ff"})
    ),
    "dm events, unknown event type": Case(
        "GET /2/dm_events", "error", 400, lambda w: _dm_events(w, {"event_types": "MessageCreate,Typing"})
    ),
    "dm events as the app": Case("GET /2/dm_events", "error", 403, lambda w: _dm_events(w, auth="app")),
    "dm events with bad credentials": Case("GET /2/dm_events", "error", 401, lambda w: _dm_events(w, auth="none")),
    "dm events without credits": Case(
        "GET /2/dm_events", "error", 402, lambda w: _credits_out(w, "GET", "/2/dm_events")
    ),
    "dm events rate limited": Case(
        "GET /2/dm_events", "error", 429, lambda w: (w.sandbox.set_faults(force_429=1), _dm_events(w))[1]
    ),
    # GET /2/dm_conversations/:id/dm_events
    "dm conversation": Case(
        "GET /2/dm_conversations/:id/dm_events", "success", 200, lambda w: _dm_conversation(w, params=DM_FIELDS)
    ),
    "dm conversation, none": Case(
        "GET /2/dm_conversations/:id/dm_events",
        "success",
        200,
        lambda w: w.call("GET", f"/2/dm_conversations/{CONVERSATION}/dm_events"),
    ),
    "dm conversation of others": Case(
        "GET /2/dm_conversations/:id/dm_events",
        "error",
        403,
        lambda w: _dm_conversation(w, f"{OTHER_ID}-1500000000000000003"),
    ),
    "dm conversation, bad max_results": Case(
        "GET /2/dm_conversations/:id/dm_events",
        "error",
        400,
        lambda w: _dm_conversation(w, params={"max_results": "101"}),
    ),
    # POST /2/dm_conversations/:id/messages
    "dm send": Case(
        "POST /2/dm_conversations/:id/messages", "success", 201, lambda w: _dm_send(w, {"text": "Thank you."})
    ),
    "dm send without text": Case("POST /2/dm_conversations/:id/messages", "error", 400, lambda w: _dm_send(w, {})),
    "dm send into others' conversation": Case(
        "POST /2/dm_conversations/:id/messages",
        "error",
        403,
        lambda w: _dm_send(w, {"text": "Hello"}, f"{OTHER_ID}-1500000000000000003"),
    ),
    "dm send with a field X does not take": Case(
        "POST /2/dm_conversations/:id/messages", "error", 400, lambda w: _dm_send(w, {"text": "x", "reply_to": "1"})
    ),
    "dm send into a group the account is not in": Case(
        "POST /2/dm_conversations/:id/messages",
        "error",
        403,
        lambda w: _dm_send(w, {"text": "x"}, "123456789012345678"),
    ),
    "dm send as the app": Case(
        "POST /2/dm_conversations/:id/messages", "error", 403, lambda w: _dm_send(w, {"text": "x"}, auth="app")
    ),
    "dm send when X fails": Case(
        "POST /2/dm_conversations/:id/messages",
        "error",
        503,
        lambda w: (w.sandbox.set_faults(force_5xx=1), _dm_send(w, {"text": "x"}))[1],
    ),
    "dm send without credits": Case(
        "POST /2/dm_conversations/:id/messages",
        "error",
        402,
        lambda w: _credits_out(w, "POST", f"/2/dm_conversations/{CONVERSATION}/messages", json={"text": "x"}),
    ),
    # POST /2/dm_conversations/with/:participant_id/messages
    "dm send to a participant": Case(
        "POST /2/dm_conversations/with/:participant_id/messages",
        "success",
        201,
        lambda w: _dm_send_to(w, {"text": "Thank you."}),
    ),
    "dm send to an unknown participant": Case(
        "POST /2/dm_conversations/with/:participant_id/messages",
        "error",
        400,
        lambda w: _dm_send_to(w, {"text": "Hello"}, "1500000000000000099"),
    ),
    "dm send to a participant, empty text": Case(
        "POST /2/dm_conversations/with/:participant_id/messages",
        "error",
        400,
        lambda w: _dm_send_to(w, {"text": ""}),
    ),
    "dm send to a participant rate limited": Case(
        "POST /2/dm_conversations/with/:participant_id/messages",
        "error",
        429,
        lambda w: (w.sandbox.set_faults(force_429=1), _dm_send_to(w, {"text": "x"}))[1],
    ),
}
CASES.update(DM_CASES)


# --- Media (twitter_api.sandbox.media) ----------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"p" * 56
SRT = b"1\n00:00:00,000 --> 00:00:01,000\nHello\n"


def _initialize(w: World, media_type="image/png", category="tweet_image", size=len(PNG)) -> requests.Response:
    body = {"media_type": media_type, "total_bytes": size, "media_category": category}
    return w.call("POST", "/2/media/upload/initialize", json=body)


def _uploaded(w: World, content=PNG, media_type="image/png", category="tweet_image", *, finalize=True) -> str:
    media_id = _initialize(w, media_type, category, len(content)).json()["data"]["id"]
    w.call("POST", f"/2/media/upload/{media_id}/append", json={"media": _b64(content), "segment_index": 0})
    if finalize:
        w.call("POST", f"/2/media/upload/{media_id}/finalize")
    return media_id


def _b64(content: bytes) -> str:
    import base64

    return base64.b64encode(content).decode()


def _append(w: World) -> requests.Response:
    media_id = _initialize(w).json()["data"]["id"]
    return w.call("POST", f"/2/media/upload/{media_id}/append", json={"media": _b64(PNG), "segment_index": 0})


def _finalize(w: World, media_type="image/png", category="tweet_image", content=PNG) -> requests.Response:
    media_id = _uploaded(w, content, media_type, category, finalize=False)
    return w.call("POST", f"/2/media/upload/{media_id}/finalize")


def _status(w: World) -> requests.Response:
    media_id = _uploaded(w, b"\x00\x00\x00\x18ftypmp42" + b"v" * 40, "video/mp4", "tweet_video")
    return w.call("GET", "/2/media/upload", params={"media_id": media_id, "command": "STATUS"})


def _metadata(w: World, text="A blue rectangle.") -> requests.Response:
    body = {"id": _uploaded(w), "metadata": {"alt_text": {"text": text}}}
    return w.call("POST", "/2/media/metadata", json=body)


def _subtitles(w: World, language="EN") -> requests.Response:
    video = _uploaded(w, b"\x00\x00\x00\x18ftypmp42" + b"v" * 40, "video/mp4", "tweet_video")
    track = _uploaded(w, SRT, "text/srt", "subtitles")
    body = {
        "id": video,
        "media_category": "TweetVideo",
        "subtitles": {"id": track, "language_code": language, "display_name": "English"},
    }
    return w.call("POST", "/2/media/subtitles", json=body)


MEDIA_CASES = {
    "media initialize": Case("POST /2/media/upload/initialize", "success", 200, _initialize),
    "media initialize, unknown type": Case(
        "POST /2/media/upload/initialize", "error", 400, lambda w: _initialize(w, media_type="image/unknown")
    ),
    "media append": Case("POST /2/media/upload/:id/append", "success", 200, _append),
    "media append, unknown id": Case(
        "POST /2/media/upload/:id/append",
        "error",
        400,
        lambda w: w.call("POST", "/2/media/upload/123/append", json={"media": _b64(PNG), "segment_index": 0}),
    ),
    "media finalize": Case("POST /2/media/upload/:id/finalize", "success", 200, _finalize),
    "media finalize, a video to process": Case(
        "POST /2/media/upload/:id/finalize",
        "success",
        200,
        lambda w: _finalize(w, "video/mp4", "tweet_video", b"\x00\x00\x00\x18ftypmp42" + b"v" * 40),
    ),
    "media finalize, unknown id": Case(
        "POST /2/media/upload/:id/finalize", "error", 400, lambda w: w.call("POST", "/2/media/upload/123/finalize")
    ),
    "media status": Case("GET /2/media/upload", "success", 200, _status),
    "media status, unknown id": Case(
        "GET /2/media/upload",
        "error",
        400,
        lambda w: w.call("GET", "/2/media/upload", params={"media_id": "123", "command": "STATUS"}),
    ),
    "media alt text": Case("POST /2/media/metadata", "success", 200, _metadata),
    "media alt text too long": Case("POST /2/media/metadata", "error", 400, lambda w: _metadata(w, "x" * 1001)),
    "media subtitles": Case("POST /2/media/subtitles", "success", 200, _subtitles),
    "media subtitles, bad language": Case("POST /2/media/subtitles", "error", 400, lambda w: _subtitles(w, "en")),
    "media while X fails": Case(
        "POST /2/media/upload/initialize",
        "error",
        503,
        lambda w: (w.sandbox.set_faults(media={"initialize": 1}), _initialize(w))[1],
    ),
    "media without credits": Case(
        "POST /2/media/upload/initialize",
        "error",
        402,
        lambda w: (w.sandbox.state.set_credits(exhausted=True), _initialize(w))[1],
    ),
}
CASES.update(MEDIA_CASES)


def _subscribe(w: World, event_type="post.mention.create") -> requests.Response:
    body = {"event_type": event_type, "filter": {"user_id": USER_ID}, "tag": "dovecote:1"}
    return w.call("POST", "/2/activity/subscriptions", auth="app", json=body)


def _first_line(w: World, path: str, happen: Callable[[World], object]) -> requests.Response:
    """A stream's first event line, as the answer to validate: X's envelope for one event."""
    streaming = w.call("GET", path, auth="app", stream=True)
    happen(w)
    line = next(line for line in streaming.iter_lines() if line.strip())
    streaming.close()
    answer = requests.Response()
    answer.status_code, answer._content = streaming.status_code, line
    answer.headers, answer.request = streaming.headers, streaming.request
    return answer


def _mentioned(w: World) -> None:
    _subscribe(w)
    w.post("@DeptForExample is the office open?", author="citizen_jo")


def _rules_add(w: World, value="passport -is:retweet") -> requests.Response:
    return w.call("POST", "/2/tweets/search/stream/rules", auth="app", json={"add": [{"value": value, "tag": "p"}]})


def _matched(w: World) -> None:
    _rules_add(w)
    w.post("Where is my passport?", author="citizen_jo")


STREAM_CASES = {
    "activity subscribe": Case("POST /2/activity/subscriptions", "success", 200, _subscribe),
    "activity subscribe, unknown event": Case(
        "POST /2/activity/subscriptions", "error", 400, lambda w: _subscribe(w, "post.mention.created")
    ),
    "activity subscriptions": Case(
        "GET /2/activity/subscriptions",
        "success",
        200,
        lambda w: (_subscribe(w), w.call("GET", "/2/activity/subscriptions", auth="app"))[1],
    ),
    "activity subscriptions, no auth": Case(
        "GET /2/activity/subscriptions", "error", 401, lambda w: w.call("GET", "/2/activity/subscriptions", auth="none")
    ),
    "activity unsubscribe": Case(
        "DELETE /2/activity/subscriptions/:id",
        "success",
        200,
        lambda w: w.call(
            "DELETE",
            f"/2/activity/subscriptions/{_subscribe(w).json()['data']['subscription']['subscription_id']}",
            auth="app",
        ),
    ),
    "activity unsubscribe, unknown": Case(
        "DELETE /2/activity/subscriptions/:id",
        "error",
        404,
        lambda w: w.call("DELETE", "/2/activity/subscriptions/123", auth="app"),
    ),
    "activity stream, a mention": Case(
        "GET /2/activity/stream", "success", 200, lambda w: _first_line(w, "/2/activity/stream", _mentioned)
    ),
    "activity stream, a profile change": Case(
        "GET /2/activity/stream",
        "success",
        200,
        lambda w: _first_line(
            w,
            "/2/activity/stream",
            lambda w: (
                _subscribe(w, "profile.update.bio"),
                w.sandbox.state.activity_emit(USER_ID, "profile.update.bio", {"before": "Official", "after": "New"}),
            ),
        ),
    ),
    "activity stream, rate limited": Case(
        "GET /2/activity/stream",
        "error",
        429,
        lambda w: (w.sandbox.set_faults(force_429=1), w.call("GET", "/2/activity/stream", auth="app"))[1],
    ),
    "filtered stream": Case(
        "GET /2/tweets/search/stream", "success", 200, lambda w: _first_line(w, "/2/tweets/search/stream", _matched)
    ),
    "filtered stream, as a user": Case(
        "GET /2/tweets/search/stream", "error", 403, lambda w: w.call("GET", "/2/tweets/search/stream")
    ),
    "stream rules": Case(
        "GET /2/tweets/search/stream/rules",
        "success",
        200,
        lambda w: (_rules_add(w), w.call("GET", "/2/tweets/search/stream/rules", auth="app"))[1],
    ),
    "stream rules, as a user": Case(
        "GET /2/tweets/search/stream/rules", "error", 403, lambda w: w.call("GET", "/2/tweets/search/stream/rules")
    ),
    "stream rules added": Case("POST /2/tweets/search/stream/rules", "success", 200, _rules_add),
    "stream rule that does not parse": Case(
        "POST /2/tweets/search/stream/rules", "error", 400, lambda w: _rules_add(w, "passport (")
    ),
}
CASES.update(STREAM_CASES)


def answer_of(response: requests.Response) -> tuple[str, str, int, object, str]:
    path = requests.utils.urlparse(response.request.url).path
    return response.request.method, path, response.status_code, response.json(), response.headers["content-type"]


@pytest.mark.parametrize("name", list(CASES))
def test_each_answer_is_valid_against_xs_spec(world, name):
    case = CASES[name]
    method, path, status, body, content_type = answer_of(case.make(world))

    assert status == case.status, body
    contract.validate(method, path, status, body, content_type=content_type)
    if case.outcome == "error":
        assert "errors" in body or "title" in body
    else:
        assert "data" in body or body.get("meta", {}).get("result_count") == 0


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.outcome == "error" and c.status != 200])
def test_each_problem_type_is_under_xs_problems_address_or_xs_generic_one(world, name):
    body = CASES[name].make(world).json()
    assert body["type"] == "about:blank" or body["type"].startswith("https://api.x.com/2/problems/")


def test_every_endpoint_the_sandbox_serves_has_a_success_and_an_error_validated():
    served = {endpoint for _, _, endpoint, _ in server._ROUTES}
    covered = {(case.endpoint, case.outcome) for case in CASES.values()}
    missing = sorted(f"{e} ({o})" for e in served for o in ("success", "error") if (e, o) not in covered)
    assert not missing, f"No contract case for: {', '.join(missing)}"


def test_the_contract_refuses_what_x_would_not_send():
    """The validator is not vacuous: a mistyped field, a missing required one, an unknown problem type."""
    with pytest.raises(contract.ContractError):
        contract.validate("DELETE", "/2/tweets/1", 200, {"data": {"deleted": "yes"}})
    with pytest.raises(contract.ContractError):
        contract.validate("GET", "/2/users/1/mentions", 200, {"data": [{"id": 5, "text": "x"}]})  # a numeric id
    with pytest.raises(contract.ContractError):
        contract.validate(
            "GET",
            "/2/users/me",
            401,
            {"title": "x", "detail": "x", "type": "https://api.twitter.com/2/problems/made-up"},
            content_type="application/problem+json",
        )
    with pytest.raises(contract.ContractError):
        contract.validate("GET", "/2/no-such-thing", 200, {})
    with pytest.raises(contract.ContractError):
        contract.validate("GET", "/2/users/1/mentions", 200, {"meta": {"result_count": "0"}})


def test_nullable_is_widened_to_allow_null():
    widened = contract._widen({"type": "string", "nullable": True})
    assert widened == {"type": ["string", "null"]}
    assert contract._widen({"$ref": "#/x", "nullable": True}) == {"anyOf": [{"$ref": "#/x"}, {"type": "null"}]}
