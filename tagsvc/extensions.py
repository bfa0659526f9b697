"""Shared extension objects: the database, sign-in, translations, CSRF and compression."""
from __future__ import annotations

from datetime import datetime, UTC

from flask import Flask
from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC everywhere; SQLite forgets the zone, so put it back on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class Database:
    """A scoped session bound to the app's engine; the session ends with the app context."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.read_engine: Engine | None = None  # for PreparedRead
        self.session = scoped_session(sessionmaker(expire_on_commit=False))

    def init_app(self, app: Flask) -> None:
        url = app.config["SQLALCHEMY_DATABASE_URL"]
        options: dict = {"future": True}
        if url.startswith("sqlite"):
            options["connect_args"] = {"check_same_thread": False, "timeout": 15}
        else:
            options["pool_pre_ping"] = True
        self.engine = create_engine(url, **options)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        if self.read_engine is not None:
            self.read_engine.dispose()
        # PreparedRead's own small pool on PostgreSQL: autocommit, and no pre-ping (a lost connection is retried
        # instead). SQLite's driver opens no transaction for a SELECT, so there the main pool serves.
        self.read_engine = self.engine if url.startswith("sqlite") else create_engine(
            url, isolation_level="AUTOCOMMIT", pool_size=2, max_overflow=8)
        if url.startswith("postgresql"):
            from tagsvc.schools.wall import use_the_application_role

            for engine in (self.engine, self.read_engine):
                event.listen(engine, "connect", use_the_application_role)
        self.session.remove()
        self.session.configure(bind=self.engine)
        app.teardown_appcontext(lambda exc: self.session.remove())

    def prepared_read(self, statement) -> PreparedRead:
        """A fixed SELECT for the hottest path, run straight on the driver (see PreparedRead)."""
        return PreparedRead(self, statement)


class PreparedRead:
    """One fixed SELECT, compiled once, run on a pooled driver connection outside any transaction.

    For the scan page only: SQLAlchemy's Connection and Result machinery cost three times the query itself
    (91 µs against 28 µs on SQLite), and on PostgreSQL a session adds BEGIN/ROLLBACK round trips and the
    pool's pre-ping another. Values still go through each column type's own result processor, so rows hold
    the same Python values (enums, aware datetimes) as an ORM query would give. A connection lost since its
    last use (a restarted database server) is dropped and the read tried once more on a fresh one.
    """

    def __init__(self, database: Database, statement) -> None:
        self._database = database
        self._statement = statement
        self._engine: Engine | None = None

    def _prepare(self, engine: Engine) -> None:
        dialect = engine.dialect
        compiled = self._statement.compile(dialect=dialect)
        self._sql = compiled.string
        self._positions = compiled.positiontup  # qmark (SQLite) binds by position, pyformat (psycopg) by name
        # Values fixed in the statement itself (a LIMIT, a status compared with), as the driver takes them.
        self._bind_processors = {name: bind.type.dialect_impl(dialect).bind_processor(dialect) for name, bind in compiled.binds.items()}
        self._fixed = {name: self._bound(name, value) for name, value in compiled.params.items() if value is not None}
        self._processors: list | None = None  # made from the first answer's column types (see _result_processors)
        self._engine = engine

    def _bound(self, name: str, value):
        process = self._bind_processors.get(name)
        return process(value) if process is not None else value

    def _result_processors(self, dialect, description) -> list:
        # As SQLAlchemy's own result: some types (PostgreSQL's numeric) choose their processor by the driver's
        # type code of the column.
        return [column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                for column, described in zip(self._statement.selected_columns, description, strict=True)]

    def first(self, **params) -> tuple | None:
        rows = self._run(params, many=False)
        return rows[0] if rows else None

    def all(self, **params) -> list[tuple]:
        return self._run(params, many=True)

    def _run(self, params: dict, many: bool) -> list[tuple]:
        engine = self._database.read_engine
        if self._engine is not engine:
            self._prepare(engine)
        values = {**self._fixed, **{name: self._bound(name, value) for name, value in params.items()}}
        arguments = tuple(values[name] for name in self._positions) if self._positions else values
        for attempt in (1, 2):
            connection = engine.raw_connection()
            try:
                cursor = connection.cursor()
                cursor.execute(self._sql, arguments)
                if self._processors is None:
                    self._processors = self._result_processors(engine.dialect, cursor.description)
                if many:
                    rows = cursor.fetchall()
                else:
                    row = cursor.fetchone()
                    rows = [] if row is None else [row]
                cursor.close()
            except engine.dialect.loaded_dbapi.Error as error:
                if attempt == 2 or not engine.dialect.is_disconnect(error, connection, None):
                    connection.close()
                    raise
                connection.invalidate()
                continue
            connection.close()
            break
        processors = self._processors
        return [tuple(value if process is None else process(value) for process, value in zip(processors, row, strict=True)) for row in rows]


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Read the database through memory-mapped pages and keep more of it cached: a scan touches a few pages
    # scattered over the file, and syscalls for each cost more than the query itself.
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.execute("PRAGMA cache_size=-32000")
    cursor.close()


db = Database()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
compress = Compress()


def same_text(column, text: str):
    """The column holds this text, ignoring case, by the database's own rules on both sides. (Python's lower() knows
    more letters than SQLite's: comparing SQLite's lower(column) with Python's lower(text) missed "Ú" = "Ú", and the
    unique index then refused the row with an error instead of a message.)"""
    from sqlalchemy import func, literal

    return func.lower(column) == func.lower(literal(text))


def lock_document(model, document_id: int, shared: bool = False) -> None:
    """Hold this document's row until the transaction ends, then read everything fresh: of two steps on one document
    arriving at the same moment (two last arrivals, an approval and a cancellation), the second waits for the first
    and decides on what the first left. PostgreSQL locks the row (SELECT … FOR UPDATE); SQLite, which has no row
    locks, takes its one write lock at once by a write that changes nothing. Objects the session loaded before may
    predate the lock, so they are expired. Call it first, before reading the document's state. `shared`: steps that
    may run beside each other but never beside an exclusive one (confirmations of a stocktake, against its close)."""
    from sqlalchemy import select, update

    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(model).where(model.id == document_id).values(id=model.id).execution_options(synchronize_session=False))
    else:
        db.session.execute(select(model.id).where(model.id == document_id).with_for_update(read=shared))
    db.session.expire_all()


def enum_column_type(enum_cls):
    """Store a StrEnum by its value as a short string: readable in SQL, portable across databases."""
    from sqlalchemy import Enum

    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
