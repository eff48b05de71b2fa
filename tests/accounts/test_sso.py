"""Single sign-on with OpenID Connect, end to end against a local identity provider over HTTP.

The identity provider here does what Entra ID does for a web app with a client secret and PKCE: it publishes
its discovery document, takes the authorisation code (with the PKCE verifier) at its token endpoint, answers
with an access token and a signed ID token, and serves the person's claims from its userinfo endpoint.
Dovecote talks to it exactly as configured by dovecote.sso, as the settings configure the real one.
"""

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Membership, User
from dovecote.sso import openid_connect_providers
from tests.factories import MembershipFactory

CLIENT_ID = "dovecote-test"
CLIENT_SECRET = "identity-provider-client-secret-of-32-bytes"
PROVIDER_ID = "entra"


class IdentityProvider:
    """A local OpenID Connect provider: codes are issued by the test for a person, as if they had signed in."""

    def __init__(self) -> None:
        self.people_by_code: dict[str, dict] = {}
        self.people_by_token: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def issue_code(self, **claims) -> str:
        code = secrets.token_urlsafe(16)
        self.people_by_code[code] = {"email_verified": True, **claims}
        return code

    def _configuration(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        }

    def _token(self, form: dict) -> tuple[int, dict]:
        self.token_requests.append(form)
        person = self.people_by_code.pop(form.get("code", ""), None)  # a code is good once
        if person is None or form.get("client_secret") != CLIENT_SECRET or not form.get("code_verifier"):
            return 400, {"error": "invalid_grant"}
        access_token = secrets.token_urlsafe(16)
        self.people_by_token[access_token] = person
        now = int(time.time())
        id_token = jwt.encode(
            {"iss": self.url, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **person}, CLIENT_SECRET, "HS256"
        )
        return 200, {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = urlparse(self.path).path
                if path == "/.well-known/openid-configuration":
                    self._send(200, provider._configuration())
                elif path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    person = provider.people_by_token.get(token)
                    self._send(200, person) if person else self._send(401, {"error": "invalid_token"})
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                form = {key: values[0] for key, values in parse_qs(body).items()}
                if urlparse(self.path).path == "/token":
                    self._send(*provider._token(form))
                else:
                    self._send(404, {"error": "not_found"})

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def identity_provider(settings, db):
    provider = IdentityProvider()
    provider.thread.start()
    settings.SOCIALACCOUNT_PROVIDERS = openid_connect_providers(
        server_url=provider.url,
        provider_id=PROVIDER_ID,
        name="Microsoft Entra ID",
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
    )
    settings.SIGNUP_EMAIL_DOMAINS = ["department.gov.uk"]
    yield provider
    provider.server.shutdown()
    provider.server.server_close()


def sign_in_by_sso(client, identity_provider, **claims):
    """Start at Dovecote's SSO button, 'sign in' at the identity provider, and come back with its code."""
    started = client.post(reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID}))
    assert started.status_code == 302, started
    authorize = urlparse(started["Location"])
    params = {key: values[0] for key, values in parse_qs(authorize.query).items()}
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{identity_provider.url}/authorize"
    assert params["client_id"] == CLIENT_ID and params["code_challenge_method"] == "S256"
    code = identity_provider.issue_code(**claims)
    callback = reverse("openid_connect_callback", kwargs={"provider_id": PROVIDER_ID})
    return client.get(callback, {"code": code, "state": params["state"]}, follow=True)


def claims_for(email: str, sub: str | None = None) -> dict:
    return {"sub": sub or secrets.token_hex(8), "email": email, "given_name": "Amara", "family_name": "Osei"}


def test_the_sign_in_page_offers_the_identity_providers_button(client, identity_provider):
    page = client.get(reverse("account_login")).text

    assert "Microsoft Entra ID" in page
    assert reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID}) in page


def test_someone_from_the_department_signs_in_and_gets_an_account(client, identity_provider):
    response = sign_in_by_sso(client, identity_provider, **claims_for("amara.osei@department.gov.uk"))

    person = User.objects.get(email="amara.osei@department.gov.uk")
    assert response.wsgi_request.user == person
    assert (person.first_name, person.last_name) == ("Amara", "Osei")
    assert not person.has_usable_password()
    assert response.redirect_chain[-1][0] == reverse("home")
    assert AuditEvent.objects.filter(action="auth.signed_in", actor=person).exists()
    (token_request,) = identity_provider.token_requests
    assert token_request["client_id"] == CLIENT_ID and token_request["code_verifier"]


def test_the_same_person_signing_in_again_gets_the_same_account(client, identity_provider):
    claims = claims_for("amara.osei@department.gov.uk", sub="entra-object-id-1")
    sign_in_by_sso(client, identity_provider, **claims)
    client.logout()

    response = sign_in_by_sso(client, identity_provider, **claims)

    assert response.wsgi_request.user.email == "amara.osei@department.gov.uk"
    assert User.objects.filter(email="amara.osei@department.gov.uk").count() == 1


def test_someone_from_outside_the_allowed_domains_gets_no_account(client, identity_provider):
    response = sign_in_by_sso(client, identity_provider, **claims_for("someone@example.com"))

    assert not response.wsgi_request.user.is_authenticated
    assert not User.objects.filter(email="someone@example.com").exists()


def test_an_invited_person_is_signed_in_to_their_account_when_email_sign_in_is_allowed(
    client, identity_provider, member, settings
):
    settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION = True

    response = sign_in_by_sso(client, identity_provider, **claims_for(member.email))

    assert response.wsgi_request.user == member
    assert User.objects.filter(email__iexact=member.email).count() == 1


def test_without_email_sign_in_an_existing_address_is_not_taken_over(client, identity_provider, member, settings):
    settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION = False

    response = sign_in_by_sso(client, identity_provider, **claims_for(member.email))

    assert response.wsgi_request.user != member
    assert User.objects.filter(email__iexact=member.email).count() == 1


def test_a_lead_signing_in_by_sso_must_still_set_up_an_authenticator_app(client, identity_provider, team, settings):
    settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
    lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user  # no authenticator enrolled

    signed_in = sign_in_by_sso(client, identity_provider, **claims_for(lead.email))

    assert signed_in.wsgi_request.user == lead
    assert signed_in.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    assert client.get(reverse("tweets:draft_list"))["Location"] == reverse("mfa_activate_totp")


def test_a_forged_state_is_refused(client, identity_provider):
    client.post(reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID}))
    code = identity_provider.issue_code(**claims_for("amara.osei@department.gov.uk"))

    response = client.get(
        reverse("openid_connect_callback", kwargs={"provider_id": PROVIDER_ID}),
        {"code": code, "state": "not-the-state-we-sent"},
        follow=True,
    )

    assert not response.wsgi_request.user.is_authenticated
    assert not User.objects.filter(email="amara.osei@department.gov.uk").exists()
    assert identity_provider.token_requests == []
