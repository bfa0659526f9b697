"""Which school a request, command or job works for, and the first wall between schools: every ORM query sees
only that school's rows, and every new row belongs to it.

The school is chosen once, where the work starts:
- a request: the signed-in person's school (a token's person for the API); a label's page: its tag's school;
- a job on the queue: its row's school (a print job, an import);
- a command: its ``--school``, or the only school of an installation for one school.

Nobody chose one for the education bureau's people: they read every school (their pages and permissions keep them
to reading and to their own decisions). The second wall is PostgreSQL's row-level security (docs/decisions/0002).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import g, has_app_context
from sqlalchemy import event, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, with_loader_criteria

from tagsvc.errors import TagsvcError

_CHOSEN = "tagsvc_school"
_SOLE = "tagsvc_sole_school"
_UNSET = object()


class NoSchoolChosen(TagsvcError):
    """A row was about to be written with no school chosen, in a district of more than one school."""


def school_for_insert() -> int:
    """The school a new row belongs to: the chosen one, or the only school there is. Never a guess between two."""
    school = current_school_id()
    if school is not None:
        return school
    sole = _sole_school()
    if sole is None:
        raise NoSchoolChosen("No school was chosen for this change, and the district has more than one.")
    return sole


class SchoolOwned:
    """A row of one school's own: its register, structure, documents, stocktakes, channels and their parts.

    No foreign key to ``school``: SQLite cannot add a referencing column with a default to a filled table without
    copying it, and schools are never deleted. The walls, not the key, keep rows to their school."""

    school_id: Mapped[int] = mapped_column(index=True, default=school_for_insert)


class BetweenSchools:
    """A row two schools share: a transfer from one school to another (划拨) and its items. Each of the two reads it;
    no third school does. New rows name both schools themselves."""

    from_school_id: Mapped[int] = mapped_column(index=True)
    to_school_id: Mapped[int] = mapped_column(index=True)


def current_school_id() -> int | None:
    """The chosen school, or None: nobody chose (a command, the bureau, a page before its label was read)."""
    if not has_app_context():
        return None
    return g.get(_CHOSEN)


def choose_school(school_id: int | None) -> None:
    """From now on in this app context (this request, this job), queries see this school only."""
    g.setdefault(_CHOSEN, None)
    setattr(g, _CHOSEN, school_id)
    from tagsvc.extensions import db

    session = db.session()
    transaction = session.get_transaction()
    # Begun already (the person's sign-in was read): PostgreSQL learns it now. A transaction a failed flush left
    # inactive is rolled back before anything else runs; the next one begins with the school chosen now.
    if transaction is not None and transaction.is_active and session.get_bind().dialect.name == "postgresql":
        try:
            told = session.info.get(_TOLD, 0)
            connection = session.connection()
            if session.info.get(_TOLD, 0) == told:  # else its transaction began just now, and after_begin told it
                _tell_postgresql(connection, school_id)
        except DBAPIError as error:
            # A transaction PostgreSQL already aborted (leaving `use_school` because of that error) ends in a
            # rollback; the next one begins with the school chosen now. Any other failure is real.
            if getattr(error.orig, "sqlstate", None) != "25P02":
                raise


@contextmanager
def use_school(school_id: int | None) -> Iterator[None]:
    """For a while, work as this school (a job of one school's, a test's rows of a second school)."""
    previous = g.get(_CHOSEN, _UNSET)
    choose_school(school_id)
    try:
        yield
    finally:
        restore_school(previous)


def restore_school(previous) -> None:
    """Back to the school chosen before (or to none chosen), in PostgreSQL's transaction too."""
    choose_school(None if previous is _UNSET else previous)
    if previous is _UNSET:
        g.pop(_CHOSEN, None)


def _sole_school() -> int | None:
    if _SOLE in g:
        return g.get(_SOLE)
    from tagsvc.extensions import db
    from tagsvc.schools.models import School

    # Its own connection: this runs inside a flush, where the session cannot be asked.
    with db.engine.connect() as connection:
        ids = connection.execute(select(School.id).order_by(School.id).limit(2)).scalars().all()
    sole = ids[0] if len(ids) == 1 else None
    setattr(g, _SOLE, sole)
    return sole


def forget_sole_school() -> None:
    """After a school was added: the next write asks again whether there is only one."""
    if has_app_context():
        g.pop(_SOLE, None)


# How often this session's transactions began by telling PostgreSQL their school (choose_school need not again).
_TOLD = "tagsvc_school_told"

# Switched off by the test that shows the second wall holding alone.
FIRST_WALL = True


@event.listens_for(Session, "after_begin")
def _second_wall(session: Session, _transaction, connection) -> None:
    school = current_school_id()
    if school is not None:
        _tell_postgresql(connection, school)
        session.info[_TOLD] = session.info.get(_TOLD, 0) + 1


def _tell_postgresql(connection, school_id: int | None) -> None:
    """The second wall: PostgreSQL's row-level security reads the transaction's school from this setting
    (migration 0022). Transaction-local: the pooled connection forgets it when the transaction ends."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT set_config('tagsvc.school', %s, true)", ("" if school_id is None else str(school_id),))


def use_the_application_role(dbapi_connection, _record) -> None:
    """Each PostgreSQL connection acts as tagsvc_app, for which the policies hold, even when the configured user is
    the tables' owner or a superuser (who would pass them). Before migration 0022 made the role: as configured."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = 'tagsvc_app'")
    row = cursor.fetchone()
    if row is not None and row[0]:
        cursor.execute("SET ROLE tagsvc_app")
    cursor.close()
    dbapi_connection.commit()  # kept for the connection's life, whatever its first transaction does


class UnfilteredInsertSelect(RuntimeError):
    """An INSERT … SELECT whose SELECT the wall cannot reach (SQLAlchemy applies loader criteria to SELECTs, not to
    the SELECT inside an INSERT): it must filter by school itself, and say so."""


@event.listens_for(Session, "do_orm_execute")
def _only_the_chosen_school(state: ORMExecuteState) -> None:
    if state.is_insert and getattr(state.statement, "select", None) is not None and not state.execution_options.get("school_filtered"):
        raise UnfilteredInsertSelect("INSERT … SELECT: filter the SELECT by school_id and pass execution_options={'school_filtered': True}")
    school = current_school_id()
    if school is None or state.is_column_load or state.is_relationship_load:
        return  # a relationship's load carries the criteria of the query that loaded its parent
    if state.execution_options.get("all_schools"):
        # Looked up across the district on purpose (a label's school by its code, a sign-in name or a label code
        # already taken anywhere): past the first wall, and on PostgreSQL past the second for this statement alone.
        if state.session.get_bind().dialect.name == "postgresql":
            connection = state.session.connection()
            _tell_postgresql(connection, None)
            try:
                return state.invoke_statement()
            finally:
                _tell_postgresql(connection, school)
        return
    if not FIRST_WALL:
        return
    if state.is_select or state.is_update or state.is_delete:
        from tagsvc.accounts.models import User

        state.statement = state.statement.options(
            with_loader_criteria(SchoolOwned, lambda cls: cls.school_id == school, include_aliases=True),
            with_loader_criteria(User, lambda cls: cls.school_id == school, include_aliases=True),
            with_loader_criteria(BetweenSchools, lambda cls: or_(cls.from_school_id == school, cls.to_school_id == school),
                                 include_aliases=True),
        )
