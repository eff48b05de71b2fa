"""The compose page's media and the preview on compose and on the draft's page: attaching files (kept when the
page is shown again), alt-text errors and hints, bad files refused keeping the rest of the form, who may see a
file, and garbage in every media field (hypothesis) never a server error."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import MembershipFactory
from tests.tweets.media_helpers import SRT, jpeg_with_gps, stored
from tweets import services
from tweets.media import Attachment
from tweets.models import Draft, MediaFile

URL = "/drafts/new/"
ALT = "The minister cutting the ribbon at the new library in Leeds."


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def photo(name="photo.jpg", colour=(200, 30, 30)):
    return SimpleUploadedFile(name, jpeg_with_gps(colour=colour), content_type="image/jpeg")


def test_attaching_files_stores_them_cleaned_and_shows_them_with_an_alt_text_box(client, member, account):
    client.force_login(member)
    response = client.post(
        URL,
        {
            "account": account.pk,
            "posts": ["The library opens."],
            "upload_0": [photo(), photo("b.jpg", (0, 0, 200))],
            "add_media": "1",
        },
    )
    assert response.status_code == 200
    files = list(MediaFile.objects.order_by("pk"))
    assert [f.original_name for f in files] == ["photo.jpg", "b.jpg"]
    page = response.content.decode()
    for file in files:
        assert f'name="media_0" value="{file.pk}"' in page
        assert f'id="alt_{file.pk}"' in page
        assert f"/drafts/media/{file.pk}/" in page
    assert "The library opens." in page
    assert not Draft.objects.exists()


def test_saving_without_alt_text_says_so_and_keeps_the_files_and_text(client, member, account):
    client.force_login(member)
    response = client.post(
        URL, {"account": account.pk, "posts": ["Picture post."], "upload_0": photo(), "action": "save"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    file = MediaFile.objects.get()
    assert "There is a problem" in page
    assert f'href="#alt_{file.pk}"' in page
    assert "Add alt text to photo.jpg" in page
    assert "Picture post." in page
    assert f'name="media_0" value="{file.pk}"' in page
    # Now with the alt text: saved, with the file and its alt text in the revision.
    response = client.post(
        URL,
        {
            "account": account.pk,
            "posts": ["Picture post."],
            "media_0": file.pk,
            f"alt_{file.pk}": ALT,
            "action": "save",
        },
    )
    assert response.status_code == 302
    draft = Draft.objects.get()
    row = draft.current_revision.media.get()
    assert (row.media, row.alt_text, row.position) == (file, ALT, 0)
    file.refresh_from_db()
    assert file.draft == draft


def test_a_bad_file_is_refused_saying_what_to_fix_and_the_rest_is_kept(client, member, account):
    client.force_login(member)
    bad = SimpleUploadedFile("report.pdf", b"%PDF-1.4 not a picture", content_type="application/pdf")
    response = client.post(
        URL,
        {
            "account": account.pk,
            "posts": ["Keep this text."],
            "in_reply_to_post_id": "1234567",
            "upload_0": bad,
            "action": "save",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "report.pdf could not be read as an image" in page
    assert 'href="#upload_0"' in page
    assert "Keep this text." in page and 'value="1234567"' in page
    assert not MediaFile.objects.exists() and not Draft.objects.exists()


def test_a_short_alt_text_is_a_hint_not_an_error(client, member, account):
    client.force_login(member)
    file = stored(member)
    response = client.post(
        URL, {"account": account.pk, "posts": ["Hint."], "media_0": file.pk, f"alt_{file.pk}": "A dog", "preview": "1"}
    )
    assert response.status_code == 200
    assert "is very short" in response.content.decode()


def test_a_video_asks_for_captions_or_a_reason(client, member, account):
    client.force_login(member)
    video = MediaFile.objects.create(
        kind=MediaFile.Kind.VIDEO, mime_type="video/mp4", size=10, sha256="0" * 64, uploaded_by=member, file="v.mp4"
    )
    data = {"account": account.pk, "posts": ["Clip."], "media_0": video.pk, "action": "save"}
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "Add captions (an SRT file)" in response.content.decode()
    response = client.post(
        URL, {**data, f"captions_{video.pk}": SimpleUploadedFile("clip.srt", SRT, content_type="text/srt")}
    )
    assert response.status_code == 302
    row = Draft.objects.get().current_revision.media.get()
    assert row.captions.original_name == "clip.srt"


def test_removing_a_file(client, member, account):
    client.force_login(member)
    file = stored(member)
    response = client.post(
        URL,
        {
            "account": account.pk,
            "posts": ["No picture."],
            "media_0": file.pk,
            f"remove_{file.pk}": "1",
            "action": "save",
        },
    )
    assert response.status_code == 302
    assert not Draft.objects.get().current_revision.media.exists()


def test_someone_elses_file_is_ignored(client, member, lead, account):
    client.force_login(member)
    theirs = stored(lead)
    response = client.post(
        URL,
        {"account": account.pk, "posts": ["Mine."], "media_0": theirs.pk, f"alt_{theirs.pk}": ALT, "action": "save"},
    )
    assert response.status_code == 302
    assert not Draft.objects.get().current_revision.media.exists()


def test_editing_alt_text_on_the_edit_page_makes_a_new_revision(client, member, account):
    client.force_login(member)
    file = stored(member)
    draft = services.draft_create(author=member, account=account, text="Edit me.", media=[[Attachment(file.pk, ALT)]])
    page = client.get(f"/drafts/{draft.pk}/edit/").content.decode()
    assert f'name="media_0" value="{file.pk}"' in page and ALT in page
    new_alt = "The minister and pupils cutting the ribbon at the library."
    client.post(
        f"/drafts/{draft.pk}/edit/",
        {"posts": ["Edit me."], "media_0": file.pk, f"alt_{file.pk}": new_alt, "action": "save"},
    )
    draft.refresh_from_db()
    assert draft.current_revision.number == 2
    assert draft.current_revision.media.get().alt_text == new_alt


# --- Preview ------------------------------------------------------------------------------------------------


def test_the_compose_preview_marks_entities_and_says_what_it_replies_to(client, member, account):
    client.force_login(member)
    response = client.post(
        URL,
        {
            "account": account.pk,
            "posts": ["Thanks @citizen_kate, see https://gov.uk/library #Libraries", "Second post."],
            "in_reply_to_post_id": "https://x.com/citizen_kate/status/1234567",
            "preview": "1",
        },
    )
    page = response.content.decode()
    assert '<span class="dovecote-entity dovecote-entity--mention" title="mention">@citizen_kate</span>' in page
    assert '<span class="dovecote-entity dovecote-entity--url" title="url">https://gov.uk/library</span>' in page
    assert '<span class="dovecote-entity dovecote-entity--hashtag" title="hashtag">#Libraries</span>' in page
    assert "A reply to" in page and "post 1234567" in page
    assert "replying to post 1" in page  # the second post answers the first
    assert f"@{account.handle}" in page
    assert "js/media_preview.js" in page


def test_the_draft_page_previews_the_thread_with_images_and_alt_text(client, member, account, approver):
    file = stored(member)
    draft = services.draft_create(
        author=member, account=account, posts=["One #Leeds", "Two"], media=[[Attachment(file.pk, ALT)]]
    )
    services.draft_submit(draft=draft, by=member)
    client.force_login(approver)
    page = client.get(f"/drafts/{draft.pk}/").content.decode()
    assert f'<img class="dovecote-preview__image" src="/drafts/media/{file.pk}/" alt="{ALT}">' in page
    assert f"<strong>Alt text:</strong> {ALT}" in page
    assert page.index("One") < page.index("Two")
    assert "A thread of 2 posts" in page


# --- Who may see a file ------------------------------------------------------------------------------------------


def test_a_file_is_served_to_the_uploader_before_it_is_attached_and_to_nobody_else(client, member, lead):
    file = stored(member)
    client.force_login(member)
    response = client.get(f"/drafts/media/{file.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"GPS" not in b"".join(response.streaming_content)
    client.force_login(lead)
    assert client.get(f"/drafts/media/{file.pk}/").status_code == 404


def test_an_attached_file_is_served_to_the_drafts_teams_only(client, member, account, lead, other_team):
    file = stored(member)
    services.draft_create(author=member, account=account, text="Team only.", media=[[Attachment(file.pk, ALT)]])
    client.force_login(lead)
    assert client.get(f"/drafts/media/{file.pk}/").status_code == 200
    outsider = MembershipFactory(team=other_team).user
    client.force_login(outsider)
    assert client.get(f"/drafts/media/{file.pk}/").status_code == 404
    assert client.get("/drafts/media/999999/").status_code == 404
    client.logout()
    assert client.get(f"/drafts/media/{file.pk}/").status_code == 302


def test_an_outsider_cannot_edit_a_drafts_media(client, member, account, other_team):
    file = stored(member)
    draft = services.draft_create(author=member, account=account, text="Ours.", media=[[Attachment(file.pk, ALT)]])
    outsider = MembershipFactory(team=other_team).user
    client.force_login(outsider)
    response = client.post(f"/drafts/{draft.pk}/edit/", {"posts": ["Ours."], "media_0": file.pk, "action": "save"})
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.current_revision.number == 1


field_names = st.sampled_from(
    ["media_0", "media_1", "alt_1", "alt_99999999999999", "captions_id_1", "no_captions_1", "remove_1", "upload_0"]
)
garbage = st.one_of(st.text(max_size=60), st.integers(-(2**70), 2**70).map(str), st.just("\x00"), st.just("1e9"))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(fields=st.dictionaries(field_names, garbage, max_size=6), action=st.sampled_from(["save", "submit", ""]))
def test_garbage_in_the_media_fields_never_breaks_the_page(client, member, account, fields, action):
    client.force_login(member)
    data = {"account": account.pk, "posts": ["Garbage test."], "action": action, **fields}
    response = client.post(URL, data)
    assert response.status_code in (200, 302, 400)


def test_an_approver_is_told_what_changed_in_the_media(client, member, account, approver):
    file = stored(member)
    draft = services.draft_create(author=member, account=account, text="Same text.", media=[[Attachment(file.pk, ALT)]])
    services.draft_submit(draft=draft, by=member)
    seen = draft.current_revision
    new_alt = "Pupils and the minister cutting the ribbon at the library in Leeds."
    services.draft_edit(draft=draft, by=member, media=[[Attachment(file.pk, new_alt)]])
    client.force_login(approver)
    response = client.post(f"/drafts/{draft.pk}/approve/", {"revision": seen.pk, "scheduled_at": ""})
    page = response.content.decode()
    assert "What changed since you opened it" in page
    assert f"Post 1: alt text of photo.jpg changed from “{ALT}” to “{new_alt}”" in page
    page = client.get(f"/drafts/{draft.pk}/").content.decode()
    assert "Changes between versions" in page and "alt text of photo.jpg changed" in page


def test_a_video_is_previewed_with_its_captions_as_webvtt(client, member, account):
    video = MediaFile.objects.create(
        kind=MediaFile.Kind.VIDEO, mime_type="video/mp4", size=10, sha256="0" * 64, uploaded_by=member, file="v.mp4"
    )
    captions = stored(member, "clip.srt", SRT, captions=True)
    draft = services.draft_create(
        author=member, account=account, text="Clip.", media=[[Attachment(video.pk, captions_id=captions.pk)]]
    )
    client.force_login(member)
    page = client.get(f"/drafts/{draft.pk}/").content.decode()
    assert f'<track kind="captions" src="/drafts/media/{captions.pk}/?format=vtt"' in page
    vtt = client.get(f"/drafts/media/{captions.pk}/?format=vtt")
    assert vtt["Content-Type"].startswith("text/vtt")
    assert vtt.content.decode() == "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nThe minister opens the library.\n"
