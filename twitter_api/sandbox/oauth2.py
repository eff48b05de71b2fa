"""The sandbox's OAuth 2.0 (Authorization Code with PKCE, a confidential client), as X serves it:

  GET  /i/oauth2/authorize   X's consent page: "Authorise Dovecote to read your account events?", signed in as one of
                             the sandbox's users (those with OAuth 1.0a tokens: the governed accounts); Authorise sends
                             the browser back to redirect_uri with `code` and `state`, Cancel with error=access_denied
  POST /i/oauth2/authorize   the person's answer on that page
  POST /2/oauth2/token       grant_type=authorization_code (the code once, within code_ttl seconds, the same
                             redirect_uri, the PKCE verifier) or grant_type=refresh_token (rotated: the old refresh
                             token stops working); HTTP Basic auth with the app's client id and secret
  POST /2/oauth2/revoke      token=..., token_type_hint=...: the whole grant (access and refresh tokens) ends

Errors in X's OAuth shape: {"error": "invalid_request" | "invalid_grant" | "unauthorized_client" | ...,
"error_description": "..."}. Access tokens it issues are bearer user context for the X API endpoints that act as a
user (/2/users/me, the Activity API): `OAuth2Grants.user_id_for` says whose a token is.

Faults: the /_sandbox/faults ones (latency, drop_connection, force_5xx, error_rate, force_429) apply to the token and
revoke endpoints like any /2/ endpoint. Control: GET /_sandbox/oauth2 (grants, without their tokens); POST
/_sandbox/oauth2 {"answers": [{"status": 200, "body": <any JSON>}, ...]} (the next token answers, served as given:
hostile ones), {"revoke_user": "<user id>"} (the user removes the app in X's settings), {"expire_access": true}
(every access token lapses now), {"code_ttl": 30, "access_ttl": 7200}.
"""

import base64
import hashlib
import hmac
import html
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

AUTHORIZE_PATH = "/i/oauth2/authorize"
TOKEN_PATH = "/2/oauth2/token"
REVOKE_PATH = "/2/oauth2/revoke"
SCOPES = frozenset(
    "block.read bookmark.read bookmark.write broadcast.read broadcast.write dm.read dm.write follows.read "
    "follows.write like.read like.write list.read list.write media.write mute.read mute.write offline.access "
    "space.read timeline.read tweet.moderate.write tweet.read tweet.write users.read".split()
)  # X's OpenAPI description, components.securitySchemes.OAuth2UserToken
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_SCOPE_WORDS = {
    "tweet.read": "read the posts the account can see",
    "users.read": "read the account's profile",
    "offline.access": "stay connected until you remove it",
}


def oauth_error(status: int, error: str, description: str) -> tuple[int, dict]:
    return status, {"error": error, "error_description": description}


@dataclass
class Grant:
    """One authorisation of the app by one user: its current access and refresh tokens."""

    id: str
    user_id: str
    scopes: list[str]
    access_token: str
    refresh_token: str
    access_expires: float  # epoch seconds
    revoked: bool = False


@dataclass
class PendingCode:
    user_id: str
    redirect_uri: str
    challenge: str
    method: str
    scopes: list[str]
    expires: float


@dataclass
class OAuth2Grants:
    client_id: str = "sandbox-oauth2-client-id"
    client_secret: str = "sandbox-oauth2-client-secret"  # noqa: S105 - the sandbox's public development value
    code_ttl: int = 30  # X: an authorization code is valid for 30 seconds
    access_ttl: int = 7_200  # X: an access token lasts two hours
    grants: dict = field(default_factory=dict)  # id -> Grant
    codes: dict = field(default_factory=dict)  # code -> PendingCode
    answers: list = field(default_factory=list)  # forced answers for the token endpoint, served once each
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reset(self) -> None:
        with self.lock:
            self.grants, self.codes, self.answers = {}, {}, []

    # --- what the endpoints do ------------------------------------------------------------------------------

    def issue_code(self, *, user_id: str, redirect_uri: str, challenge: str, method: str, scopes: list[str]) -> str:
        code = secrets.token_urlsafe(36)
        with self.lock:
            self.codes[code] = PendingCode(
                user_id, redirect_uri, challenge, method, scopes, time.time() + self.code_ttl
            )
        return code

    def client_ok(self, authorization: str) -> bool:
        if not authorization.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(authorization[len("Basic ") :], validate=True).decode()
        except ValueError:
            return False
        client_id, _, secret = decoded.partition(":")
        return hmac.compare_digest(client_id, self.client_id) and hmac.compare_digest(secret, self.client_secret)

    def token(self, form: dict) -> tuple[int, dict]:
        with self.lock:
            if self.answers:
                answer = self.answers.pop(0)
                return int(answer.get("status", 200)), answer.get("body")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange(form)
        if grant_type == "refresh_token":
            return self._refresh(form)
        if not grant_type:
            return oauth_error(400, "invalid_request", "Missing required parameter [grant_type].")
        return oauth_error(400, "unsupported_grant_type", f"Unsupported grant type [{grant_type}].")

    def _exchange(self, form: dict) -> tuple[int, dict]:
        for name in ("code", "redirect_uri", "code_verifier"):
            if not form.get(name):
                return oauth_error(400, "invalid_request", f"Missing required parameter [{name}].")
        with self.lock:
            pending = self.codes.pop(form["code"], None)  # once only, whatever happens next
            if pending is None or pending.expires < time.time():
                return oauth_error(400, "invalid_grant", "Value passed for the authorization code was invalid.")
            if form["redirect_uri"] != pending.redirect_uri:
                return oauth_error(400, "invalid_grant", "Value passed for the redirect uri did not match.")
            if not _pkce_ok(form["code_verifier"], pending.challenge, pending.method):
                return oauth_error(400, "invalid_grant", "Value passed for the code verifier did not match.")
            grant = Grant(
                id=secrets.token_hex(8),
                user_id=pending.user_id,
                scopes=pending.scopes,
                access_token=_mint(),
                refresh_token=_mint(),
                access_expires=time.time() + self.access_ttl,
            )
            self.grants[grant.id] = grant
            return 200, self._answer(grant)

    def _refresh(self, form: dict) -> tuple[int, dict]:
        token = form.get("refresh_token")
        if not token:
            return oauth_error(400, "invalid_request", "Missing required parameter [refresh_token].")
        with self.lock:
            grant = self._grant_by("refresh_token", token)
            if grant is None:
                return oauth_error(400, "invalid_grant", "Value passed for the token was invalid.")
            grant.access_token, grant.refresh_token = _mint(), _mint()
            grant.access_expires = time.time() + self.access_ttl
            return 200, self._answer(grant)

    def revoke(self, form: dict) -> tuple[int, dict]:
        token = form.get("token")
        if not token:
            return oauth_error(400, "invalid_request", "Missing required parameter [token].")
        with self.lock:
            grant = self._grant_by("access_token", token) or self._grant_by("refresh_token", token)
            if grant is not None:
                grant.revoked = True
        return 200, {"revoked": True}  # RFC 7009: the same answer for a token it does not know

    def user_id_for(self, access_token: str) -> str | None:
        """The id of the user an OAuth 2.0 access token acts for; None when it is unknown, expired or revoked."""
        with self.lock:
            grant = self._grant_by("access_token", access_token)
            if grant is None or grant.access_expires < time.time():
                return None
            return grant.user_id

    def _grant_by(self, kind: str, token: str) -> Grant | None:
        for grant in self.grants.values():
            if not grant.revoked and hmac.compare_digest(getattr(grant, kind), token):
                return grant
        return None

    def _answer(self, grant: Grant) -> dict:
        return {
            "token_type": "bearer",
            "expires_in": self.access_ttl,
            "access_token": grant.access_token,
            "scope": " ".join(grant.scopes),
            "refresh_token": grant.refresh_token,
        }

    # --- control and persistence ----------------------------------------------------------------------------

    def control(self, method: str, data: dict) -> tuple[int, dict, dict]:
        if method == "POST":
            with self.lock:
                if "answers" in data:
                    if not isinstance(data["answers"], list):
                        raise ValueError("answers must be a list of {status, body}.")
                    self.answers = [a if isinstance(a, dict) else {"body": a} for a in data["answers"]]
                if "code_ttl" in data:
                    self.code_ttl = int(data["code_ttl"])
                if "access_ttl" in data:
                    self.access_ttl = int(data["access_ttl"])
                if data.get("expire_access"):
                    for grant in self.grants.values():
                        grant.access_expires = time.time() - 1
                if "revoke_user" in data:
                    for grant in self.grants.values():
                        if grant.user_id == str(data["revoke_user"]):
                            grant.revoked = True
        return 200, {"data": self.describe()}, {}

    def describe(self) -> dict:
        with self.lock:
            return {
                "grants": [
                    {"id": g.id, "user_id": g.user_id, "scopes": g.scopes, "revoked": g.revoked}
                    for g in self.grants.values()
                ],
                "pending_codes": len(self.codes),
                "answers_waiting": len(self.answers),
                "code_ttl": self.code_ttl,
                "access_ttl": self.access_ttl,
            }

    def to_list(self) -> list[dict]:
        with self.lock:
            return [vars(g).copy() for g in self.grants.values() if not g.revoked]

    def load_list(self, items) -> None:
        with self.lock:
            self.grants = {item["id"]: Grant(**item) for item in items or []}


def _mint() -> str:
    return secrets.token_urlsafe(48)


def _pkce_ok(verifier: str, challenge: str, method: str) -> bool:
    if not _VERIFIER.fullmatch(verifier):
        return False
    if method == "plain":
        return hmac.compare_digest(verifier, challenge)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return hmac.compare_digest(base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"), challenge)


def _with_query(uri: str, params: dict) -> str:
    return uri + ("&" if urlsplit(uri).query else "?") + urlencode(params)


# --- the HTTP face: a mixin of the sandbox's request handler ---------------------------------------------------


class OAuth2Api:
    """X's authorise page, token and revoke endpoints (served by twitter_api.sandbox.server.SandboxHandler)."""

    def _oauth2(self, method: str, url, body: bytes) -> int:
        """Answer one OAuth 2.0 request; returns the status sent."""
        from twitter_api.sandbox.server import _Drop
        from twitter_api.sandbox.state import SandboxError

        state = self.server.state
        grants: OAuth2Grants = state.oauth2
        if url.path == AUTHORIZE_PATH:
            if method == "GET":
                return self._consent_page(dict(parse_qsl(url.query)))
            if method == "POST":
                return self._consent_answer(_form(body))
            return self._html(405, "<p>Method not allowed.</p>")
        if method != "POST" or url.path not in (TOKEN_PATH, REVOKE_PATH):
            return self._oauth_json(*oauth_error(404, "invalid_request", f"No such endpoint: {method} {url.path}."))
        faults = state.faults
        if faults.latency:
            time.sleep(faults.latency)
        if state.take_fault("drop_connection"):
            raise _Drop
        if state.take_fault("force_5xx") or state.roll_error():
            code = faults.error_status
            return self._oauth_json(code, {"title": "Service Unavailable", "detail": "Service Unavailable"})
        if state.take_fault("force_429"):
            reset = str(int(time.time()) + 60)
            return self._oauth_json(
                429, {"title": "Too Many Requests", "detail": "Too Many Requests"}, {"x-rate-limit-reset": reset}
            )
        if not grants.client_ok(self.headers.get("Authorization", "")):
            return self._oauth_json(*oauth_error(401, "unauthorized_client", "Missing valid authorization header"))
        form = _form(body)
        try:
            status, payload = grants.token(form) if url.path == TOKEN_PATH else grants.revoke(form)
        except SandboxError as exc:
            status, payload = exc.status, exc.body
        return self._oauth_json(status, payload)

    # --- the consent page --------------------------------------------------------------------------------------

    def _authorise_problem(self, query: dict) -> str | None:
        grants: OAuth2Grants = self.server.state.oauth2
        if query.get("client_id") != grants.client_id:
            return "The app's client id is not one X knows."
        redirect = query.get("redirect_uri", "")
        if urlsplit(redirect).scheme not in ("http", "https") or not urlsplit(redirect).netloc:
            return "The app did not say where to send you back to."
        return None

    def _request_problem(self, query: dict) -> str | None:
        """What is wrong with an authorise request whose app and callback are known: sent back as invalid_request."""
        if query.get("response_type") != "code":
            return "response_type must be code."
        if not query.get("state"):
            return "Missing required parameter [state]."
        if not query.get("code_challenge"):
            return "Missing required parameter [code_challenge]."
        if query.get("code_challenge_method", "plain") not in ("S256", "plain"):
            return "code_challenge_method must be S256 or plain."
        scopes = query.get("scope", "").split()
        if not scopes or not set(scopes) <= SCOPES:
            return "Missing or unknown scope."
        return None

    def _consent_page(self, query: dict) -> int:
        problem = self._authorise_problem(query)
        if problem:
            return self._html(
                400,
                "<h1>Something went wrong</h1>"
                f"<p>You weren't able to give access to the App. {html.escape(problem)}</p>",
            )
        problem = self._request_problem(query)
        if problem:
            return self._redirect(
                _with_query(
                    query["redirect_uri"],
                    {"error": "invalid_request", "error_description": problem, "state": query.get("state", "")},
                )
            )
        state = self.server.state
        with state.lock:
            users = sorted((u for u in state.users.values() if u.access_token), key=lambda u: u.username.lower())
        options = "".join(f'<option value="{html.escape(u.id)}">@{html.escape(u.username)}</option>' for u in users)
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
            if k in ("client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method")
        )
        wants = "".join(
            f"<li>{html.escape(_SCOPE_WORDS.get(s, s))} <code>{html.escape(s)}</code></li>"
            for s in query["scope"].split()
        )
        return self._html(
            200,
            "<h1>Authorise Dovecote to read your account events?</h1>"
            "<p>X sandbox: this stands in for X's own page.</p>"
            f'<form method="post" action="{AUTHORIZE_PATH}">{hidden}'
            '<p><label for="user_id">Signed in to X as</label> '
            f'<select id="user_id" name="user_id" required><option value="">Choose the account</option>{options}'
            "</select></p>"
            f"<p>Dovecote will be able to:</p><ul>{wants}</ul>"
            '<p><button type="submit" name="decision" value="allow">Authorise app</button> '
            '<button type="submit" name="decision" value="deny" formnovalidate>Cancel</button></p></form>',
        )

    def _consent_answer(self, form: dict) -> int:
        problem = self._authorise_problem(form) or self._request_problem({**form, "response_type": "code"})
        if problem:
            return self._html(400, f"<h1>Something went wrong</h1><p>{html.escape(problem)}</p>")
        redirect_uri, state_param = form["redirect_uri"], form["state"]
        if form.get("decision") != "allow":
            return self._redirect(_with_query(redirect_uri, {"error": "access_denied", "state": state_param}))
        user_id = form.get("user_id", "")
        if user_id not in self.server.state.users:
            return self._html(400, "<h1>Choose the account</h1><p>Go back and choose the X account to sign in as.</p>")
        code = self.server.state.oauth2.issue_code(
            user_id=user_id,
            redirect_uri=redirect_uri,
            challenge=form["code_challenge"],
            method=form.get("code_challenge_method", "plain"),
            scopes=list(dict.fromkeys(form["scope"].split())),
        )
        return self._redirect(_with_query(redirect_uri, {"state": state_param, "code": code}))

    # --- answers -----------------------------------------------------------------------------------------------

    def _oauth_json(self, status: int, payload, headers: dict | None = None) -> int:
        self._send(status, payload, headers or {"cache-control": "no-store"})
        return status

    def _redirect(self, location: str) -> int:
        return self._raw(302, b"", {"location": location, "content-type": "text/plain"})

    def _html(self, status: int, body: str) -> int:
        page = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>X sandbox: authorise app</title>'
            f"</head><body><main>{body}</main></body></html>"
        )
        return self._raw(status, page.encode(), {"content-type": "text/html; charset=utf-8"})

    def _raw(self, status: int, data: bytes, headers: dict) -> int:
        self.send_response(status)
        headers = {**headers, "content-length": str(len(data)), "cache-control": "no-store"}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        return status


def _form(body: bytes) -> dict:
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return {}


__all__ = ["OAuth2Api", "OAuth2Grants", "oauth_error"]
