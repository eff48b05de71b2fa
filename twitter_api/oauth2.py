"""X's OAuth 2.0 Authorization Code flow with PKCE, as a confidential client: what an account authorises so that
X's Activity API pushes its private events (mentions, replies, quotes) to Dovecote. Posting keeps OAuth 1.0a
(twitter_api.client.user_client); nothing here touches it.

The person is sent to X's authorise page (`authorize_url`), X sends them back with a code, the code is exchanged for
an access token (2 hours) and a refresh token (`code_exchange`), the refresh token is traded for new ones before
the access token lapses (`token_refresh`; X rotates the refresh token: the old one stops working), and tokens are
cancelled at X (`token_revoke`). The token endpoint takes the app's client id and secret as HTTP Basic auth.

Every call is metered like any other (an ApiCall row, cost 0: X bills none of these). X's answers are checked
field by field: an answer that is not what X documents raises OAuth2Error with a plain message, so the caller
saves nothing half-way. X has been seen to answer a code or refresh token it no longer accepts with
`invalid_request` ("Value passed for the token was invalid.") as well as RFC 6749's `invalid_grant`: both are
GrantRefused (the person must authorise again).
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import requests
from django.conf import settings

from twitter_api.client import (
    API_HOST,
    Unreadable,
    _decoded,
    _translated_errors,
    clean_text,
    metered_session,
    parse_rate_limit_reset,
    parse_user,
)
from twitter_api.errors import RateLimited, Transient, XApiError
from twitter_api.types import XUser

X_AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
AUTHORIZE_PATH = "/i/oauth2/authorize"
TOKEN_PATH = "/2/oauth2/token"
REVOKE_PATH = "/2/oauth2/revoke"
# What the Activity API's private events need (x-platform-2026.md section 5: post.mention.create and the reply,
# quote and repost events ask for tweet.read), who the token belongs to (users.read: GET /2/users/me), and a refresh
# token (offline.access), without which the grant would end after two hours.
SCOPES = ("tweet.read", "users.read", "offline.access")
REQUIRED_SCOPES = frozenset(SCOPES)
_MAX_TOKEN = 4_096
_MAX_LIFETIME = timedelta(days=90)
_ERROR_CODES = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
}


class OAuth2Error(XApiError):
    """X's OAuth 2.0 endpoints refused, or answered with something that is not a token."""

    default_message = (
        "X sent an answer to the authorisation that Dovecote could not use, so nothing was saved. Try again; if it "
        "keeps happening, tell an administrator."
    )


class GrantRefused(OAuth2Error):
    """X does not accept the code or refresh token (used, expired, revoked by the account, or a PKCE mismatch):
    the account must be authorised again. `.error` is X's error code."""

    default_message = "X no longer accepts this authorisation. A team lead must authorise account events again."

    def __init__(self, message: str | None = None, *, error: str = "", status_code: int | None = 400):
        self.error = error
        super().__init__(message, status_code=status_code)


class ClientRejected(OAuth2Error):
    default_message = (
        "X did not accept Dovecote's OAuth 2.0 client id and secret. An administrator must check "
        "X_OAUTH2_CLIENT_ID and X_OAUTH2_CLIENT_SECRET against the app in X's developer console."
    )


@dataclass(frozen=True)
class Pkce:
    """A PKCE pair (RFC 7636): the verifier stays with Dovecote (in the person's session), the challenge goes to X."""

    verifier: str
    challenge: str


def pkce_pair() -> Pkce:
    verifier = secrets.token_urlsafe(64)[:96]  # 43 to 128 characters of the unreserved set
    return Pkce(verifier=verifier, challenge=code_challenge(verifier))


def code_challenge(verifier: str) -> str:
    """S256: the verifier's SHA-256, base64url without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    return secrets.token_urlsafe(32)


def authorize_base() -> str:
    """X's authorise page: the setting when given, else the sandbox's when X is the sandbox, else X's own."""
    if settings.X_OAUTH2_AUTHORIZE_URL:
        return settings.X_OAUTH2_AUTHORIZE_URL
    if settings.X_API_BASE_URL:
        return settings.X_API_BASE_URL.rstrip("/") + AUTHORIZE_PATH
    return X_AUTHORIZE_URL


def authorize_url(*, redirect_uri: str, state: str, code_challenge: str, scopes=SCOPES) -> str:
    """Where to send the person to authorise the app for their X account."""
    query = {
        "response_type": "code",
        "client_id": settings.X_OAUTH2_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    return f"{authorize_base()}?{urlencode(query)}"


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    scopes: tuple[str, ...]
    expires_at: datetime


def _token(value, name: str) -> str:
    if type(value) is not str or not value:
        raise OAuth2Error(f"X's answer had no usable {name}, so nothing was saved. Try again.")
    if len(value) > _MAX_TOKEN or not value.isascii() or not value.isprintable() or " " in value:
        raise OAuth2Error(f"X's answer had a {name} that is not a token, so nothing was saved. Try again.")
    return value


def parse_tokens(payload, *, now: datetime | None = None) -> Tokens:
    """A token answer from X, checked: raises OAuth2Error on anything missing, mistyped or unsafe."""
    if type(payload) is not dict:
        raise OAuth2Error()
    token_type = payload.get("token_type")
    if type(token_type) is not str or token_type.lower() != "bearer":
        raise OAuth2Error("X's answer was not a bearer token, so nothing was saved. Try again.")
    access = _token(payload.get("access_token"), "access token")
    refresh = _token(payload.get("refresh_token"), "refresh token")
    expires_in = payload.get("expires_in")
    if type(expires_in) is not int or not 0 < expires_in <= _MAX_LIFETIME.total_seconds():
        raise OAuth2Error("X's answer did not say when the token expires, so nothing was saved. Try again.")
    scope = payload.get("scope")
    if type(scope) is not str or "\x00" in scope:
        raise OAuth2Error("X's answer did not say what was granted, so nothing was saved. Try again.")
    scopes = tuple(dict.fromkeys(clean_text(scope).split()))
    missing = REQUIRED_SCOPES - set(scopes)
    if missing:
        raise OAuth2Error(
            "X granted less than account events need (missing: "
            f"{', '.join(sorted(missing))}), so nothing was saved. Authorise again and allow everything asked."
        )
    return Tokens(
        access_token=access,
        refresh_token=refresh,
        scopes=scopes,
        expires_at=(now or datetime.now(tz=UTC)) + timedelta(seconds=expires_in),
    )


def _refusal(response: requests.Response) -> OAuth2Error | None:
    """X's OAuth error answer ({"error": ..., "error_description": ...}) as a domain error; None if not one."""
    try:
        body = _decoded(response)
    except ValueError:
        body = None
    body = body if type(body) is dict else {}
    error = body.get("error")
    error = error if type(error) is str and error in _ERROR_CODES else ""
    description = body.get("error_description")
    description = clean_text(description)[:200] if type(description) is str else ""
    status = response.status_code
    if status == 401 or error in ("invalid_client", "unauthorized_client"):
        return ClientRejected(status_code=status)
    if status == 400 and error in ("invalid_grant", "invalid_request"):
        detail = f" (X said: {description})" if description else ""
        return GrantRefused(
            f"X did not accept the authorisation{detail}. A team lead must authorise account events again.",
            error=error,
            status_code=status,
        )
    return None


def _post(path: str, data: dict, *, account, context: str) -> dict:
    session = metered_session(account=account, context=context or "oauth2")
    with _translated_errors():
        response = session.post(
            API_HOST + path,
            data=data,
            auth=(settings.X_OAUTH2_CLIENT_ID, settings.X_OAUTH2_CLIENT_SECRET),
            headers={"Accept": "application/json"},
        )
        status = response.status_code
        if status == 429:
            reset_at = parse_rate_limit_reset(response.headers) or datetime.now(tz=UTC) + timedelta(minutes=15)
            raise RateLimited(reset_at=reset_at)
        if status >= 500:
            raise Transient(status_code=status)
        if status >= 400:
            raise _refusal(response) or OAuth2Error(
                f"X refused the authorisation request (HTTP {status}). Try again later; if it keeps happening, "
                "tell an administrator.",
                status_code=status,
            )
        payload = _decoded(response)
    return payload


def code_exchange(*, code: str, code_verifier: str, redirect_uri: str, account=None, context: str = "") -> Tokens:
    """The code X sent back, exchanged for tokens (POST /2/oauth2/token, grant_type=authorization_code)."""
    payload = _post(
        TOKEN_PATH,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
            "client_id": settings.X_OAUTH2_CLIENT_ID,
        },
        account=account,
        context=context,
    )
    return parse_tokens(payload)


def token_refresh(*, refresh_token: str, account=None, context: str = "") -> Tokens:
    """New tokens for the refresh token (which X then no longer accepts: keep the new one)."""
    payload = _post(
        TOKEN_PATH,
        {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": settings.X_OAUTH2_CLIENT_ID},
        account=account,
        context=context,
    )
    return parse_tokens(payload)


def token_revoke(*, token: str, hint: str = "access_token", account=None, context: str = "") -> bool:
    """Cancel a token at X (POST /2/oauth2/revoke). True when X says it is revoked; a token X no longer knows
    counts as revoked."""
    try:
        payload = _post(
            REVOKE_PATH,
            {"token": token, "token_type_hint": hint, "client_id": settings.X_OAUTH2_CLIENT_ID},
            account=account,
            context=context,
        )
    except GrantRefused:
        return True
    return type(payload) is dict and payload.get("revoked") is True


def token_user(access_token: str, *, account=None, context: str = "") -> XUser:
    """Whose token this is (GET /2/users/me as the token's user): X's token answer does not say."""
    session = metered_session(account=account, context=context or "oauth2")
    with _translated_errors():
        response = session.get(API_HOST + "/2/users/me", headers={"Authorization": f"Bearer {access_token}"})
        if response.status_code in (401, 403):
            raise OAuth2Error(
                "X did not accept the new token when asked whose it is, so nothing was saved. Try again.",
                status_code=response.status_code,
            )
        if response.status_code >= 500:
            raise Transient(status_code=response.status_code)
        if response.status_code >= 400:
            raise OAuth2Error(status_code=response.status_code)
        payload = _decoded(response)
    try:
        return parse_user(payload.get("data") if type(payload) is dict else None)
    except Unreadable:
        raise OAuth2Error("X did not say whose the new token is, so nothing was saved. Try again.") from None
