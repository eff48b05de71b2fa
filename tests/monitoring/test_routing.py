"""The router: which team, priority and tags a post gets, from a table of posts and rules."""

import pytest

from accounts.models import Team
from monitoring.routing import PostFacts, Router, RuleSpec, account_handles, mentioned_account_ids, router_build
from tests.monitoring.factories import make_post

PRESS, SERVICE, TRIAGE, COMMS, POLICY = 1, 2, 3, 4, 5
ACCOUNT_CORPORATE, ACCOUNT_MINISTER = 100, 101

MONITORS = [(11, "passport (delay OR waiting)"), (12, "#budget2026"), (13, "from:angryuser")]
RULES = [
    RuleSpec(
        id=1, position=10, name="Journalists", watchlist_id=50, route_to_id=PRESS, priority="high", tags=("press",)
    ),
    RuleSpec(
        id=2,
        position=20,
        name="Complaints",
        phrases=("complaint", "disgraceful", "still waiting"),
        route_to_id=SERVICE,
        tags=("complaint",),
    ),
    RuleSpec(id=3, position=30, name="Very negative", sentiment_below=-0.6, priority="urgent", tags=("angry",)),
    RuleSpec(id=4, position=40, name="Passport monitor", monitor_id=11, route_to_id=SERVICE, tags=("passports",)),
    RuleSpec(id=5, position=50, name="Welsh", language="cy", route_to_id=POLICY, tags=("welsh",)),
    RuleSpec(id=6, position=60, name="Big accounts", min_followers=100_000, priority="high", tags=("reach",)),
    RuleSpec(id=7, position=70, name="Minister's mentions", account_id=ACCOUNT_MINISTER, route_to_id=POLICY),
]


@pytest.fixture
def router():
    return Router(
        monitors=MONITORS,
        rules=RULES,
        watchlists={50: {"janejournalist"}},
        account_teams={ACCOUNT_CORPORATE: COMMS, ACCOUNT_MINISTER: POLICY},
        triage_team_id=TRIAGE,
    )


# text, author, followers, lang, sentiment, accounts -> team, priority, tags, monitors
TABLE = [
    ("Any comment on the budget?", "janejournalist", 5000, "en", 0.0, set(), PRESS, "high", ["press"], []),
    ("This is a disgraceful service", "citizen", 10, "en", -0.7, set(), SERVICE, "urgent", ["complaint", "angry"], []),
    ("I'm STILL WAITING for my refund", "citizen", 10, "en", -0.2, set(), SERVICE, "normal", ["complaint"], []),
    ("passport delay again", "citizen", 10, "en", -0.1, set(), SERVICE, "normal", ["passports"], [11]),
    ("Journalist complaint", "janejournalist", 10, "en", -0.3, set(), PRESS, "high", ["press", "complaint"], []),
    ("Diolch yn fawr", "citizen", 10, "cy", 0.5, set(), POLICY, "normal", ["welsh"], []),
    ("Great news #Budget2026", "bigaccount", 500_000, "en", 0.8, set(), TRIAGE, "high", ["reach"], [12]),
    ("Thanks @MinisterJones", "citizen", 10, "en", 0.6, {ACCOUNT_MINISTER}, POLICY, "normal", [], []),
    ("Hello @DeptForExample", "citizen", 10, "en", 0.1, {ACCOUNT_CORPORATE}, COMMS, "normal", [], []),
    ("nothing to see here", "angryuser", 10, "en", 0.0, set(), TRIAGE, "normal", [], [13]),
    ("passports are nice", "citizen", 10, "en", 0.4, set(), TRIAGE, "normal", [], []),
]


@pytest.mark.parametrize(
    ("text", "author", "followers", "lang", "sentiment", "accounts", "team", "priority", "tags", "monitors"), TABLE
)
def test_it_routes_each_post_as_the_table_says(
    router, text, author, followers, lang, sentiment, accounts, team, priority, tags, monitors
):
    post = make_post(text, username=author, followers=followers, lang=lang)
    decision = router.route(PostFacts(post=post, sentiment=sentiment, account_ids=frozenset(accounts)))
    assert (decision.team_id, decision.priority, decision.tags, decision.monitor_ids) == (
        team,
        priority,
        tags,
        monitors,
    )


def test_the_first_rule_naming_a_team_wins_so_order_matters():
    rules = [
        RuleSpec(id=1, position=10, name="A", phrases=("refund",), route_to_id=SERVICE),
        RuleSpec(id=2, position=20, name="B", phrases=("refund",), route_to_id=PRESS),
    ]
    facts = PostFacts(post=make_post("my refund"), sentiment=0.0, account_ids=frozenset())
    first = Router(monitors=[], rules=rules, watchlists={}, account_teams={}, triage_team_id=TRIAGE)
    assert first.route(facts).team_id == SERVICE
    swapped = [RuleSpec(**{**r.__dict__, "position": 30 - r.position}) for r in rules]
    second = Router(monitors=[], rules=swapped, watchlists={}, account_teams={}, triage_team_id=TRIAGE)
    assert second.route(facts).team_id == PRESS


def test_a_mention_of_an_account_goes_to_its_team_when_no_rule_claims_it(router):
    facts = PostFacts(post=make_post("hi"), sentiment=0.0, account_ids=frozenset({ACCOUNT_CORPORATE}))
    decision = router.route(facts)
    assert (decision.team_id, decision.default_route) == (COMMS, "account")


def test_anything_else_goes_to_triage(router):
    decision = router.route(PostFacts(post=make_post("hi"), sentiment=0.0, account_ids=frozenset()))
    assert (decision.team_id, decision.default_route) == (TRIAGE, "triage")


def test_all_conditions_of_a_rule_must_hold():
    rule = RuleSpec(id=1, position=10, name="Angry Welsh", language="cy", sentiment_below=-0.5, route_to_id=POLICY)
    router = Router(monitors=[], rules=[rule], watchlists={}, account_teams={}, triage_team_id=TRIAGE)
    calm = PostFacts(post=make_post("x", lang="cy"), sentiment=0.1, account_ids=frozenset())
    angry = PostFacts(post=make_post("x", lang="cy"), sentiment=-0.9, account_ids=frozenset())
    assert router.route(calm).team_id == TRIAGE
    assert router.route(angry).team_id == POLICY


@pytest.mark.django_db
def test_router_build_uses_the_triage_team_setting_and_account_owners(settings, account, team):
    triage = Team.objects.create(name="Triage", slug="triage-team")
    settings.TRIAGE_TEAM_SLUG = "triage-team"
    router = router_build()
    assert router.route(PostFacts(post=make_post("hi"), sentiment=0, account_ids=frozenset())).team_id == triage.pk
    mentioned = PostFacts(post=make_post("hi"), sentiment=0, account_ids=frozenset({account.pk}))
    assert router.route(mentioned).team_id == team.pk


@pytest.mark.parametrize(
    "text, expected",
    [
        ("@DeptForExample when do you open?", True),
        ("＠DeptForExample when do you open?", True),  # X reads a full-width at sign as a mention too
        ("write to me@DeptForExample", False),
        ("@DeptForExample_ is someone else", False),
    ],
)
def test_a_post_mentions_our_account_when_x_would_read_a_mention_in_its_text(account, text, expected):
    account.handle = "DeptForExample"
    account.save()
    assert mentioned_account_ids(make_post(text), account_handles()) == ({account.pk} if expected else set())
