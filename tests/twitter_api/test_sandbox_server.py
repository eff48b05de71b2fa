"""The sandbox server's own behaviour: X's validation errors, auth, control endpoints, persistence."""

import pytest
import requests
from requests_oauthlib import OAuth1

from twitter_api.sandbox import SandboxState
from twitter_api.sandbox.server import oauth1_signature


@pytest.fixture
def http():
    session = requests.Session()
    session.trust_env = False
    return session


@pytest.fixture
def bearer(settings):
    return {"Authorization": f"Bearer {settings.X_BEARER_TOKEN}"}


@pytest.fixture
def user_auth(x_sandbox, settings):
    x_sandbox.state.add_user(
        id="1500000000000000001", username="DeptForExample", access_token="t", access_token_secret="s"
    )
    return OAuth1(settings.X_CONSUMER_KEY, settings.X_CONSUMER_SECRET, "t", "s")


def test_the_signature_matches_rfc_5849s_worked_example():
    # RFC 5849 section 1.2 (photos.example.net), signed with HMAC-SHA1.
    params = [
        ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
        ("oauth_token", "nnch734d00sl2jdk"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "1191242096"),
        ("oauth_nonce", "kllo9940pd9333jh"),
        ("oauth_version", "1.0"),
        ("file", "vacation.jpg"),
        ("size", "original"),
    ]
    signature = oauth1_signature(
        "GET", "http://photos.example.net/photos", params, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00"
    )
    assert signature == "tR3+Ty81lMeYAr/Fid0kMTYa/WM="


def test_a_tampered_request_fails_the_signature_check(x_sandbox, http, user_auth):
    prepared = http.prepare_request(requests.Request("GET", "https://api.twitter.com/2/users/me", auth=user_auth))
    prepared.url = f"{x_sandbox.url}/2/users/me?user.fields=verified"  # parameters added after signing

    assert http.send(prepared, timeout=5).status_code == 401


def test_user_only_endpoints_refuse_app_authentication_like_x(x_sandbox, http, bearer):
    response = http.post(f"{x_sandbox.url}/2/tweets", json={"text": "hi"}, headers=bearer, timeout=5)

    assert response.status_code == 403
    assert response.json()["title"] == "Unsupported Authentication"


def test_max_results_outside_xs_range_gets_xs_invalid_request(x_sandbox, http, bearer):
    response = http.get(
        f"{x_sandbox.url}/2/tweets/search/recent", params={"query": "tax", "max_results": 5}, headers=bearer, timeout=5
    )

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "parameters": {"max_results": ["5"]},
                "message": "The `max_results` query parameter value [5] is not between 10 and 100",
            }
        ],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.x.com/2/problems/invalid-request",  # spec 2.167's host (X once sent api.twitter.com)
    }


def test_a_made_up_pagination_token_is_refused(x_sandbox, http, bearer):
    response = http.get(
        f"{x_sandbox.url}/2/tweets/search/recent",
        params={"query": "tax", "next_token": "nope"},
        headers=bearer,
        timeout=5,
    )

    assert response.status_code == 400
    assert "next_token" in response.json()["errors"][0]["parameters"]


def test_an_unknown_path_is_xs_404(x_sandbox, http, bearer):
    response = http.get(f"{x_sandbox.url}/2/spaces/search", headers=bearer, timeout=5)

    assert response.status_code == 404
    assert response.json()["title"] == "Not Found Error"


def test_rate_limit_headers_count_down_and_a_429_carries_the_reset(x_sandbox, http, bearer):
    x_sandbox.set_rate_limit("GET /2/tweets/search/recent", 2, window_seconds=60)
    url = f"{x_sandbox.url}/2/tweets/search/recent"

    first, second, third = (http.get(url, params={"query": "tax"}, headers=bearer, timeout=5) for _ in range(3))

    assert [r.headers["x-rate-limit-remaining"] for r in (first, second, third)] == ["1", "0", "0"]
    assert third.status_code == 429
    assert third.json() == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    assert third.headers["x-rate-limit-reset"] == first.headers["x-rate-limit-reset"]


def test_a_random_error_rate_is_reproducible_by_seed(x_sandbox, http, bearer):
    def statuses():
        x_sandbox.set_faults(error_rate=0.5, seed=3)
        url = f"{x_sandbox.url}/2/tweets/search/recent"
        return [http.get(url, params={"query": "tax"}, headers=bearer, timeout=5).status_code for _ in range(12)]

    first = statuses()
    assert set(first) == {200, 503}
    assert statuses() == first


def test_the_control_endpoints_inject_list_and_fault(x_sandbox, http):
    created = http.post(
        f"{x_sandbox.url}/_sandbox/posts",
        json={"posts": [{"author_username": "a_citizen", "text": "@DeptForExample hi #help", "lang": "en"}]},
        timeout=5,
    )
    assert created.status_code == 201
    (post,) = created.json()["data"]
    assert post["entities"]["hashtags"] == [{"start": 19, "end": 24, "tag": "help"}]

    listed = http.get(f"{x_sandbox.url}/_sandbox/posts", timeout=5).json()["data"]
    assert [(p["id"], p["username"]) for p in listed] == [(post["id"], "a_citizen")]

    faults = http.post(f"{x_sandbox.url}/_sandbox/faults", json={"force_5xx": 2, "latency": 0.01}, timeout=5).json()
    assert faults["data"]["force_5xx"] == 2
    assert http.post(f"{x_sandbox.url}/_sandbox/faults", json={"bogus": 1}, timeout=5).status_code == 400
    assert http.get(f"{x_sandbox.url}/_sandbox/health", timeout=5).json() == {"ok": True, "posts": 1, "users": 1}


def test_a_malformed_fault_serves_its_items_once_inside_the_next_page_of_good_posts(x_sandbox, http, bearer):
    good = [x_sandbox.inject_post("a_citizen", f"passport {n}") for n in range(3)]
    newest = int(good[-1]["id"])
    bad = {"id": str(newest + 1), "text": "passport \ud83d\x00", "author_id": "7"}
    faults = {"malformed": [{"post": bad, "users": [{"id": "7", "username": "\udc00"}]}, {"post": ["no", "id"]}]}
    assert http.post(f"{x_sandbox.url}/_sandbox/faults", json=faults, timeout=5).status_code == 200
    url = f"{x_sandbox.url}/2/tweets/search/recent?query=passport&expansions=author_id"
    page = http.get(url, headers=bearer, timeout=5)
    assert b"\\ud83d" in page.content and b"\\u0000" in page.content  # escaped in the JSON, as X would send them
    payload = page.json()
    assert payload["data"][0] == bad  # in id order: the newest
    assert ["no", "id"] in payload["data"] and len(payload["data"]) == 5
    assert payload["meta"]["newest_id"] == bad["id"] and payload["meta"]["result_count"] == 5
    assert {"id": "7", "username": "\udc00"} in payload["includes"]["users"]
    assert len(http.get(url, headers=bearer, timeout=5).json()["data"]) == 3  # served once


def test_entities_are_parsed_like_x(x_sandbox):
    x_sandbox.state.add_user(id="1500000000000000001", username="DeptForExample")

    text = "@deptforexample see https://www.gov.uk/tax and #TaxReturn2026 or $GBP, not me@example.com"
    post = x_sandbox.inject_post("citizen", text)

    entities = post["entities"]
    assert entities["mentions"] == [{"start": 0, "end": 15, "username": "deptforexample", "id": "1500000000000000001"}]
    tag_at, cash_at = text.index("#Tax"), text.index("$GBP")
    assert entities["hashtags"] == [{"start": tag_at, "end": tag_at + 14, "tag": "TaxReturn2026"}]
    assert entities["cashtags"] == [{"start": cash_at, "end": cash_at + 4, "tag": "GBP"}]
    assert [u["expanded_url"] for u in entities["urls"]] == ["https://www.gov.uk/tax"]


def test_a_reply_joins_its_parents_conversation(x_sandbox):
    root = x_sandbox.inject_post("first_person", "Root post")
    reply = x_sandbox.inject_post("second_person", "@first_person a reply", in_reply_to_post_id=root["id"])
    again = x_sandbox.inject_post(
        "third_person", "@second_person a reply to the reply", in_reply_to_post_id=reply["id"]
    )

    assert again["conversation_id"] == root["id"]
    assert again["in_reply_to_user_id"] == reply["author_id"]


def test_ids_increase_in_the_order_posts_arrive_whatever_their_created_time(x_sandbox):
    from datetime import UTC, datetime, timedelta

    newer = x_sandbox.inject_post("a", "one")
    backdated = x_sandbox.inject_post("b", "two", created_at=datetime.now(tz=UTC) - timedelta(days=2))

    assert int(backdated["id"]) > int(newer["id"])
    assert backdated["created_at"] < newer["created_at"]


def test_a_deleted_post_may_be_posted_again(x_sandbox):
    state = x_sandbox.state
    user = state.add_user(username="DeptForExample", access_token="t", access_token_secret="s")
    first = state.create_post(author=user, text="Once more", in_reply_to_post_id=None)
    state.delete_post(author=user, post_id=first.post.id)

    again = state.create_post(author=user, text="Once more", in_reply_to_post_id=None)

    assert again.post.id != first.post.id


def test_state_survives_a_save_and_load_with_its_ids(tmp_path):
    state = SandboxState()
    user = state.add_user(
        id="1500000000000000001", username="DeptForExample", access_token="t", access_token_secret="s"
    )
    root = state.inject_post("citizen", "@DeptForExample hello")
    reply = state.create_post(author=user, text="Hello back", in_reply_to_post_id=root["id"])
    gone = state.create_post(author=user, text="Deleted", in_reply_to_post_id=None)
    state.delete_post(author=user, post_id=gone.post.id)
    path = tmp_path / "sandbox.json"

    state.save(str(path))
    restored = SandboxState()
    restored.load(str(path))

    assert restored.posts_by(user.id) == state.posts_by(user.id)
    assert restored.tokens["t"].username == "DeptForExample"
    assert [p.post.id for p in restored.mentions_of(restored.users[user.id])] == [root["id"]]
    assert restored.by_id[reply.post.id].post.conversation_id == root["id"]
    later = restored.inject_post("citizen", "after restart")
    assert int(later["id"]) > int(gone.post.id)


def test_search_with_since_id_stops_at_the_cursor_in_a_large_state():
    from twitter_api.sandbox.simulator import populate

    state = SandboxState()
    ids = populate(state, 5_000, seed=1)
    seen = []

    def predicate(stored):
        seen.append(stored.post.id)
        return True

    found, more = state.page(state.posts, since_id=ids[-50], until_id=None, limit=100, predicate=predicate)

    assert len(found) == 49 and not more
    assert len(seen) == 49


def test_posts_with_the_same_text_share_one_analysis_until_their_entities_differ():
    state = SandboxState()
    alice, bob, carol = (state.user_for_author(name) for name in ("alice", "bob", "carol"))
    first = state.add_post(author=alice, text="@newdept where is my refund?")
    second = state.add_post(author=bob, text="@newdept where is my refund?")
    assert state.analysed_text(first) is state.analysed_text(second)

    state.add_user(username="newdept")  # X now knows the name: later posts' mentions carry its id
    third = state.add_post(author=carol, text="@newdept where is my refund?")

    assert third.post.entities["mentions"][0]["id"] == state.users_by_name["newdept"].id
    assert state.analysed_text(third).entities is third.post.entities
    assert state.analysed_text(third).mention_pairs == (("newdept", state.users_by_name["newdept"].id),)


@pytest.mark.django_db
def test_a_search_tells_apart_posts_with_the_same_text_by_author_and_language(x_sandbox):
    from twitter_api import client

    x_sandbox.inject_post("citizen_a", "passport office closed again")
    wanted = x_sandbox.inject_post("citizen_b", "passport office closed again", lang="en")
    x_sandbox.inject_post("citizen_b", "passport office closed again", lang="cy")

    page = client.search_recent("passport from:citizen_b lang:en")

    assert [p.id for p in page.posts] == [wanted["id"]]


def _search_page(state, query):
    """The sandbox's first page of posts for a parsed query, as its search endpoint reads it."""
    return state.page(
        state.posts,
        since_id=None,
        until_id=None,
        limit=10,
        predicate=lambda stored: query.matches(stored.post),
        query_root=query.root,
    )


def test_a_search_scans_no_post_holding_a_hashtag_or_mention_it_excludes():
    from twitter_api.query import parse

    state = SandboxState()
    author = state.user_for_author("citizen")
    kept = state.add_post(author=author, text="passport office closed")
    state.add_post(author=author, text="@DeptForExample passport office closed")
    state.add_post(author=author, text="passport office closed #spam")
    also_kept = state.add_post(author=author, text="passport office closed, says @SomeoneElse #Spamalot")
    query = parse("passport -@deptforexample -#spam")

    candidates = state.search_candidates(query.root)
    found, more = _search_page(state, query)

    assert candidates == [kept, also_kept]
    assert (found, more) == ([also_kept, kept], False)


def test_an_excluded_term_the_index_cannot_hold_leaves_the_candidates_to_the_matcher():
    from twitter_api.query import parse

    state = SandboxState()
    author = state.user_for_author("citizen")
    posts = [state.add_post(author=author, text=text) for text in ("passport delays", "passport office delays")]
    query = parse('passport -"office delays"')

    assert state.search_candidates(query.root) == posts
    found, _ = _search_page(state, query)
    assert found == [posts[0]]


def test_a_query_nested_too_deep_gets_xs_invalid_request(x_sandbox, http, bearer):
    query = "(" * 254 + "tax" + ")" * 254  # 511 characters: within X's 512

    response = http.get(f"{x_sandbox.url}/2/tweets/search/recent", params={"query": query}, headers=bearer, timeout=5)

    assert response.status_code == 400
    assert response.json()["title"] == "Invalid Request"
    assert "Brackets are nested 254 deep" in response.json()["errors"][0]["message"]
