"""One page of a list the inbox shows: its rows, where it is, and how many there are in all.

A page is a LIMIT/OFFSET over a query whose ORDER BY ends in a unique column
(the row id), so that pages never overlap or skip a row while nothing changes;
the query and its COUNT are meant to be served by an index (the indexes are
declared with the tables and created by `records.schema.ensure_indexes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Page:
    items: List[Dict[str, Any]]
    number: int  # from 1
    size: int
    total: int
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """How many pages there are (at least 1: an empty list is one empty page)."""
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number * self.size < self.total

    @property
    def first(self) -> int:
        """The position of the page's first row in the whole list (from 1); 0 when the page is empty."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def clamp(number: int, size: int) -> tuple:
    """(page number, page size) within bounds: a page from 1, a size from 1 to MAX_PAGE_SIZE."""
    return max(1, int(number)), min(max(1, int(size)), MAX_PAGE_SIZE)


def fetch(
    session: Session,
    query: Select,
    number: int,
    size: int,
    row: Callable[[Any], Dict[str, Any]],
    total: Optional[int] = None,
) -> Page:
    """The `number`th page of `query` (rows turned into dicts by `row`), and the count of the whole query."""
    number, size = clamp(number, size)
    if total is None:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.execute(query.limit(size).offset((number - 1) * size)).all() if (number - 1) * size < total else []
    return Page([row(found) for found in rows], number, size, total)
