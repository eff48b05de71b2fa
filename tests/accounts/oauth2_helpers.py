"""Going through X's OAuth 2.0 consent in the sandbox, as a person's browser would, for the account events tests."""

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import requests

from accounts.models import ActivityGrant


def start(client, account):
    """The person chooses "Authorise account events": Dovecote sends them to X's authorise page."""
    response = client.get(f"/teams/accounts/{account.pk}/events/authorise/")
    assert response.status_code == 302, response.status_code
    return response["Location"]


def consent(authorize_url: str, *, x_user_id: str | None, decision: str = "allow") -> str:
    """On X's page: signed in as x_user_id, Authorise (or Cancel). Returns where X sends the browser back to."""
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    fields = {name: unescape(value) for name, value in fields.items()}
    fields["decision"] = decision
    if x_user_id is not None:
        fields["user_id"] = x_user_id
    base = authorize_url.split("?", 1)[0]
    answer = requests.post(base, data=fields, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def come_back(client, location: str):
    """The browser arrives at Dovecote's callback with what X added."""
    parts = urlsplit(location)
    return client.get(parts.path, dict(parse_qsl(parts.query)))


def authorise(client, account, *, x_user_id: str | None = None, decision: str = "allow"):
    location = consent(start(client, account), x_user_id=x_user_id or account.x_user_id, decision=decision)
    return come_back(client, location)


def grant_of(account) -> ActivityGrant | None:
    return ActivityGrant.objects.filter(account=account).first()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages] if hasattr(response, "wsgi_request") else []
