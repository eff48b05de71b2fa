"""Sentiment benchmark: precision and recall for "needs attention", VADER alone against the tuned classifier.

Reads the 300 labelled public-sector posts in `tests/data/public_sector_posts.csv` (written for this project:
complaints, sarcasm, questions, praise and neutral news, each labelled needs attention or not). The rules in
`monitoring/sentiment.py` were written looking only at the 200 rows marked "tune"; the 100 rows marked
"holdout" (every third row) were not looked at while writing them, so the held-out figures are the honest ones.
A post needs attention when its score is at or below -0.05 (VADER's own threshold for negative).

    .venv/bin/python bench/sentiment.py [--show-errors holdout|tune|all]
"""

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitoring.sentiment import NEGATIVE, sentiment_score, vader_score  # noqa: E402

DATA = ROOT / "tests" / "data" / "public_sector_posts.csv"


def load(path: Path = DATA) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def scores(rows: list[dict], score) -> dict:
    """Precision, recall and F1 of "needs attention" (score <= NEGATIVE) against the labels."""
    tp = fp = fn = tn = 0
    for row in rows:
        predicted = score(row["text"]) <= NEGATIVE
        actual = row["needs_attention"] == "yes"
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
        tn += not predicted and not actual
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": len(rows), "tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall, "f1": f1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", choices=("holdout", "tune", "all"), help="list the tuned classifier's misses")
    args = parser.parse_args()
    rows = load()
    subsets = {
        "all": rows,
        "tune (rules written on these)": [r for r in rows if r["split"] == "tune"],
        "holdout (not looked at)": [r for r in rows if r["split"] == "holdout"],
    }
    print(f"{len(rows)} labelled posts, {sum(r['needs_attention'] == 'yes' for r in rows)} need attention")
    header = ("set", "classifier", "n", "tp", "fp", "fn", "precision", "recall", "F1")
    print("{:32} {:12} {:>4} {:>4} {:>4} {:>4} {:>10} {:>8} {:>6}".format(*header))
    for name, subset in subsets.items():
        for label, score in (("VADER alone", vader_score), ("tuned", sentiment_score)):
            s = scores(subset, score)
            print(
                f"{name:32} {label:12} {s['n']:>4} {s['tp']:>4} {s['fp']:>4} {s['fn']:>4} "
                f"{s['precision']:>10.3f} {s['recall']:>8.3f} {s['f1']:>6.3f}"
            )
    per_category: dict[str, list] = {}
    for row in rows:
        per_category.setdefault(row["category"], []).append(row)
    print("\nagreement with the label, by category (all rows): VADER alone -> tuned")
    for category, subset in sorted(per_category.items()):
        agree = {
            label: sum((score(r["text"]) <= NEGATIVE) == (r["needs_attention"] == "yes") for r in subset)
            for label, score in (("vader", vader_score), ("tuned", sentiment_score))
        }
        print(f"  {category:10} {len(subset):>4} posts: {agree['vader']:>4} -> {agree['tuned']:>4}")
    texts = [r["text"] for r in rows]
    start = time.perf_counter()
    for text in texts:
        sentiment_score.__wrapped__(text)
    tuned_us = (time.perf_counter() - start) / len(texts) * 1e6
    start = time.perf_counter()
    for text in texts:
        vader_score(text)
    vader_us = (time.perf_counter() - start) / len(texts) * 1e6
    print(f"\ncost per post (uncached): VADER alone {vader_us:.0f} µs, tuned {tuned_us:.0f} µs")
    if args.show_errors:
        chosen = rows if args.show_errors == "all" else [r for r in rows if r["split"] == args.show_errors]
        print(f"\ntuned classifier's misses ({args.show_errors}):")
        for row in chosen:
            if (sentiment_score(row["text"]) <= NEGATIVE) != (row["needs_attention"] == "yes"):
                print(f"  {row['id']:>3} {row['needs_attention']:3} {sentiment_score(row['text']):+.3f} {row['text']}")


if __name__ == "__main__":
    main()
