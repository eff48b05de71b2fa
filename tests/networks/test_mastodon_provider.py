"""networks.mastodon.provider end to end: Mastodon.py against the running sandbox, plain data out, domain errors."""

from datetime import UTC, datetime

import pytest

from networks import provider_for
from networks.mastodon.provider import PROVIDER
from twitter_api.errors import CredentialsRejected, InvalidRequest, NotFound
from twitter_api.types import XPost

pytestmark = pytest.mark.django_db


def test_the_account_s_provider_is_mastodon_s(mastodon_account):
    assert provider_for(mastodon_account) is PROVIDER
    assert (PROVIDER.name, PROVIDER.label, PROVIDER.max_media, PROVIDER.alt_text_limit) == (
        "mastodon",
        "Mastodon",
        4,
        1500,
    )


def test_post_create_publishes_as_the_account_and_returns_plain_data(mastodon_sandbox, mastodon_account):
    post = PROVIDER.post_create(mastodon_account, text="Our offices are open today.\nCome in & see us.")

    assert isinstance(post, XPost)
    assert post.text == "Our offices are open today.\nCome in & see us."
    assert post.author_id == "10937"
    assert post.created_at.tzinfo is not None
    assert abs((datetime.now(UTC) - post.created_at).total_seconds()) < 60
    assert [str(s.id) for s in mastodon_sandbox.statuses_by("10937")] == [post.id]
    # Sent to the sandbox for the account's own instance.
    assert ("POST", "/api/v1/statuses", 200, "social.example.gov.uk") in mastodon_sandbox.requests
