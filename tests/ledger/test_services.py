import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tagsvc.ledger.services import LedgerIsAppendOnlyError, history_of
from tests.factories import make_asset


def test_changing_a_ledger_event_through_the_app_is_refused(app, session):
    event = history_of(make_asset().id)[0]
    event.note = "rewritten"
    with pytest.raises(LedgerIsAppendOnlyError):
        session.commit()
    session.rollback()


def test_deleting_a_ledger_event_through_the_app_is_refused(app, session):
    event = history_of(make_asset().id)[0]
    session.delete(event)
    with pytest.raises(LedgerIsAppendOnlyError):
        session.commit()
    session.rollback()


@pytest.mark.parametrize("statement", ["UPDATE ledger_event SET note = 'rewritten'", "DELETE FROM ledger_event"])
def test_the_database_itself_refuses_to_rewrite_the_ledger(app, session, statement):
    asset = make_asset()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    session.rollback()
    assert len(history_of(asset.id)) == 2
