"""Writing for accounts on X, Bluesky and Mastodon: each network's text rule when the draft is saved and in the
count the page shows, each network's media rules, and one announcement composed once for several accounts (one
draft each, all or nothing, only for accounts the person may write for)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import TwitterAccount
from core.permissions import Refused
from tests.factories import TwitterAccountFactory
from tests.training.helpers import require_course
from tweets import announcements, services
from tweets.media import network_file_errors
from tweets.media_models import MediaFile
from tweets.models import Draft

pytestmark = pytest.mark.django_db

NEW = reverse("tweets:draft_create")
EMOJI_290 = "\U0001f44d\U0001f3fd" * 290  # 290 graphemes; X weighs each emoji as 2


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bluesky_account(team, **fields) -> TwitterAccount:
    return TwitterAccountFactory(
        team=team,
        network="bluesky",
        handle=fields.pop("handle", "press.dept.bsky.social"),
        access_token="app-pass-word-abcd",
        access_token_secret="",
        x_user_id="did:plc:aaaaaaaaaaaaaaaaaaaaaaaa",
        **fields,
    )


def mastodon_account(team, *, max_characters=None, **fields) -> TwitterAccount:
    return TwitterAccountFactory(
        team=team,
        network="mastodon",
        handle=fields.pop("handle", "press@social.example.gov.uk"),
        instance_url="https://social.example.gov.uk",
        access_token="mastodon-token",
        access_token_secret="",
        x_user_id="1001",
        max_characters=max_characters,
        **fields,
    )


@pytest.fixture
def bluesky(team):
    return bluesky_account(team)


@pytest.fixture
def mastodon(team):
    return mastodon_account(team, max_characters=1000)


# --- Each network's text rule ------------------------------------------------------------------------------------


def test_a_290_grapheme_emoji_text_fits_bluesky_but_not_x(member, account, bluesky):
    draft = services.draft_create(author=member, account=bluesky, text=EMOJI_290)
    assert draft.text == EMOJI_290
    with pytest.raises(ValidationError, match="by X's count; the limit is 280"):
        services.draft_create(author=member, account=account, text=EMOJI_290)


def test_bluesky_refuses_301_graphemes(member, bluesky):
    with pytest.raises(ValidationError, match="301 characters long by Bluesky's count; the limit is 300"):
        services.draft_create(author=member, account=bluesky, text="a" * 301)


def test_mastodon_counts_against_the_instance_limit(member, team):
    roomy = mastodon_account(team, max_characters=1000)
    strict = mastodon_account(team, max_characters=500, handle="news@social.example.gov.uk")
    assert services.draft_create(author=member, account=roomy, text="a" * 600).text == "a" * 600
    with pytest.raises(ValidationError, match="600 characters long by Mastodon's count; the limit is 500"):
        services.draft_create(author=member, account=strict, text="a" * 600)
    assert Draft.objects.count() == 1


def test_editing_a_bluesky_draft_keeps_to_bluesky_s_rule(member, bluesky):
    draft = services.draft_create(author=member, account=bluesky, text="Short.")
    services.draft_edit(draft=draft, by=member, text=EMOJI_290)
    draft.refresh_from_db()
    assert draft.text == EMOJI_290
    with pytest.raises(ValidationError, match="Bluesky's count"):
        services.draft_edit(draft=draft, by=member, text="b" * 301)


def test_the_compose_page_counts_by_the_chosen_account_s_network(member, account, bluesky, mastodon):
    page = _client(member).get(NEW, {"account": bluesky.pk}).content.decode()
    assert "0 of 300 characters" in page
    assert 'data-network="bluesky"' in page
    assert "js/compose_count.js" in page
    assert f'value="{mastodon.pk}" data-network="mastodon" data-max="1000"' in page


def test_a_bluesky_post_over_300_is_sent_back_with_bluesky_s_count(member, bluesky):
    response = _client(member).post(NEW, {"account": bluesky.pk, "posts": ["a" * 301], "action": "save"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Bluesky&#x27;s count" in page or "Bluesky's count" in page
    assert "301 of 300 characters" in page
    assert not Draft.objects.exists()


def test_the_draft_page_shows_the_bluesky_limit(member, bluesky):
    draft = services.draft_create(author=member, account=bluesky, text=EMOJI_290)
    page = _client(member).get(draft.get_absolute_url()).content.decode()
    assert "290 of 300 characters" in page


# --- Media rules by network --------------------------------------------------------------------------------------


def test_bluesky_takes_pictures_of_up_to_a_million_bytes_and_no_video():
    big = MediaFile(kind=MediaFile.Kind.IMAGE, size=1_000_001, original_name="chart.png")
    small = MediaFile(kind=MediaFile.Kind.IMAGE, size=1_000_000, original_name="chart.png")
    video = MediaFile(kind=MediaFile.Kind.VIDEO, size=10, original_name="launch.mp4")
    assert network_file_errors(big, "bluesky") == [
        "chart.png is 1,000,001 bytes; Bluesky takes pictures of up to 1,000,000 bytes. Save it smaller (fewer "
        "pixels or a lower quality) and attach it again."
    ]
    assert network_file_errors(small, "bluesky") == []
    assert "cannot post videos to Bluesky yet" in network_file_errors(video, "bluesky")[0]
    assert network_file_errors(big, "x") == [] and network_file_errors(video, "x") == []


def test_mastodon_alt_text_may_be_longer_than_x_s():
    from tweets.media import alt_text_problems

    alt = "A chart of the year's figures. " * 40  # about 1,240 characters
    assert alt_text_problems(alt, "chart.png", network="mastodon") == ([], [])
    assert "X takes up to 1000" in alt_text_problems(alt, "chart.png", network="x")[0][0]
    assert "Mastodon takes up to 1500" in alt_text_problems(alt * 2, "chart.png", network="mastodon")[0][0]


# --- Composing once for several accounts -------------------------------------------------------------------------


def test_the_page_offers_the_other_accounts_by_network(member, account, bluesky, mastodon):
    page = _client(member).get(NEW, {"account": account.pk}).content.decode()
    assert "Also post this from" in page
    assert f'name="also" type="checkbox" value="{bluesky.pk}"' in page
    assert f'name="also" type="checkbox" value="{mastodon.pk}"' in page
    assert f"Text for @{bluesky.handle} on Bluesky (optional)" in page
    assert f'name="also" type="checkbox" value="{account.pk}"' not in page  # the main account is posted anyway


def test_composing_for_x_bluesky_and_mastodon_makes_three_drafts_sharing_an_announcement(
    member, account, bluesky, mastodon
):
    response = _client(member).post(
        NEW,
        {
            "account": account.pk,
            "posts": ["The new bridge opens on Monday."],
            "also": [bluesky.pk, mastodon.pk],
            f"variant_{mastodon.pk}": "The new bridge opens on Monday. #Bridges",
            f"variant_{bluesky.pk}": "   ",
            "action": "save",
        },
    )
    drafts = list(Draft.objects.order_by("pk"))
    assert response.status_code == 302
    assert response["Location"] == drafts[0].get_absolute_url()
    assert [d.account for d in drafts] == [account, bluesky, mastodon]
    assert len({d.announcement for d in drafts}) == 1 and drafts[0].announcement is not None
    assert [d.text for d in drafts] == [
        "The new bridge opens on Monday.",
        "The new bridge opens on Monday.",
        "The new bridge opens on Monday. #Bridges",
    ]
    assert all(d.author == member and d.state == Draft.State.DRAFT for d in drafts)


def test_one_account_s_text_failing_saves_none_and_says_which(member, account, bluesky, mastodon):
    response = _client(member).post(
        NEW,
        {
            "account": account.pk,
            "posts": ["Fits X."],
            "also": [bluesky.pk, mastodon.pk],
            f"variant_{bluesky.pk}": "b" * 301,
            "action": "save",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f"@{bluesky.handle} on Bluesky: Your post is 301 characters long" in page
    assert "b" * 301 in page and "Fits X." in page  # what was typed is kept
    assert f"@{mastodon.handle} on Mastodon:" not in page
    assert not Draft.objects.exists()


def test_the_same_text_too_long_for_one_network_names_that_account(member, account, bluesky, team):
    strict = mastodon_account(team, max_characters=500, handle="news@social.example.gov.uk")
    text = "c" * 550  # too long for X and for the 500 instance; the main account is Bluesky's
    response = _client(member).post(
        NEW, {"account": bluesky.pk, "posts": ["d" * 290], "also": [strict.pk], f"variant_{strict.pk}": text}
    )
    assert response.status_code == 400
    assert f"@{strict.handle} on Mastodon: Your post is 550 characters long" in response.content.decode()
    assert not Draft.objects.exists()


def test_a_reply_goes_from_one_account_only(member, account, bluesky):
    response = _client(member).post(
        NEW,
        {"account": account.pk, "posts": ["Thanks."], "also": [bluesky.pk], "in_reply_to_post_id": "1234567890"},
    )
    assert response.status_code == 400
    assert "A reply goes out from one account only" in response.content.decode()
    assert not Draft.objects.exists()


def test_an_account_without_the_training_is_not_offered_and_a_forged_tick_is_refused(member, account, team):
    untrained_for = mastodon_account(team, kind=TwitterAccount.Kind.PRESS_OFFICE)
    require_course(TwitterAccount.Kind.PRESS_OFFICE, "draft", title="Press office posting")
    client = _client(member)
    page = client.get(NEW, {"account": account.pk}).content.decode()
    assert f'name="also" type="checkbox" value="{untrained_for.pk}"' not in page
    assert f"Text for @{untrained_for.handle} on Mastodon" not in page
    response = client.post(
        NEW, {"account": account.pk, "posts": ["Hello."], "also": [untrained_for.pk], "action": "save"}
    )
    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_a_forged_tick_of_another_team_s_account_is_404_and_saves_nothing(member, account, other_team):
    theirs = bluesky_account(other_team, handle="other.dept.bsky.social")
    response = _client(member).post(
        NEW, {"account": account.pk, "posts": ["Hello."], "also": [theirs.pk], "action": "save"}
    )
    assert response.status_code == 404
    assert not Draft.objects.exists()


def test_the_service_refuses_an_account_the_author_may_not_write_for(member, account, other_team):
    theirs = bluesky_account(other_team, handle="other.dept.bsky.social")
    parts = [announcements.Part(account, ["Hello."]), announcements.Part(theirs, ["Hello."])]
    with pytest.raises(Refused):
        announcements.announcement_create(author=member, parts=parts)
    assert not Draft.objects.exists()


def test_an_outsider_sees_none_of_the_team_s_accounts_and_cannot_post_for_them(outsider, account, bluesky):
    client = _client(outsider)
    page = client.get(NEW).content.decode()
    assert bluesky.handle not in page and account.handle not in page
    response = client.post(NEW, {"account": account.pk, "posts": ["Hi."], "also": [bluesky.pk], "action": "save"})
    assert response.status_code in (400, 403, 404)
    assert not Draft.objects.exists()


def test_saving_and_submitting_submits_each_draft(member, account, bluesky, approver):
    _client(member).post(
        NEW, {"account": account.pk, "posts": ["Submit us."], "also": [bluesky.pk], "action": "submit"}
    )
    assert list(Draft.objects.values_list("state", flat=True)) == [Draft.State.SUBMITTED] * 2


def test_the_draft_page_lists_the_announcement_and_submits_all(member, account, bluesky, mastodon, approver):
    parts = [announcements.Part(a, ["Together."]) for a in (account, bluesky, mastodon)]
    first, second, third = announcements.announcement_create(author=member, parts=parts)
    client = _client(member)
    page = client.get(first.get_absolute_url()).content.decode()
    assert "Part of an announcement" in page
    assert second.get_absolute_url() in page and third.get_absolute_url() in page
    assert "Bluesky" in page and "Mastodon" in page
    assert "Submit all for approval" in page
    response = client.post(reverse("tweets:announcement_submit", args=[second.pk]))
    assert response.status_code == 302
    assert set(Draft.objects.values_list("state", flat=True)) == {Draft.State.SUBMITTED}


def test_submitting_all_leaves_those_the_person_may_not_submit_and_says_so(member, account, bluesky, team, approver):
    press = mastodon_account(team, kind=TwitterAccount.Kind.PRESS_OFFICE)
    parts = [announcements.Part(a, ["Together."]) for a in (account, bluesky, press)]
    drafts = announcements.announcement_create(author=member, parts=parts)
    require_course(TwitterAccount.Kind.PRESS_OFFICE, "draft", title="Press office posting")
    client = _client(member)
    page = client.get(drafts[0].get_absolute_url()).content.decode()
    assert f"@{press.handle} on Mastodon:" in page
    response = client.post(reverse("tweets:announcement_submit", args=[drafts[0].pk]), follow=True)
    assert f"Not submitted: @{press.handle} on Mastodon" in response.content.decode()
    states = dict(Draft.objects.values_list("account_id", "state"))
    assert states == {account.pk: "submitted", bluesky.pk: "submitted", press.pk: "draft"}


def test_the_announcement_panel_shows_only_drafts_the_person_can_see(member, outsider, account, other_team):
    theirs = bluesky_account(other_team, handle="other.dept.bsky.social")
    mine = services.draft_create(author=member, account=account, text="Mine.")
    theirs_draft = services.draft_create(author=outsider, account=theirs, text="Theirs.")
    shared = "00000000-0000-0000-0000-0000000000aa"
    Draft.objects.filter(pk__in=[mine.pk, theirs_draft.pk]).update(announcement=shared)
    page = _client(member).get(mine.get_absolute_url()).content.decode()
    assert "Part of an announcement" in page
    assert theirs_draft.get_absolute_url() not in page
    assert _client(outsider).post(reverse("tweets:announcement_submit", args=[mine.pk])).status_code == 404


# --- Whatever is posted -----------------------------------------------------------------------------------------

_junk = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", "0", "-1", "1e9", "\x00", "[]"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    account_key=_junk,
    also=st.lists(_junk, max_size=4),
    variant=st.text(max_size=400),
    post=st.text(max_size=400),
    action=st.sampled_from(["save", "submit", "", "zzz"]),
)
def test_garbage_posted_to_compose_never_gives_a_server_error(
    member, account, bluesky, account_key, also, variant, post, action
):
    data = {"account": account_key, "posts": [post], "also": also, "action": action}
    data.update({f"variant_{key}": variant for key in also[:2]} | {f"variant_{bluesky.pk}": variant})
    response = _client(member).post(NEW, data)
    assert response.status_code in (200, 302, 400, 403, 404)


def test_the_admin_checks_a_draft_s_text_by_its_account_s_network(client, admin_user, bluesky):
    client.force_login(admin_user)
    url = reverse("admin:tweets_draft_add")
    response = client.post(url, {"account": bluesky.pk, "posts_text": "a" * 301})
    assert response.status_code == 200
    assert "Bluesky" in response.content.decode() and "301" in response.content.decode()
    assert not Draft.objects.exists()


def test_without_javascript_a_bluesky_account_s_page_says_posting_is_free(member, bluesky):
    page = _client(member).get(NEW, {"account": bluesky.pk}).content.decode()
    assert '<div class="govuk-inset-text" data-cost-free>' in page
    assert '<div class="govuk-inset-text dovecote-hidden" data-cost data-cost-live' in page
