"""One mention pattern for the query matcher, the sandbox's entities and polling (twitter_api.text)."""

import ast
from pathlib import Path

import pytest

from twitter_api.query import AnalysedText
from twitter_api.sandbox.state import _entities
from twitter_api.text import mention_spans, mentioned_handles

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "text, handles",
    [
        ("@alice and @Bob_2", ["alice", "Bob_2"]),
        ("＠alice in full width", ["alice"]),
        ("mail me@alice or @@alice or #@alice", []),
        ("@this_handle_is_too_long", []),
        ("(@alice), @alice!", ["alice", "alice"]),
    ],
)
def test_it_finds_the_handles_x_would_read_as_mentions(text, handles):
    assert mentioned_handles(text) == handles


def test_the_sandbox_and_the_query_matcher_read_the_same_mentions():
    text = "＠alice hi @Bob, not me@carol"
    entities = _entities(text, {})
    assert [(m["username"], m["start"], m["end"]) for m in entities["mentions"]] == list(mention_spans(text))
    assert AnalysedText(text, None).mentions == {"alice", "bob"}


def test_twitter_api_imports_nothing_from_the_apps_above_it():
    imported = set()
    for path in (ROOT / "twitter_api").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add((path.relative_to(ROOT).as_posix(), node.module.split(".")[0]))
            elif isinstance(node, ast.Import):
                imported.update((path.relative_to(ROOT).as_posix(), a.name.split(".")[0]) for a in node.names)
    above = {"accounts", "tweets", "monitoring", "training", "reports"}
    assert sorted((path, module) for path, module in imported if module in above) == []
