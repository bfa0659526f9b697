"""One page of a long list, with what the pager needs to link the others."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select

from tagsvc.extensions import db

T = TypeVar("T")
MAX_PER_PAGE = 200


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def paginate(query: Select, page: int, per_page: int) -> Page:
    """The rows of one page of an ordered query; a page number past the end shows the last page."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = min(max(1, page), max(1, -(-total // per_page)))
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items=items, total=total, page=page, per_page=per_page)
