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
