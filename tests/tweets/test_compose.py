"""The compose page: live count, hints, threads, validation, the training gate, and account choice."""

import pytest
from django.urls import reverse

from tests.training.helpers import certify, require_course
from tweets.models import Draft

URL = "/drafts/new/"


def test_it_shows_the_compose_form_with_a_count_and_the_script(client, member, account):
    client.force_login(member)
    page = client.get(URL).content.decode()
    assert "Write a post" in page
    assert "data-post-text" in page
    assert "0 of 280 characters" in page
    assert "js/tweets.js" in page
    assert "twitter-text.min.js" in page
    assert f'value="{account.pk}"' in page


def test_it_saves_a_draft(client, member, account):
    client.force_login(member)
    response = client.post(URL, {"account": account.pk, "posts": ["Hello from the department."], "action": "save"})
    draft = Draft.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tweets:draft_detail", args=[draft.pk])
    assert (draft.state, draft.text, draft.author) == (Draft.State.DRAFT, "Hello from the department.", member)


def test_it_saves_and_submits(client, member, account, approver):
    client.force_login(member)
    client.post(URL, {"account": account.pk, "posts": ["Submit me."], "action": "submit"})
    assert Draft.objects.get().state == Draft.State.SUBMITTED


def test_it_adds_a_box_for_the_next_post_of_a_thread_without_saving(client, member, account):
    client.force_login(member)
    response = client.post(URL, {"account": account.pk, "posts": ["First."], "add_post": "1"})
    page = response.content.decode()
    assert page.count("data-post-text") == 2
    assert "Post 2 of the thread" in page
    assert not Draft.objects.exists()


def test_it_saves_a_thread(client, member, account):
    client.force_login(member)
    client.post(URL, {"account": account.pk, "posts": ["One.", "Two.", ""], "action": "save"})
    assert Draft.objects.get().posts == ["One.", "Two."]


def test_it_refuses_text_over_the_weighted_limit(client, member, account):
    client.force_login(member)
    response = client.post(URL, {"account": account.pk, "posts": ["界" * 141], "action": "save"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "282" in page
    assert not Draft.objects.exists()


def test_it_refuses_an_empty_post(client, member, account):
    client.force_login(member)
    response = client.post(URL, {"account": account.pk, "posts": ["   "], "action": "save"})
    assert response.status_code == 400
    assert "empty" in response.content.decode()


def test_it_refuses_a_thread_longer_than_the_limit(client, member, account):
    client.force_login(member)
    response = client.post(URL, {"account": account.pk, "posts": [f"Post {i}." for i in range(26)], "action": "save"})
    assert response.status_code == 400
    assert "at most 25 posts" in response.content.decode()


def test_it_normalises_text_to_nfc(client, member, account):
    client.force_login(member)
    client.post(URL, {"account": account.pk, "posts": ["Cafe\u0301 open"], "action": "save"})
    assert Draft.objects.get().text == "Caf\u00e9 open"


def test_it_does_not_offer_or_accept_another_teams_account(client, outsider, account):
    client.force_login(outsider)
    assert f'value="{account.pk}"' not in client.get(URL).content.decode()
    response = client.post(URL, {"account": account.pk, "posts": ["Not mine."], "action": "save"})
    assert response.status_code == 400
    assert not Draft.objects.exists()


def test_it_shows_accessibility_hints(client, member, account):
    client.force_login(member)
    response = client.post(
        URL, {"account": account.pk, "posts": ["#one #two #three #mentalhealthawareness"], "add_post": "1"}
    )
    page = response.content.decode()
    assert "Use no more than 2" in page
    assert "CamelCase" in page


def test_an_untrained_author_is_refused_with_the_missing_course(client, member, account):
    course = require_course(account.kind, "draft", title="Writing for corporate accounts")
    client.force_login(member)
    page = client.get(URL).content.decode()
    assert "Writing for corporate accounts" in page
    response = client.post(URL, {"account": account.pk, "posts": ["Untrained."], "action": "save"})
    assert response.status_code == 403
    assert "Writing for corporate accounts" in response.content.decode()
    assert not Draft.objects.exists()
    certify(member, course)
    response = client.post(URL, {"account": account.pk, "posts": ["Trained now."], "action": "save"})
    assert response.status_code == 302


@pytest.mark.parametrize("url", ["/drafts/new/"])
def test_it_needs_sign_in(client, url):
    assert client.get(url).status_code == 302
