"""Retrieval benchmark: how often the expected sentence is the first / among the first three answers.

    python -m benchmarks.retrieval [--db URL] [--questions FILE]

Without --db the knowledge base is built from knowledge/sources into a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import yaml

QUESTIONS = Path(__file__).resolve().parent / "retrieval_questions.yml"


def load_questions(path: Optional[Path] = None) -> List[dict]:
    with open(path or QUESTIONS, encoding="utf-8") as handle:
        items = (yaml.safe_load(handle) or {}).get("questions") or []
    for item in items:
        if not item.get("q") or not item.get("expect"):
            raise ValueError(f"benchmark item needs q and expect: {item!r}")
        if isinstance(item["expect"], str):
            item["expect"] = [item["expect"]]
    return items


def _hit(passage, expected: Sequence[str]) -> bool:
    text = passage.text.lower()
    return any(e.lower() in text for e in expected)


def evaluate(kb, questions: Optional[List[dict]] = None, k: int = 3) -> Dict:
    """Top-1 and top-k accuracy of ``kb.answer`` over the benchmark questions."""
    questions = questions if questions is not None else load_questions()
    top1 = topk = 0
    misses = []
    started = time.perf_counter()
    for item in questions:
        answers = kb.answer(item["q"], limit=k)
        rank = next((i + 1 for i, p in enumerate(answers) if _hit(p, item["expect"])), None)
        top1 += rank == 1
        topk += rank is not None
        if rank != 1:
            misses.append(
                {"question": item["q"], "expected": item["expect"], "rank": rank, "got": [p.text for p in answers]}
            )
    total = len(questions)
    return {
        "total": total,
        "top1": top1,
        "top3": topk,
        "top1_accuracy": top1 / total if total else 0.0,
        "top3_accuracy": topk / total if total else 0.0,
        "misses": misses,
        "seconds": time.perf_counter() - started,
    }


def report(result: Dict) -> str:
    lines = [
        f"questions: {result['total']}",
        f"top-1: {result['top1']}/{result['total']} = {result['top1_accuracy']:.1%}",
        f"top-3: {result['top3']}/{result['total']} = {result['top3_accuracy']:.1%}",
        f"time: {result['seconds']:.2f} s",
    ]
    for miss in result["misses"]:
        where = f"rank {miss['rank']}" if miss["rank"] else "not in top 3"
        lines.append(f"- {miss['question']!r} ({where}); expected {miss['expected']}")
        lines.extend(f"    {i}. {text}" for i, text in enumerate(miss["got"], 1))
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    from knowledge import KnowledgeBase, build

    parser = argparse.ArgumentParser(prog="python -m benchmarks.retrieval", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="SQLAlchemy URL of a built knowledge base")
    parser.add_argument("--questions", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db
        if url is None:
            url = f"sqlite:///{Path(tmp) / 'knowledge.db'}"
            print(build(db_url=url).summary())
        result = evaluate(KnowledgeBase(url), load_questions(args.questions))
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
