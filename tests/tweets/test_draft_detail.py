"""The draft page: text, revision diff, approvals, comments, timeline; outsiders get 404."""

from django.urls import reverse

from tests.training.helpers import require_course
from tweets import services


def url(draft):
    return reverse("tweets:draft_detail", args=[draft.pk])


def test_it_shows_the_draft_its_diff_comments_and_timeline(client, account, member, approver):
    draft = services.draft_create(author=member, account=account, text="We open at nine on Monday.")
    services.draft_submit(draft=draft, by=member)
    services.draft_request_changes(draft=draft, by=approver, reason="Say which office.")
    services.draft_edit(draft=draft, by=member, text="Our Leeds office opens at nine on Monday.")
    services.comment_create(draft=draft, by=member, body="Changed as asked.")
    client.force_login(approver)
    page = client.get(url(draft)).content.decode()
    assert "Our Leeds office opens at nine on Monday." in page
    assert "Revision 1 to 2" in page
    assert '<ins><span class="govuk-visually-hidden">added: </span>Leeds office opens</ins>' in page
    assert '<del><span class="govuk-visually-hidden">removed: </span>open</del>' in page
    assert "Say which office." in page
    assert "Changed as asked." in page
    assert "Changes requested" in page


def test_outsiders_get_404(client, account, member, outsider):
    draft = services.draft_create(author=member, account=account, text="Private.")
    client.force_login(outsider)
    assert client.get(url(draft)).status_code == 404
    assert client.post(reverse("tweets:draft_approve", args=[draft.pk])).status_code == 404
    assert client.get(reverse("tweets:draft_edit", args=[draft.pk])).status_code == 404


def test_an_approver_sees_the_approve_button_but_the_author_does_not(client, account, member, approver):
    draft = services.draft_create(author=member, account=account, text="Approve me.")
    services.draft_submit(draft=draft, by=member)
    client.force_login(approver)
    assert "Approve this version" in client.get(url(draft)).content.decode()
    client.force_login(member)
    assert "Approve this version" not in client.get(url(draft)).content.decode()


def test_an_untrained_approver_is_told_which_course_is_missing(client, account, member, approver):
    require_course(account.kind, "approve", title="Approving corporate posts")
    draft = services.draft_create(author=member, account=account, text="Approve me.")
    services.draft_submit(draft=draft, by=member)
    client.force_login(approver)
    response = client.get(url(draft))
    page = response.content.decode()
    assert response.context["approve_block"], response.context["can"]
    assert "Approving corporate posts" in page
    assert "Approve this version" not in page
