"""Previews: what a query would match among recent stored mentions; where a sample post would be routed."""

from dataclasses import dataclass

from django.utils import timezone

from accounts.models import Team
from monitoring.models import Mention, RoutingRule
from monitoring.routing import PostFacts, account_handles, mentioned_account_ids, router_build, sentiment_of
from twitter_api.types import XPost, XUser

PREVIEW_SCAN = 2000
PREVIEW_SHOW = 20


def mention_as_post(mention: Mention) -> XPost:
    return XPost(
        id=str(mention.tweet_id),
        text=mention.text,
        author_id=mention.author_x_id,
        created_at=mention.posted_at,
        conversation_id=mention.conversation_id or None,
        reply_to_post_id=mention.reply_to_post_id or None,
        lang=mention.lang or None,
        is_retweet=mention.is_retweet,
        entities={},  # the matcher finds mentions and hashtags in the text
        author=XUser(
            id=mention.author_x_id,
            username=mention.author_username,
            name=mention.author_name,
            verified=mention.author_verified,
            followers_count=mention.author_followers,
        ),
    )


@dataclass
class Preview:
    scanned: int
    matched: int
    examples: list[Mention]


def query_preview(query: str) -> Preview:
    """Run the query locally over the most recent stored mentions (costs no X reads)."""
    from twitter_api.query import parse

    parsed = parse(query)
    recent = list(Mention.objects.order_by("-tweet_id")[:PREVIEW_SCAN])
    hits = [m for m in recent if parsed.matches(mention_as_post(m))]
    return Preview(scanned=len(recent), matched=len(hits), examples=hits[:PREVIEW_SHOW])


@dataclass
class RuleTestResult:
    team: Team | None
    priority: str
    tags: list[str]
    sentiment: float
    rules: list[RoutingRule]
    default_route: str
    this_rule_matched: bool | None


def rule_test(
    *, text: str, author_username: str = "", author_followers=None, lang: str = "", rule_id=None
) -> RuleTestResult:
    """Route a sample post through the current rules, as ingest would, without storing anything."""
    author = XUser(id="0", username=(author_username or "").lstrip("@"), name="", followers_count=author_followers or 0)
    post = XPost(
        id="1",
        text=text,
        author_id="0",
        created_at=timezone.now(),
        lang=lang or None,
        entities={},
        author=author,
    )
    router = router_build()
    accounts = mentioned_account_ids(post, account_handles())
    sentiment = sentiment_of(text)
    decision = router.route(PostFacts(post=post, sentiment=sentiment, account_ids=frozenset(accounts)))
    rules = {r.pk: r for r in RoutingRule.objects.filter(pk__in=decision.rule_ids)}
    return RuleTestResult(
        team=Team.objects.filter(pk=decision.team_id).first(),
        priority=decision.priority,
        tags=decision.tags,
        sentiment=sentiment,
        rules=[rules[r] for r in decision.rule_ids if r in rules],
        default_route=decision.default_route,
        this_rule_matched=(rule_id in decision.rule_ids) if rule_id else None,
    )
