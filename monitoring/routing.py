"""The router: which monitors match a post, and which team, priority and tags it gets.

Built once from a snapshot of monitors, rules, watchlists and accounts. One Aho-Corasick automaton holds
every monitor's anchor terms and every rule phrase, so a post's text is scanned once; the query matcher
runs only on the monitors whose anchor terms occur (plus the few with no anchor terms), and only the
rules whose indexed condition holds are checked, in order.
"""

from __future__ import annotations

import logging
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

import ahocorasick
from django.conf import settings
from django.db import connection

from accounts.models import Team, TwitterAccount
from monitoring.models import Monitor, RoutingRule, Watchlist, WatchlistEntry
from monitoring.sentiment import sentiment_score
from twitter_api import query as query_language
from twitter_api.query import AnalysedPost, parse, searchable_text
from twitter_api.text import mentioned_handles
from twitter_api.types import XPost

log = logging.getLogger(__name__)

# Words so common that anchoring a monitor on them would make it a candidate for most posts.
COMMON_WORDS = frozenset(
    """a about after all also an and any are as at be because been but by can could day did do does
    even first for from get go good great had has have he her here him his how i if in into is it its
    just know last like make many me more most much my new no not now of on one only or other our out
    over people really said say see she should so some still than thank thanks that the their them then
    there these they think this time to today two up us very want was way we well were what when which
    who why will with would year you your""".split()
)


def _anchor_cost(anchors: frozenset[str]) -> float:
    """Estimated share of posts an anchor set picks: common words cost most, longer terms least."""
    return sum(1.0 if term.lstrip("#@＃＠") in COMMON_WORDS else 1.0 / (1 + len(term)) for term in anchors)


def selective_anchors(node) -> frozenset[str] | None:
    """Like Query.anchor_terms(), but an AND anchors on its least common child rather than its longest."""
    if isinstance(node, query_language.And):
        options = [a for a in (selective_anchors(child) for child in node.children) if a]
        return min(options, key=_anchor_cost) if options else None
    if isinstance(node, query_language.Or):
        parts = [selective_anchors(child) for child in node.children]
        if any(not p for p in parts):
            return None
        return frozenset().union(*parts)
    return node.anchors()


@dataclass(frozen=True)
class RuleSpec:
    id: int
    position: int
    name: str
    monitor_id: int | None = None
    account_id: int | None = None
    watchlist_id: int | None = None
    phrases: tuple[str, ...] = ()
    sentiment_below: float | None = None
    language: str = ""
    min_followers: int | None = None
    route_to_id: int | None = None
    priority: str = ""
    tags: tuple[str, ...] = ()


@dataclass
class Decision:
    team_id: int | None
    priority: str
    tags: list[str]
    monitor_ids: list[int]
    rule_ids: list[int] = field(default_factory=list)
    default_route: str = ""  # "account" or "triage" when no rule named a team


@dataclass(frozen=True)
class PostFacts:
    """What routing needs about a post besides its text."""

    post: XPost
    sentiment: float
    account_ids: frozenset[int]  # our accounts the post mentions (or whose timeline found it)


class Router:
    def __init__(
        self,
        *,
        monitors: list[tuple[int, str]],
        rules: list[RuleSpec],
        watchlists: dict[int, set[str]],
        account_teams: dict[int, int],
        triage_team_id: int | None,
        default_priority: str = "normal",
    ) -> None:
        self.queries = {}
        self.matchers = {}  # monitor id -> the query's compiled matcher (a function of an AnalysedPost)
        self.unanchored: list[int] = []
        self.rules = sorted(rules, key=lambda r: (r.position, r.id))
        self.watchlists = {wid: {u.lower() for u in names} for wid, names in watchlists.items()}
        self.account_teams = account_teams
        self.triage_team_id = triage_team_id
        self.default_priority = default_priority
        # One automaton over every monitor's anchor terms and every rule phrase: key -> (monitors, rule ranks).
        keys: dict[str, tuple[list[int], list[int]]] = {}
        self._index_monitors(monitors, keys)
        self._index_rules(keys)
        self.automaton = ahocorasick.Automaton()
        for key, (monitor_ids, rule_ranks) in keys.items():
            self.automaton.add_word(key, (tuple(monitor_ids), tuple(rule_ranks)))
        self.has_patterns = bool(keys)
        if self.has_patterns:
            self.automaton.make_automaton()
        # username -> watchlist ids, so the author check is one dict lookup.
        self.watchlists_by_author: dict[str, list[int]] = {}
        for wid, names in self.watchlists.items():
            for name in names:
                self.watchlists_by_author.setdefault(name, []).append(wid)

    def _index_monitors(self, monitors: list[tuple[int, str]], keys: dict) -> None:
        for monitor_id, query in monitors:
            parsed = parse(query)
            self.queries[monitor_id] = parsed
            self.matchers[monitor_id] = parsed.matcher
            anchors = selective_anchors(parsed.root) if hasattr(parsed, "root") else parsed.anchor_terms()
            if not anchors:
                self.unanchored.append(monitor_id)
                continue
            for term in anchors:
                keys.setdefault(term, ([], []))[0].append(monitor_id)
        self.unanchored_set = frozenset(self.unanchored)

    def _index_rules(self, keys: dict) -> None:
        """Rules indexed by their most selective condition, as ranks (positions in self.rules), so a post's
        candidate rules are a small set of ints checked in order."""
        self.rules_by_monitor: dict[int, list[int]] = {}
        self.rules_by_account: dict[int, list[int]] = {}
        self.rules_by_watchlist: dict[int, list[int]] = {}
        self.rules_by_language: dict[str, list[int]] = {}
        self.rules_always: list[int] = []
        by_sentiment: list[tuple[float, int]] = []  # a candidate while sentiment is below the threshold
        by_followers: list[tuple[int, int]] = []  # a candidate once followers reach the threshold
        for rank, rule in enumerate(self.rules):
            if rule.phrases:
                for phrase in rule.phrases:
                    keys.setdefault(phrase, ([], []))[1].append(rank)
            elif rule.monitor_id is not None:
                self.rules_by_monitor.setdefault(rule.monitor_id, []).append(rank)
            elif rule.account_id is not None:
                self.rules_by_account.setdefault(rule.account_id, []).append(rank)
            elif rule.watchlist_id is not None:
                self.rules_by_watchlist.setdefault(rule.watchlist_id, []).append(rank)
            elif rule.language:
                self.rules_by_language.setdefault(rule.language.lower(), []).append(rank)
            elif rule.sentiment_below is not None:
                by_sentiment.append((rule.sentiment_below, rank))
            elif rule.min_followers is not None:
                by_followers.append((rule.min_followers, rank))
            else:
                self.rules_always.append(rank)
        by_sentiment.sort()
        by_followers.sort()
        self.sentiment_thresholds = [t for t, _ in by_sentiment]
        self.sentiment_ranks = [r for _, r in by_sentiment]
        self.follower_thresholds = [t for t, _ in by_followers]
        self.follower_ranks = [r for _, r in by_followers]
        # A post's candidate rules whatever it says or matches: those always checked, by language.
        self.rules_always_set = frozenset(self.rules_always)
        self.rules_by_language_sets = {
            lang: frozenset(ranks) | self.rules_always_set for lang, ranks in self.rules_by_language.items()
        }

    def _scan(self, post: XPost) -> tuple[set[int], set[int] | None, str | None]:
        """One automaton pass: (candidate monitors, phrase rule ranks found or None, the lowered body when it
        is the whole searchable text, so analysis need not normalise the text again)."""
        if post.entities:
            text = searchable_text(post)
            body = None
        else:
            text = body = unicodedata.normalize("NFC", post.text).lower()
        monitors = set(self.unanchored_set)
        phrases = None
        if self.has_patterns:
            for _, (monitor_ids, rule_ranks) in self.automaton.iter(text):
                if monitor_ids:
                    monitors.update(monitor_ids)
                if rule_ranks:
                    if phrases is None:
                        phrases = set(rule_ranks)
                    else:
                        phrases.update(rule_ranks)
        return monitors, phrases, body

    def _matching(self, post: XPost, candidates, body: str | None) -> list[int]:
        if not candidates:
            return []
        analysed = AnalysedPost(post, body=body)
        matchers = self.matchers
        if len(candidates) == 1:
            (only,) = candidates
            return [only] if matchers[only](analysed) else []
        return sorted(m for m in candidates if matchers[m](analysed))

    def match_monitors(self, post: XPost) -> list[int]:
        candidates, _phrases, body = self._scan(post)
        return self._matching(post, candidates, body)

    def route(self, facts: PostFacts) -> Decision:
        post = facts.post
        monitor_candidates, phrase_ranks, body = self._scan(post)
        monitor_ids = self._matching(post, monitor_candidates, body) if monitor_candidates else []
        author = post.author
        author_watchlists = self.watchlists_by_author.get(author.username.lower(), ()) if author else ()
        candidates = self._candidate_rules(facts, phrase_ranks, monitor_ids, author_watchlists)
        team_id = None
        priority = ""
        tags: list[str] = []
        matched: list[int] = []
        if candidates:
            rules = self.rules
            holds = self._holds
            monitor_set = set(monitor_ids)
            for rank in sorted(candidates) if len(candidates) > 1 else candidates:
                rule = rules[rank]
                if rule.phrases and (phrase_ranks is None or rank not in phrase_ranks):
                    continue
                if not holds(rule, facts, monitor_set, author_watchlists):
                    continue
                matched.append(rule.id)
                if team_id is None and rule.route_to_id is not None:
                    team_id = rule.route_to_id
                if not priority and rule.priority:
                    priority = rule.priority
                for tag in rule.tags:
                    if tag not in tags:
                        tags.append(tag)
        default_route = ""
        if team_id is None:
            team_id, default_route = self.default_team(facts.account_ids)
        return Decision(
            team_id=team_id,
            priority=priority or self.default_priority,
            tags=tags,
            monitor_ids=monitor_ids,
            rule_ids=matched,
            default_route=default_route,
        )

    def _candidate_rules(self, facts: PostFacts, phrase_ranks, monitor_ids, author_watchlists) -> set[int]:
        """Ranks of the rules whose indexed condition holds for the post; the rest of each is checked after."""
        post = facts.post
        if self.rules_by_language and post.lang:
            base = self.rules_by_language_sets.get(post.lang.lower(), self.rules_always_set)
        else:
            base = self.rules_always_set
        candidates = set(base)
        if phrase_ranks:
            candidates.update(phrase_ranks)
        if self.sentiment_ranks:
            candidates.update(self.sentiment_ranks[bisect_right(self.sentiment_thresholds, facts.sentiment) :])
        if self.follower_ranks:
            followers = post.author.followers_count if post.author else 0
            candidates.update(self.follower_ranks[: bisect_right(self.follower_thresholds, followers)])
        for keys, index in (
            (monitor_ids, self.rules_by_monitor),
            (facts.account_ids, self.rules_by_account),
            (author_watchlists, self.rules_by_watchlist),
        ):
            if keys and index:
                for key in keys:
                    found = index.get(key)
                    if found:
                        candidates.update(found)
        return candidates

    def default_team(self, account_ids) -> tuple[int | None, str]:
        """A mention of one of our accounts goes to its owning team; anything else to triage."""
        for aid in sorted(account_ids):
            team = self.account_teams.get(aid)
            if team is not None:
                return team, "account"
        return self.triage_team_id, "triage"

    @staticmethod
    def _holds(rule: RuleSpec, facts: PostFacts, monitor_ids, author_watchlists) -> bool:
        post = facts.post
        if rule.monitor_id is not None and rule.monitor_id not in monitor_ids:
            return False
        if rule.account_id is not None and rule.account_id not in facts.account_ids:
            return False
        if rule.watchlist_id is not None and rule.watchlist_id not in author_watchlists:
            return False
        if rule.sentiment_below is not None and not facts.sentiment < rule.sentiment_below:
            return False
        if rule.language and (post.lang or "").lower() != rule.language.lower():
            return False
        if rule.min_followers is not None:
            followers = post.author.followers_count if post.author else 0
            if followers < rule.min_followers:
                return False
        return True


# --- The current router: rebuilt only when monitors, rules, watchlists or accounts change ---------------
# With what routing needs to know of a post beyond X's fields: its sentiment and the accounts it mentions.


# VADER with the department's lexicon and complaint rules (monitoring/sentiment.py), cached by text.
sentiment_of = sentiment_score


def mentioned_account_ids(post: XPost, handles: dict[str, int]) -> set[int]:
    """Our accounts a post mentions: from X's entities, or from the text when X sent none."""
    try:
        entities = post.entities or {}
        if "mentions" in entities:
            names = [str(item.get("username", "")) for item in entities["mentions"]]
        else:
            names = mentioned_handles(post.text)
    except (AttributeError, TypeError):
        log.error("Unexpected entities on post %s: %r", post.id, post.entities)
        names = mentioned_handles(post.text)
    found = set()
    for name in names:
        account_id = handles.get(name.lower())
        if account_id is not None:
            found.add(account_id)
    return found


def account_handles(network: str = "x") -> dict[str, int]:
    """Our accounts on that network (X unless said) by lower-case handle: a post on one network mentions accounts
    on that network only."""
    accounts = TwitterAccount.objects.filter(network=network)
    return {h.lower(): pk for pk, h in accounts.values_list("pk", "handle")}


_router_cache: dict[str, tuple[tuple, Router]] = {}


def _router_fingerprint() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM monitoring_monitor), (SELECT MAX(updated_at) FROM monitoring_monitor),"
            " (SELECT COUNT(*) FROM monitoring_routingrule), (SELECT MAX(updated_at) FROM monitoring_routingrule),"
            " (SELECT COUNT(*) FROM monitoring_watchlistentry), (SELECT MAX(id) FROM monitoring_watchlistentry),"
            " (SELECT MAX(updated_at) FROM monitoring_watchlist),"
            " (SELECT id FROM accounts_team WHERE slug = %s)",
            [settings.TRIAGE_TEAM_SLUG],
        )
        counts = tuple(cursor.fetchone())
    # Accounts have no updated_at and are few: which account is whose, so a moved or replaced one rebuilds the
    # router rather than routing to a team that no longer owns it (or no longer exists).
    return counts + tuple(TwitterAccount.objects.order_by("pk").values_list("pk", "team_id"))


def triage_team_id() -> int | None:
    return Team.objects.filter(slug=settings.TRIAGE_TEAM_SLUG).values_list("pk", flat=True).first()


def router_build() -> Router:
    monitors = list(Monitor.objects.filter(is_active=True).values_list("pk", "query"))
    rules = [
        RuleSpec(
            id=r.pk,
            position=r.position,
            name=r.name,
            monitor_id=r.monitor_id,
            account_id=r.account_id,
            watchlist_id=r.watchlist_id,
            phrases=tuple(r.phrase_list),
            sentiment_below=r.sentiment_below,
            language=r.language,
            min_followers=r.min_followers,
            route_to_id=r.route_to_id,
            priority=r.priority,
            tags=tuple(r.tag_list),
        )
        for r in RoutingRule.objects.filter(is_active=True)
    ]
    watchlists: dict[int, set[str]] = defaultdict(set)
    for wid, username in WatchlistEntry.objects.values_list("watchlist_id", "username"):
        watchlists[wid].add(username)
    for wid in Watchlist.objects.values_list("pk", flat=True):
        watchlists.setdefault(wid, set())
    account_teams = dict(TwitterAccount.objects.values_list("pk", "team_id"))
    return Router(
        monitors=monitors,
        rules=rules,
        watchlists=dict(watchlists),
        account_teams=account_teams,
        triage_team_id=triage_team_id(),
    )


def router_current() -> Router:
    fingerprint = _router_fingerprint()
    cached = _router_cache.get("router")
    if cached and cached[0] == fingerprint:
        return cached[1]
    router = router_build()
    _router_cache["router"] = (fingerprint, router)
    return router
