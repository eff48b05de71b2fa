"""The simulator: reproducible, realistic activity aimed at the demo department."""

import collections

from django.core.management import call_command

from twitter_api.sandbox import SandboxState
from twitter_api.sandbox.simulator import JOURNALIST_USERNAMES, Simulator, populate


def test_the_same_seed_gives_the_same_posts():
    first = [Simulator(7).next_post() for _ in range(1)]
    a, b = Simulator(7), Simulator(7)

    assert [a.next_post() for _ in range(300)] == [b.next_post() for _ in range(300)]
    assert Simulator(8).next_post() != first[0]


def test_the_mix_has_every_kind_of_post_and_several_languages():
    simulator = Simulator(1)
    posts = [simulator.next_post() for _ in range(2000)]

    categories = collections.Counter(p["category"] for p in posts)
    assert set(categories) == {"complaint", "question", "press", "praise", "minister", "policy", "noise"}
    assert categories["noise"] > 200
    assert {p["lang"] for p in posts} >= {"en", "cy", "fr", "es", "pl"}
    press = [p for p in posts if p["category"] == "press"]
    assert all(p["author_username"] in JOURNALIST_USERNAMES and "@DeptExPress" in p["text"] for p in press)
    assert any("@MinisterJones" in p["text"] for p in posts)
    assert sum("@DeptForExample" in p["text"] for p in posts) > 800


def test_populate_fills_an_in_memory_state_quickly_and_in_id_order():
    state = SandboxState()

    ids = populate(state, 5000, seed=2)

    assert len(state.posts) == 5000
    assert ids == sorted(ids, key=int)
    created = [p.post.created_at for p in state.posts]
    assert created == sorted(created)
    assert len(state.by_mention["deptforexample"]) > 2000
    assert any(p.post.reply_to_post_id for p in state.posts)


def test_x_simulate_posts_into_the_sandbox(x_sandbox, capsys):
    call_command("x_simulate", "--rate", "1000", "--seed", "7", "--count", "15", "--sandbox-url", x_sandbox.url)

    assert len(x_sandbox.state.posts) == 15
    assert "Posted 15 simulated posts." in capsys.readouterr().out
    expected = [Simulator(7).next_post()["text"]]
    assert x_sandbox.state.posts[0].post.text == expected[0]
