"""Held-out means held out: messages the end-to-end tests send are not training examples.

Scans the string literals passed to `say(...)` / `send(...)` in the end-to-end and
browser tests. One- to three-word answers ("yes", "5", "left knee") are in any
training set and are exempt; anything longer must be written for the test.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.heldout import training_copy

TESTS = Path(__file__).parent
FILES = sorted(TESTS.glob("test_e2e_*.py")) + [TESTS / "test_browser_journey.py", TESTS / "test_widget_browser.py"]


def sent_messages(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("say", "send"):
            for arg in node.args[:1]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield arg.value


def test_end_to_end_messages_are_not_training_examples():
    copies = sorted(
        {
            (path.name, text)
            for path in FILES
            for text in sent_messages(path)
            if len(text.split()) >= 4 and training_copy(text)
        }
    )
    assert not copies, f"{len(copies)} copies:\n" + "\n".join(f"{name}: {text}" for name, text in copies)
