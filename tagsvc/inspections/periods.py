"""The periods a plan's rounds fall in: plain date arithmetic, no database."""
from __future__ import annotations

import calendar
from datetime import date, timedelta

from tagsvc.inspections.models import Frequency

# Chinese school terms: the autumn term (秋季学期) runs into the winter holiday, the spring term (春季学期) into the summer one.
AUTUMN_TERM_STARTS, SPRING_TERM_STARTS = 9, 2


def period_containing(frequency: Frequency, day: date, starts_on: date, ends_on: date | None = None) -> tuple[date, date] | None:
    """The period of a plan's schedule that `day` falls in, as (first day, last day); None before the plan starts
    or after it ends. The first period of a plan is cut to begin on its first day."""
    if day < starts_on or (ends_on is not None and day > ends_on):
        return None
    if frequency == Frequency.ONCE:
        return starts_on, ends_on or starts_on
    if frequency == Frequency.DAILY:
        first, last = day, day
    elif frequency == Frequency.WEEKLY:
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=6)
    elif frequency == Frequency.MONTHLY:
        first = day.replace(day=1)
        last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    else:
        first, last = term_of(day)
    first = max(first, starts_on)
    last = min(last, ends_on) if ends_on is not None else last
    return first, last


def term_of(day: date) -> tuple[date, date]:
    if day.month >= AUTUMN_TERM_STARTS:
        return date(day.year, AUTUMN_TERM_STARTS, 1), date(day.year + 1, SPRING_TERM_STARTS, 1) - timedelta(days=1)
    if day.month < SPRING_TERM_STARTS:
        return date(day.year - 1, AUTUMN_TERM_STARTS, 1), date(day.year, SPRING_TERM_STARTS, 1) - timedelta(days=1)
    return date(day.year, SPRING_TERM_STARTS, 1), date(day.year, AUTUMN_TERM_STARTS, 1) - timedelta(days=1)


def periods_between(frequency: Frequency, first_day: date, last_day: date, starts_on: date,
                    ends_on: date | None = None) -> list[tuple[date, date]]:
    """Every period that has a day between first_day and last_day (both included), oldest first."""
    found: list[tuple[date, date]] = []
    day = max(first_day, starts_on)
    while day <= last_day:
        period = period_containing(frequency, day, starts_on, ends_on)
        if period is None:
            break
        found.append(period)
        day = period[1] + timedelta(days=1)
    return found
