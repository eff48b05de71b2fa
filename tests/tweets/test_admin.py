"""Admin: every tweets model is registered and renders; a draft added there is validated like anywhere else."""

import pytest
from django.urls import reverse

from tests.tweets.factories import DraftFactory, FreezeFactory
from tweets.models import Draft


@pytest.mark.parametrize(
    "model", ["draft", "draftrevision", "approval", "drafttransition", "publishattempt", "comment", "publishingfreeze"]
)
def test_changelists_render(client, admin_user, account, model):
    DraftFactory(account=account)
    FreezeFactory(started_by=admin_user)
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:tweets_{model}_changelist")).status_code == 200


def test_adding_a_draft_in_admin_validates_the_text(client, admin_user, account):
    client.force_login(admin_user)
    url = reverse("admin:tweets_draft_add")
    response = client.post(url, {"account": account.pk, "posts_text": "界" * 141})
    assert response.status_code == 200
    assert "282" in response.content.decode()
    assert not Draft.objects.exists()
    response = client.post(url, {"account": account.pk, "posts_text": "One\n---\nTwo"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    draft = Draft.objects.get()
    assert draft.posts == ["One", "Two"]
    assert draft.author == admin_user
    assert draft.transitions.get().to_state == Draft.State.DRAFT


def test_revisions_cannot_be_changed_in_admin(client, admin_user, account):
    draft = DraftFactory(account=account)
    client.force_login(admin_user)
    url = reverse("admin:tweets_draftrevision_change", args=[draft.current_revision_id])
    page = client.get(url).content.decode()
    assert 'name="posts"' not in page
