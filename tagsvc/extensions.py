"""Shared extension objects: the database, sign-in, translations, CSRF and compression."""
from __future__ import annotations

from datetime import datetime, timezone

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
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class Database:
    """A scoped session bound to the app's engine; the session ends with the app context."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
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
        self.session.remove()
        self.session.configure(bind=self.engine)
        app.teardown_appcontext(lambda exc: self.session.remove())

    def autocommit_connection(self):
        """A connection outside any transaction, for a single read on a hot path: on PostgreSQL the
        BEGIN and ROLLBACK around a session's work cost more than the query itself. SQLite's driver opens
        no transaction for a SELECT, and switching its mode costs a PRAGMA, so it keeps its default."""
        connection = self.engine.connect()
        if self.engine.dialect.name == "sqlite":
            return connection
        return connection.execution_options(isolation_level="AUTOCOMMIT")


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
