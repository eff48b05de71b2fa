"""What X will charge for a draft before it is approved (tweets/costs.py over twitter_api/prices.py), shown on the
compose and approval pages with the day the prices were taken."""

from decimal import Decimal

import pytest

from tests.tweets.factories import DraftFactory
from tweets import costs
from twitter_api import prices

D = Decimal


@pytest.fixture(autouse=True)
def _rate_card(settings):
    settings.X_PRICES_TAKEN = "2026-08-13"
    settings.X_PRICE_PER_POST_CREATED = 0.015
    settings.X_PRICE_PER_POST_WITH_URL = 0.20
    settings.X_PRICE_PER_SUMMONED_REPLY = 0.010
    settings.X_PRICE_PER_MEDIA_METADATA = 0.005


@pytest.mark.parametrize(
    ("posts", "is_reply", "alt_texts", "kinds", "total"),
    [
        (["Hello."], False, [], ["post"], "0.015"),
        (["Read more at https://www.gov.uk/guidance"], False, [], ["post with a link"], "0.200"),
        (["Read more at gov.uk"], False, [], ["post with a link"], "0.200"),  # twitter-text sees a bare domain
        (["Thanks for asking."], True, [], ["summoned reply"], "0.010"),
        (["Thanks, see https://gov.uk"], True, [], ["post with a link"], "0.200"),  # the higher price
        (["One.", "Two.", "Three."], False, [], ["post", "post", "post"], "0.045"),
        (["One.", "Two."], True, [], ["summoned reply", "post"], "0.025"),  # only the first answers someone
        (["One.", "", "Two."], False, [], ["post", "post"], "0.030"),  # a blank post is never sent
        (["Photos.", "More."], False, [2, 1], ["post", "post"], "0.045"),  # 3 alt texts at 0.005
        ([], False, [], [], "0"),
        (["   "], True, [], [], "0"),
    ],
)
def test_a_draft_costs_what_the_price_list_says(posts, is_reply, alt_texts, kinds, total):
    cost = costs.cost_of(posts, is_reply=is_reply, alt_texts=alt_texts)
    assert [line.kind for line in cost.posts] == kinds
    assert cost.total == D(total)
    assert str(cost.taken) == "2026-08-13"


def test_a_department_changes_a_price_without_a_release(settings):
    settings.X_PRICE_PER_POST_WITH_URL = 0.25
    settings.X_PRICES_TAKEN = "2026-12-01"
    cost = costs.cost_of(["See https://gov.uk"])
    assert (cost.total, str(cost.taken)) == (D("0.25"), "2026-12-01")


def test_an_unreadable_price_date_is_shown_as_unknown_not_an_error(settings):
    settings.X_PRICES_TAKEN = "last Tuesday"
    assert prices.current().taken is None


@pytest.mark.django_db
def test_alt_texts_come_from_the_registered_counter():
    draft = DraftFactory(text=["A photo.", "Two photos."])
    try:
        costs.count_alt_texts_with(lambda revision: [1, 2] if revision == draft.current_revision else [])
        cost = costs.draft_cost(draft)
    finally:
        costs.count_alt_texts_with(None)
    assert [line.alt_texts for line in cost.posts] == [1, 2]
    assert cost.total == D("0.045")


@pytest.mark.django_db
def test_without_a_counter_a_draft_has_no_alt_texts():
    draft = DraftFactory(text=["A post."], in_reply_to_post_id="1234")
    cost = costs.draft_cost(draft)
    assert [(line.kind, line.alt_texts) for line in cost.posts] == [("summoned reply", 0)]


@pytest.mark.parametrize(
    ("method", "endpoint", "status", "read", "body", "cost"),
    [
        ("GET", "/2/tweets/search/recent", 200, 40, None, "0.200"),
        ("GET", "/2/users/:id/mentions", 200, 0, None, "0"),
        ("GET", "/2/tweets/search/recent", 429, 0, None, "0"),
        ("POST", "/2/tweets", 201, 0, b'{"text": "Hello"}', "0.015"),
        ("POST", "/2/tweets", 201, 0, b'{"text": "See https://gov.uk"}', "0.200"),
        ("POST", "/2/tweets", 201, 0, b'{"text": "Yes", "reply": {"in_reply_to_tweet_id": "1"}}', "0.010"),
        ("POST", "/2/tweets", 403, 0, b'{"text": "Yes", "reply": {"in_reply_to_tweet_id": "1"}}', "0"),
        ("POST", "/2/tweets", 201, 0, b"\xff not json", "0.015"),
        ("POST", "/2/tweets", 201, 0, b'["a list"]', "0.015"),
        ("POST", "/2/media/metadata", 200, 0, b"{}", "0.005"),
        ("DELETE", "/2/tweets/:id", 200, 0, None, "0.005"),
        ("GET", "/2/tweets/search/recent", None, 0, None, "0"),
    ],
)
def test_each_metered_call_costs_what_x_bills(method, endpoint, status, read, body, cost):
    assert prices.call_cost(method, endpoint, status=status, posts_read=read, body=body) == D(cost)


URL = "/drafts/new/"


def test_the_compose_page_shows_the_cost_with_the_price_date_and_live_script(client, member, account):
    client.force_login(member)
    page = client.post(URL, {"account": account.pk, "posts": ["See https://gov.uk", "More."], "add_post": "1"})
    text = page.content.decode()
    assert "What X will charge" in text
    assert "$0.215 to publish these 2 posts." in text
    assert "13 August 2026" in text
    assert 'data-price-post-with-url="0.2"' in text
    assert "js/cost.js" in text


def test_the_compose_page_prices_a_reply_as_typed(client, member, account):
    client.force_login(member)
    page = client.get(URL, {"reply_to": "12345"}).content.decode()
    assert "Nothing until there is text to publish." in page
    page = client.post(
        URL, {"account": account.pk, "posts": ["Thanks."], "in_reply_to_post_id": "12345", "add_post": "1"}
    ).content.decode()
    assert "Summoned reply, $0.010" in page


@pytest.mark.django_db
def test_the_approval_page_shows_the_cost(client, approver, account):
    draft = DraftFactory(account=account, text=["Details at https://gov.uk/x"], state="submitted")
    client.force_login(approver)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "$0.200 to publish this post." in page
    assert "Post with a link, $0.200" in page
    assert "13 August 2026" in page
    assert "data-cost-live" not in page


@pytest.mark.django_db
def test_a_revisions_images_with_alt_text_are_counted_from_its_media(member, account, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.tweets.media_helpers import jpeg_with_gps
    from tweets import services
    from tweets.media import Attachment, media_store

    settings.MEDIA_ROOT = str(tmp_path / "media")
    files = [
        media_store(upload=SimpleUploadedFile(f"p{n}.jpg", jpeg_with_gps(colour=(n * 40, 0, 0))), by=member)
        for n in range(3)
    ]
    alt = "A crowd outside the new library in Leeds at the opening."
    draft = services.draft_create(
        author=member,
        account=account,
        posts=["Two photos.", "One photo."],
        media=[[Attachment(files[0].pk, alt), Attachment(files[1].pk, alt)], [Attachment(files[2].pk, alt)]],
    )
    cost = costs.draft_cost(draft)
    assert [line.alt_texts for line in cost.posts] == [2, 1]
    assert cost.total == D("0.045")
