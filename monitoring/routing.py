"""The router: which monitors match a post, and which team, priority and tags it gets.

Built once from a snapshot of monitors, rules, watchlists and accounts. One Aho-Corasick automaton holds
every monitor's anchor terms and every rule phrase, so a post's text is scanned once; the query matcher
runs only on the monitors whose anchor terms occur (plus the few with no anchor terms), and only the
rules whose indexed condition holds are checked, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ahocorasick

from twitter_api.query import analyse, parse, searchable_text
from twitter_api.types import XPost


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
        self.unanchored: list[int] = []
        self.rules = sorted(rules, key=lambda r: (r.position, r.id))
        self.watchlists = {wid: {u.lower() for u in names} for wid, names in watchlists.items()}
        self.account_teams = account_teams
        self.triage_team_id = triage_team_id
        self.default_priority = default_priority
        automaton = ahocorasick.Automaton()
        keys: dict[str, tuple[list[int], list[int]]] = {}
        for monitor_id, query in monitors:
            parsed = parse(query)
            self.queries[monitor_id] = parsed
            anchors = parsed.anchor_terms()
            if not anchors:
                self.unanchored.append(monitor_id)
                continue
            for term in anchors:
                keys.setdefault(term, ([], []))[0].append(monitor_id)
        # Rules are indexed by their most selective condition; only the rest are checked every time.
        self.rules_by_monitor: dict[int, list[RuleSpec]] = {}
        self.rules_by_account: dict[int, list[RuleSpec]] = {}
        self.rules_by_watchlist: dict[int, list[RuleSpec]] = {}
        self.rules_always: list[RuleSpec] = []
        for rule in self.rules:
            if rule.phrases:
                for phrase in rule.phrases:
                    keys.setdefault(phrase, ([], []))[1].append(rule.id)
            elif rule.monitor_id is not None:
                self.rules_by_monitor.setdefault(rule.monitor_id, []).append(rule)
            elif rule.account_id is not None:
                self.rules_by_account.setdefault(rule.account_id, []).append(rule)
            elif rule.watchlist_id is not None:
                self.rules_by_watchlist.setdefault(rule.watchlist_id, []).append(rule)
            else:
                self.rules_always.append(rule)
        self.rules_by_id = {r.id: r for r in self.rules}
        for key, (monitor_ids, rule_ids) in keys.items():
            automaton.add_word(key, (tuple(monitor_ids), tuple(rule_ids)))
        self.has_patterns = bool(keys)
        if self.has_patterns:
            automaton.make_automaton()
        self.automaton = automaton
        # username -> watchlist ids, so the author check is one dict lookup.
        self.watchlists_by_author: dict[str, list[int]] = {}
        for wid, names in self.watchlists.items():
            for name in names:
                self.watchlists_by_author.setdefault(name, []).append(wid)

    def _matching(self, post: XPost, candidates) -> list[int]:
        if not candidates:
            return []
        analysed = analyse(post)
        return sorted(m for m in candidates if self.queries[m].matches_analysed(analysed))

    def match_monitors(self, post: XPost) -> list[int]:
        candidates = set(self.unanchored)
        if self.has_patterns:
            for _, (monitor_ids, _rules) in self.automaton.iter(searchable_text(post)):
                candidates.update(monitor_ids)
        return self._matching(post, candidates)

    def route(self, facts: PostFacts) -> Decision:
        post = facts.post
        monitor_candidates = set(self.unanchored)
        phrase_rules: set[int] = set()
        if self.has_patterns:
            for _, (monitor_ids, rule_ids) in self.automaton.iter(searchable_text(post)):
                monitor_candidates.update(monitor_ids)
                phrase_rules.update(rule_ids)
        monitor_ids = self._matching(post, monitor_candidates)
        author = (post.author.username if post.author else "").lower()
        author_watchlists = self.watchlists_by_author.get(author, ())
        candidates: dict[int, RuleSpec] = {r.id: r for r in self.rules_always}
        for rid in phrase_rules:
            candidates[rid] = self.rules_by_id[rid]
        for mid in monitor_ids:
            for rule in self.rules_by_monitor.get(mid, ()):
                candidates[rule.id] = rule
        for aid in facts.account_ids:
            for rule in self.rules_by_account.get(aid, ()):
                candidates[rule.id] = rule
        for wid in author_watchlists:
            for rule in self.rules_by_watchlist.get(wid, ()):
                candidates[rule.id] = rule
        team_id = None
        priority = ""
        tags: list[str] = []
        matched: list[int] = []
        if candidates:
            ordered = sorted(candidates.values(), key=lambda r: (r.position, r.id))
            monitor_set = set(monitor_ids)
            for rule in ordered:
                if not self._holds(rule, facts, monitor_set, author_watchlists, phrase_rules):
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

    def default_team(self, account_ids) -> tuple[int | None, str]:
        """A mention of one of our accounts goes to its owning team; anything else to triage."""
        for aid in sorted(account_ids):
            team = self.account_teams.get(aid)
            if team is not None:
                return team, "account"
        return self.triage_team_id, "triage"

    @staticmethod
    def _holds(rule: RuleSpec, facts: PostFacts, monitor_ids, author_watchlists, phrase_rules) -> bool:
        post = facts.post
        if rule.phrases and rule.id not in phrase_rules:
            return False
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
