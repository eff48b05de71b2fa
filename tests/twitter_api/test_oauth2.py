"""X's OAuth 2.0 (twitter_api.oauth2) against the sandbox's authorise page, token and revoke endpoints: PKCE, the
confidential client, X's error shapes, and every answer checked before anything is believed."""

import base64
import hashlib
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from twitter_api import oauth2
from twitter_api.errors import Transient
from twitter_api.models import ApiCall

REDIRECT = "http://127.0.0.1:9/callback"
pytestmark = pytest.mark.django_db  # every call to X is metered


@pytest.fixture
def user(x_sandbox):
    return x_sandbox.state.add_user(username="DeptComms", id="9100", access_token="t1", access_token_secret="s1")


def _code(x_sandbox, user, pkce, *, redirect_uri=REDIRECT) -> str:
    url = oauth2.authorize_url(redirect_uri=redirect_uri, state="st", code_challenge=pkce.challenge)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    answer = requests.post(
        x_sandbox.url + "/i/oauth2/authorize", data={**query, "user_id": user.id, "decision": "allow"},
        allow_redirects=False, timeout=5,
    )  # fmt: skip
    back = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert back["state"] == ["st"]
    return back["code"][0]


def test_the_pkce_challenge_is_s256_of_the_verifier():
    pkce = oauth2.pkce_pair()
    assert 43 <= len(pkce.verifier) <= 128
    digest = base64.urlsafe_b64encode(hashlib.sha256(pkce.verifier.encode()).digest()).rstrip(b"=").decode()
    assert pkce.challenge == digest
    assert oauth2.pkce_pair().verifier != pkce.verifier


def test_the_authorise_page_is_xs_own_unless_the_sandbox_is_configured(settings):
    settings.X_API_BASE_URL = ""
    settings.X_OAUTH2_AUTHORIZE_URL = ""
    assert oauth2.authorize_url(redirect_uri=REDIRECT, state="s", code_challenge="c").startswith(
        "https://x.com/i/oauth2/authorize?response_type=code&client_id="
    )
    settings.X_API_BASE_URL = "http://127.0.0.1:8089"
    assert oauth2.authorize_base() == "http://127.0.0.1:8089/i/oauth2/authorize"


def test_a_code_is_exchanged_once_for_tokens_that_act_as_the_user(x_sandbox, user):
    pkce = oauth2.pkce_pair()
    code = _code(x_sandbox, user, pkce)
    tokens = oauth2.code_exchange(code=code, code_verifier=pkce.verifier, redirect_uri=REDIRECT)
    assert set(tokens.scopes) == {"tweet.read", "users.read", "offline.access"}
    assert oauth2.token_user(tokens.access_token).username == "DeptComms"
    assert x_sandbox.state.oauth2_user_id(tokens.access_token) == "9100"
    with pytest.raises(oauth2.GrantRefused):
        oauth2.code_exchange(code=code, code_verifier=pkce.verifier, redirect_uri=REDIRECT)
    calls = list(ApiCall.objects.order_by("id").values_list("method", "endpoint", "status_code", "cost"))
    assert calls == [
        ("POST", "/2/oauth2/token", 200, 0),
        ("GET", "/2/users/me", 200, 0),
        ("POST", "/2/oauth2/token", 400, 0),
    ]


def test_the_wrong_verifier_or_redirect_is_refused(x_sandbox, user):
    pkce = oauth2.pkce_pair()
    code = _code(x_sandbox, user, pkce)
    with pytest.raises(oauth2.GrantRefused, match="code verifier"):
        oauth2.code_exchange(code=code, code_verifier=oauth2.pkce_pair().verifier, redirect_uri=REDIRECT)
    code = _code(x_sandbox, user, pkce)
    with pytest.raises(oauth2.GrantRefused, match="redirect"):
        oauth2.code_exchange(code=code, code_verifier=pkce.verifier, redirect_uri=REDIRECT + "/elsewhere")


def test_a_code_lives_thirty_seconds(x_sandbox, user, time_machine):
    pkce = oauth2.pkce_pair()
    time_machine.move_to(datetime.now(tz=UTC))
    code = _code(x_sandbox, user, pkce)
    time_machine.shift(31)
    with pytest.raises(oauth2.GrantRefused):
        oauth2.code_exchange(code=code, code_verifier=pkce.verifier, redirect_uri=REDIRECT)


def test_the_wrong_client_secret_is_an_administrators_problem(x_sandbox, user, settings):
    pkce = oauth2.pkce_pair()
    code = _code(x_sandbox, user, pkce)
    settings.X_OAUTH2_CLIENT_SECRET = "not-it"
    with pytest.raises(oauth2.ClientRejected, match="X_OAUTH2_CLIENT_SECRET"):
        oauth2.code_exchange(code=code, code_verifier=pkce.verifier, redirect_uri=REDIRECT)


def test_refreshing_rotates_and_revoking_ends_the_grant(x_sandbox, user):
    pkce = oauth2.pkce_pair()
    first = oauth2.code_exchange(code=_code(x_sandbox, user, pkce), code_verifier=pkce.verifier, redirect_uri=REDIRECT)
    second = oauth2.token_refresh(refresh_token=first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert x_sandbox.state.oauth2_user_id(second.access_token) == "9100"
    with pytest.raises(oauth2.GrantRefused):
        oauth2.token_refresh(refresh_token=first.refresh_token)
    assert oauth2.token_revoke(token=second.refresh_token, hint="refresh_token") is True
    assert x_sandbox.state.oauth2_user_id(second.access_token) is None
    with pytest.raises(oauth2.GrantRefused):
        oauth2.token_refresh(refresh_token=second.refresh_token)


def test_an_oauth2_token_is_bearer_user_context_and_the_app_token_is_not(x_sandbox, user, settings):
    pkce = oauth2.pkce_pair()
    tokens = oauth2.code_exchange(code=_code(x_sandbox, user, pkce), code_verifier=pkce.verifier, redirect_uri=REDIRECT)
    me = requests.get(x_sandbox.url + "/2/users/me", headers={"Authorization": f"Bearer {tokens.access_token}"})
    assert me.json()["data"]["id"] == "9100"
    app = requests.get(x_sandbox.url + "/2/users/me", headers={"Authorization": f"Bearer {settings.X_BEARER_TOKEN}"})
    assert app.status_code == 403
    x_sandbox.state.oauth2.control("POST", {"expire_access": True})
    lapsed = requests.get(x_sandbox.url + "/2/users/me", headers={"Authorization": f"Bearer {tokens.access_token}"})
    assert lapsed.status_code == 401


def test_x_failing_is_transient(x_sandbox, user):
    x_sandbox.set_faults(force_5xx=1)
    with pytest.raises(Transient):
        oauth2.token_refresh(refresh_token="anything")


def test_the_consent_page_refuses_an_unknown_app_and_sends_bad_requests_back(x_sandbox, user):
    page = requests.get(x_sandbox.url + "/i/oauth2/authorize", params={"client_id": "nobody", "redirect_uri": REDIRECT})
    assert page.status_code == 400 and "Something went wrong" in page.text
    url = oauth2.authorize_url(redirect_uri=REDIRECT, state="st", code_challenge="")
    back = requests.get(url, allow_redirects=False)
    assert back.status_code == 302
    assert parse_qs(urlsplit(back.headers["Location"]).query)["error"] == ["invalid_request"]
    ok = requests.get(oauth2.authorize_url(redirect_uri=REDIRECT, state="st", code_challenge="c" * 43))
    assert ok.status_code == 200 and "Authorise Dovecote to read your account events?" in ok.text
    assert "@DeptComms" in ok.text and "tweet.read" in ok.text


def test_cancelling_on_the_consent_page_sends_access_denied_back(x_sandbox, user):
    url = oauth2.authorize_url(redirect_uri=REDIRECT + "?x=1", state="st", code_challenge="c" * 43)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    answer = requests.post(
        x_sandbox.url + "/i/oauth2/authorize", data={**query, "decision": "deny"}, allow_redirects=False
    )
    assert answer.headers["Location"] == REDIRECT + "?x=1&error=access_denied&state=st"


TOKEN_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=50), st.lists(st.integers())
)


@given(
    payload=st.one_of(
        st.dictionaries(
            st.sampled_from(["token_type", "access_token", "refresh_token", "expires_in", "scope", "error"]),
            TOKEN_VALUES,
        ),
        TOKEN_VALUES,
    )
)
def test_any_answer_is_tokens_fit_to_keep_or_a_clear_error(payload):
    try:
        tokens = oauth2.parse_tokens(payload)
    except oauth2.OAuth2Error as exc:
        assert exc.message.endswith((".", "asked."))
        return
    for token in (tokens.access_token, tokens.refresh_token):
        assert token and token.isascii() and token.isprintable() and "\x00" not in token
    assert {"tweet.read", "users.read", "offline.access"} <= set(tokens.scopes)
