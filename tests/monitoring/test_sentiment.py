"""The tuned sentiment reads a public-sector complaint as one, and beats VADER alone on posts it was not tuned on."""

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitoring.routing import sentiment_of
from monitoring.sentiment import NEGATIVE, needs_attention, sentiment_score, vader_score

DATA = Path(__file__).resolve().parent.parent / "data" / "public_sector_posts.csv"


def _rows() -> list[dict]:
    with DATA.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _precision_recall(rows, score) -> tuple[float, float]:
    flagged = [r for r in rows if score(r["text"]) <= NEGATIVE]
    true_positives = sum(r["needs_attention"] == "yes" for r in flagged)
    wanted = sum(r["needs_attention"] == "yes" for r in rows)
    return true_positives / len(flagged), true_positives / wanted


def test_the_labelled_set_has_300_posts_a_third_held_out_and_every_kind():
    rows = _rows()
    assert len(rows) == 300
    assert sum(r["split"] == "holdout" for r in rows) == 100
    assert {r["category"] for r in rows} == {"complaint", "praise", "question", "news", "sarcasm"}
    assert {r["needs_attention"] for r in rows} == {"yes", "no"}
    assert len({r["text"] for r in rows}) == 300


def test_the_tuned_classifier_beats_vader_alone_on_the_held_out_posts():
    held_out = [r for r in _rows() if r["split"] == "holdout"]
    vader_precision, vader_recall = _precision_recall(held_out, vader_score)
    tuned_precision, tuned_recall = _precision_recall(held_out, sentiment_score)
    assert tuned_recall > vader_recall + 0.25
    assert tuned_precision >= vader_precision - 0.05
    vader_f1 = 2 * vader_precision * vader_recall / (vader_precision + vader_recall)
    tuned_f1 = 2 * tuned_precision * tuned_recall / (tuned_precision + tuned_recall)
    assert tuned_f1 > vader_f1


@pytest.mark.parametrize(
    "text",
    [
        # The demo simulator's complaints that VADER alone reads as neutral or positive.
        "@DeptForExample promised the Green Homes Grant would reach Leeds by spring. Still waiting.",
        "Third time asking @DeptForExample: nobody has replied to my email in three weeks",
        "@DeptForExample the helpline rang out for an hour. Trying to sort out my refund and getting nowhere.",
        "Anyone else still waiting for their Bus Fare Cap payment? #BusFareCap",
    ],
)
def test_demo_complaints_need_attention_though_vader_alone_misses_them(text):
    assert vader_score(text) > NEGATIVE
    assert needs_attention(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks @DeptForExample for the quick reply, all fixed now 👍",
        "Had been waiting a while but @DeptForExample sorted it today. Thank you!",
        "@DeptForExample how long does a passport application take at the moment?",
    ],
)
def test_thanks_and_plain_questions_do_not(text):
    assert not needs_attention(text)


def test_routing_stores_the_tuned_score():
    text = "No reply after three weeks @DeptForExample"
    assert sentiment_of(text) == sentiment_score(text) < -0.5


@given(st.text(max_size=300))
def test_any_text_scores_between_minus_one_and_one(text):
    assert -1.0 <= sentiment_score(text) <= 1.0
