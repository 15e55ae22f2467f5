"""Figures a test measured, printed at the end of the pytest run (conftest's terminal summary)."""

from __future__ import annotations

from typing import List

LINES: List[str] = []


def report(line: str) -> None:
    LINES.append(line)
    print(line)
