"""Test scaffold: a real database (SQLite, or PostgreSQL from TAGSVC_TEST_DATABASE_URL), clean for every test,
built by the Alembic migrations; the app; an HTTP client; and a helper to sign in."""
from __future__ import annotations

import os
import re
import shutil

import pytest
from sqlalchemy import create_engine, inspect, text

from tagsvc import create_app
from tagsvc.database import upgrade_database
from tagsvc.extensions import db as database
from tests.object_store import s3_server, s3_store_url  # noqa: F401  (fixtures of the object store's tests)

POSTGRES_URL = os.environ.get("TAGSVC_TEST_DATABASE_URL")
TEST_PASSWORD = "correct-horse-9"


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """Migrate once per run. SQLite: a template file each test copies. PostgreSQL: a schema each test truncates."""
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade_database(engine)
        tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
        yield {"engine": engine, "tables": tables}
        engine.dispose()
    else:
        template = tmp_path_factory.mktemp("db") / "template.db"
        engine = create_engine(f"sqlite:///{template}")
        upgrade_database(engine)
        engine.dispose()
        yield {"template": template}


@pytest.fixture
def database_url(migrated_database, tmp_path):
    if POSTGRES_URL:
        with migrated_database["engine"].begin() as conn:
            # TRUNCATE fires no row triggers, so the append-only ledger can be emptied between tests.
            conn.execute(text(f"TRUNCATE {', '.join(migrated_database['tables'])} RESTART IDENTITY CASCADE"))
            # As the migration left it: the installation's one school (a test adds others).
            conn.execute(text("INSERT INTO school (code, name, created_at) VALUES ('s1', '', now())"))
        return POSTGRES_URL
    path = tmp_path / "test.db"
    shutil.copy(migrated_database["template"], path)
    return f"sqlite:///{path}"


def _test_config(database_url, tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "UPLOAD_DIR": tmp_path / "uploads",
        "PRINT_DIR": tmp_path / "print",
        "QUEUE_FILE": str(tmp_path / "queue.sqlite3"),  # the embedded job queue, beside the test's files
        # Files in folders (the default), or in the database as several app servers keep them (CI's PostgreSQL run).
        "STORAGE_URL": os.environ.get("TAGSVC_TEST_STORAGE_URL", ""),
        "WTF_CSRF_ENABLED": False,  # tests/test_csrf.py covers CSRF with it on
        "PUBLIC_BASE_URL": "https://tags.example.edu",
        "DEFAULT_LANGUAGE": "en",
        # Generous, so that no test meets them by chance; tests/api/test_limits.py sets its own.
        "API_RATE_LIMIT": "100000/minute",
        "API_ANONYMOUS_RATE_LIMIT": "100000/minute",
    }
    config.update(overrides)
    return config


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(_test_config(database_url, tmp_path))
    with app.app_context():
        yield app
    database.session.remove()
    database.engine.dispose()


@pytest.fixture
def make_app(database_url, tmp_path):
    """For tests that need other settings (CSRF on, another default language)."""

    def build(**overrides):
        return create_app(_test_config(database_url, tmp_path, **overrides))

    return build


@pytest.fixture
def queue_worker():
    """The real job queue (the embedded one: a SQLite file beside the test's database) with its worker in threads of
    this process: `start(app)` starts it; it stops, finishing its job, when the test ends."""
    from tagsvc.jobs import huey, start_worker

    consumers = []

    def start(app):
        consumers.append(start_worker(app, workers=2))
        return consumers[-1]

    yield start
    for consumer in consumers:
        consumer.stop(graceful=True)
    huey.storage.flush_queue()
    huey.storage.flush_schedule()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    return database.session


@pytest.fixture
def login_as(client):
    def sign_in(user, password=TEST_PASSWORD):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, "sign-in failed"
        return user

    return sign_in


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)
