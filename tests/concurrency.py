"""Running service calls at the same moment, as two requests would (really in parallel on PostgreSQL)."""
import threading

from tagsvc.errors import TagsvcError
from tagsvc.extensions import db


def at_once(app, *calls):
    """Run the calls in threads released together, each with its own session (as two requests would be)."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        with app.app_context():
            try:
                barrier.wait()
                results[index] = call()
            except TagsvcError as error:
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class RegisterWritesHeld:
    """Keeps a worker's import from writing the register, so that a test kills the worker in the middle of the import
    whatever the machine's speed (a sleep before the kill lost the race on a fast machine: the import had committed).

    On PostgreSQL the asset table is locked before the import starts (reading stays allowed, so the worker claims
    the run and plans it, then waits at its first row). SQLite has one lock for the whole file and the claim is a
    write, so there the lock is taken the moment the run is seen running, while the worker plans the rows."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.postgres = database_url.startswith("postgresql")
        self._engine = None
        self._connection = None
        self._sqlite = None

    def before_the_import(self) -> None:
        if self.postgres:
            from sqlalchemy import create_engine

            self._engine = create_engine(self.url)
            self._connection = self._engine.connect()
            self._connection.exec_driver_sql("LOCK TABLE asset IN EXCLUSIVE MODE")  # SQLAlchemy began the transaction

    def once_it_runs(self) -> None:
        if not self.postgres:
            import sqlite3

            self._sqlite = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None, timeout=0)
            self._sqlite.execute("BEGIN IMMEDIATE")  # fails at once, rather than wait, if the worker is already writing

    def release(self) -> None:
        if self._connection is not None:
            self._connection.rollback()
            self._connection.close()
            self._engine.dispose()
        if self._sqlite is not None:
            self._sqlite.rollback()
            self._sqlite.close()
