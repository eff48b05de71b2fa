"""Factories for monitoring: monitors, watchlists, rules, mentions and inbox items."""

from datetime import UTC, datetime

import factory
from django.utils import timezone

from monitoring.models import InboxItem, Mention, Monitor, RoutingRule, Watchlist, WatchlistEntry
from tests.factories import TeamFactory
from twitter_api.types import XPost, XUser, snowflake_for


class MonitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Monitor

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Monitor {n}")
    query = "passport"


class WatchlistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Watchlist

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Watchlist {n}")


class WatchlistEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WatchlistEntry

    watchlist = factory.SubFactory(WatchlistFactory)
    username = factory.Sequence(lambda n: f"journalist{n}")


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    name = factory.Sequence(lambda n: f"Rule {n}")
    position = factory.Sequence(lambda n: (n + 1) * 10)


_ids = iter(range(1, 10**9))


def next_tweet_id(when=None) -> int:
    return snowflake_for(when or datetime(2026, 11, 1, tzinfo=UTC), next(_ids))


class MentionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mention

    tweet_id = factory.LazyFunction(next_tweet_id)
    text = "When will my passport arrive?"
    posted_at = factory.LazyFunction(timezone.now)
    lang = "en"
    author_x_id = factory.Sequence(lambda n: str(7_000_000 + n))
    author_username = factory.Sequence(lambda n: f"citizen{n}")
    author_followers = 100


class InboxItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboxItem

    mention = factory.SubFactory(MentionFactory)
    team = factory.SubFactory(TeamFactory)
    priority = "normal"
    due_at = factory.LazyAttribute(lambda o: InboxItem.due_for(o.priority))


def make_post(text, *, username="citizen", followers=100, lang="en", post_id=None, mentions=None) -> XPost:
    """An XPost as the client would return it (entities left empty: the matcher reads the text)."""
    post_id = post_id or next_tweet_id()
    entities = {"mentions": [{"username": m} for m in mentions]} if mentions is not None else {}
    return XPost(
        id=str(post_id),
        text=text,
        author_id=str(abs(hash(username)) % 10**9),
        created_at=timezone.now(),
        lang=lang,
        entities=entities,
        author=XUser(id=str(abs(hash(username)) % 10**9), username=username, name=username, followers_count=followers),
    )
