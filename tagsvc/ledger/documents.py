"""Document numbers of the office's paperwork (调拨单 DB-2026-0001, later 报废单, 借用单): one sequence per kind of
document and year, with no gaps and no duplicates when two are made at the same moment."""
from __future__ import annotations

from sqlalchemy import String, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from tagsvc.extensions import Base, db, utcnow
from tagsvc.schools.wall import SchoolOwned, school_for_insert


class DocumentCounter(SchoolOwned, Base):
    """The last number given to a kind of document in a year: one row, updated under its row lock."""

    __tablename__ = "document_counter"

    school_id: Mapped[int] = mapped_column(primary_key=True, default=school_for_insert)  # each school numbers its own
    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


def next_document_number(prefix: str) -> str:
    """The next number, in the caller's transaction: a transaction that rolls back gives its number back."""
    year, school = utcnow().year, school_for_insert()
    counter = (DocumentCounter.school_id == school) & (DocumentCounter.prefix == prefix) & (DocumentCounter.year == year)
    number = db.session.scalar(update(DocumentCounter).where(counter).values(last=DocumentCounter.last + 1)
                               .returning(DocumentCounter.last).execution_options(synchronize_session=False))
    if number is None:  # the year's first: make the row (another transaction may make it at the same moment)
        try:
            with db.session.begin_nested():
                db.session.execute(insert(DocumentCounter).values(school_id=school, prefix=prefix, year=year, last=1))
            number = 1
        except IntegrityError:
            number = db.session.scalar(update(DocumentCounter).where(counter).values(last=DocumentCounter.last + 1)
                                       .returning(DocumentCounter.last).execution_options(synchronize_session=False))
    return f"{prefix}-{year}-{number:04d}"



