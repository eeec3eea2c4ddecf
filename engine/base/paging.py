"""One page of a list with the count of the whole list: COUNT(*) over the filtered query and
LIMIT/OFFSET for the page (docs/design.md, "Paging"). Lists here are one person's or one scope's
(已办, 我发起的, 流程监管, 项目库), thousands of rows at most, so offset paging with page numbers is
what a clerk expects; the order columns are indexed."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from engine.base.db import db

T = TypeVar("T")
PER_PAGE_CHOICES = (20, 50, 100)
MAX_PER_PAGE = 100
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    per_page: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """1-based number of the first row on this page (0 when the page is empty)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    def map(self, fn: Callable[[T], Any]) -> Page[Any]:
        return Page([fn(x) for x in self.items], self.total, self.page, self.per_page, self.extra)


def count(query: Select) -> int:
    """Rows of `query` without its order (the ORDER BY is dropped: it does not change a count)."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def paged(query: Select, page: int, per_page: int, *, scalars: bool = True) -> Page[Any]:
    """`query` (already ordered) cut to `page`; a page beyond the end is empty with the true total."""
    total = count(query)
    cut = query.limit(per_page).offset((page - 1) * per_page)
    rows = list(db.session.scalars(cut)) if scalars else list(db.session.execute(cut).all())
    return Page(rows, total, page, per_page)
