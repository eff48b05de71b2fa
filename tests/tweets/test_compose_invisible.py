"""The draft forms refuse bidirectional controls with a clear message and warn about zero-width characters."""

import html

from django.urls import reverse

from tweets import services
from tweets.models import Draft

URL = "/drafts/new/"


def test_the_compose_form_refuses_a_right_to_left_override_saying_why(client, member, account):
    client.force_login(member)

    response = client.post(
        URL, {"account": account.pk, "posts": ["Refunds: gov.uk/\u202egnp.exe\u202c"], "action": "save"}
    )

    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "invisible text-direction character (U+202E) at character 17" in page
    assert "can make a link or words look like something else" in page
    assert not Draft.objects.exists()


def test_editing_a_draft_refuses_an_isolate_too(client, member, account):
    draft = services.draft_create(author=member, account=account, text="Our offices are open.")
    client.force_login(member)

    response = client.post(
        reverse("tweets:draft_edit", args=[draft.pk]),
        {"posts": ["Our \u2067offices\u2069 are open."], "action": "save"},
    )

    assert response.status_code == 400
    assert "(U+2067)" in response.content.decode()
    assert Draft.objects.get().posts == ["Our offices are open."]


def test_a_zero_width_space_is_saved_with_a_hint_on_the_draft_page(client, member, account):
    client.force_login(member)

    response = client.post(URL, {"account": account.pk, "posts": ["Apply at gov\u200b.uk today"], "action": "save"})

    draft = Draft.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("tweets:draft_detail", args=[draft.pk])).content.decode()
    assert "invisible character (U+200B, zero width space)" in page
