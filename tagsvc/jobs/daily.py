"""Daily jobs, run once a school day by whichever worker claims the day first."""
from __future__ import annotations

from flask_babel import to_user_timezone
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from tagsvc.extensions import db, utcnow
from tagsvc.jobs.models import DailyRun


def claim_day(name: str, hour: int) -> bool:
    """True for the one caller that claims today for this job, once it is past `hour` o'clock school time."""
    now = to_user_timezone(utcnow())
    if now.hour < hour:
        return False
    today = now.date()
    claimed = db.session.execute(update(DailyRun).where(DailyRun.name == name, DailyRun.day < today)
                                 .values(day=today, ran_at=utcnow()).execution_options(synchronize_session=False)).rowcount == 1
    if not claimed:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(DailyRun).values(name=name, day=today, ran_at=utcnow()))
            claimed = True
        except IntegrityError:
            claimed = False  # there already: claimed today by another worker, or earlier by this one
    db.session.commit()
    return claimed


def run_once_a_day(name: str, hour: int, function) -> bool:
    if not claim_day(name, hour):
        return False
    function()
    return True
