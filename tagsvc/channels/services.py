"""News for the groups where people talk (WeCom, DingTalk): recorded with what it tells of, delivered by the job
queue's worker within the robots' limits, nothing lost.

- `notify` records a notice and its deliveries in the same transaction as the change itself (a report, a transfer
  waiting): if that change is written, so is the news; if not, neither. After the commit, the worker is asked to
  deliver.
- `deliver` sends what waits, channel by channel, each channel under a lock (two workers never send to one robot at
  once): at most 19 messages a minute to a robot (its limit is 20); when news comes faster, one digest ("5 new damage
  reports: …") instead of five messages, split within 4,096 bytes; a robot that is unavailable or rate limited gets
  it again later (backoff), one that refuses for good (a wrong key) marks it failed with the robot's words, for the
  office to fix and resend. Quiet hours hold all but urgent news until the morning.
- A message is marked sent in its own commit right after the robot accepted it. Only a worker killed between the two
  could send it twice; nothing can make it be lost.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import force_locale, gettext as _, ngettext, to_user_timezone
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tagsvc.schools.web import default_language
from tagsvc.channels import robots
from tagsvc.channels.models import EVENTS, Channel, ChannelMessage, Delivery, Notice
from tagsvc.errors import NotFoundError, ValidationError
from tagsvc.extensions import db, lock_document, utcnow
from tagsvc.i18n.markers import N_
from tagsvc.i18n.messages import message, say

SEND_PER_MINUTE = robots.PER_MINUTE - 1  # one below the robots' limit: their minute and ours may not start together
PACE = timedelta(seconds=60 / SEND_PER_MINUTE)
BACKOFF_LIMIT = timedelta(minutes=10)


def notify(event_name: str, key: str, facts: dict, department_id: int | None = None, urgent: bool = False) -> Notice | None:
    """Record news for the channels that want it (in the caller's transaction). The same `key` twice: once."""
    if event_name not in EVENTS:
        raise ValueError(event_name)
    channels = [c for c in db.session.scalars(select(Channel))  # a paused one too: its news waits for it
                if event_name in (c.events or []) and (not c.department_ids or department_id in c.department_ids)]
    if not channels:
        return None
    try:
        with db.session.begin_nested():
            notice = Notice(event=event_name, key=key[:100], department_id=department_id, urgent=urgent, facts=facts)
            db.session.add(notice)
            db.session.flush()
    except IntegrityError:
        return None  # told already
    db.session.add_all([Delivery(notice_id=notice.id, channel_id=channel.id) for channel in channels])
    db.session.info["deliver_after_commit"] = True
    return notice


@event.listens_for(Session, "after_commit")
def _deliver_soon(session: Session) -> None:
    if session.info.pop("deliver_after_commit", False) and has_app_context():
        from tagsvc.jobs import deliver_task, enqueue

        enqueue(deliver_task)


def deliver(now: datetime | None = None, send=robots.send, follow_up=None) -> int:
    """Send what waits to every channel, as far as the robots allow now. Returns how many notices went out.
    `follow_up(seconds)` is asked to run this again when something still waits (the worker schedules itself)."""
    sent, again = 0, None
    now = now or utcnow()
    channel_ids = list(db.session.scalars(select(Delivery.channel_id).where(Delivery.status == "waiting").distinct()))
    db.session.rollback()
    for channel_id in channel_ids:
        count, next_try = _deliver_to(channel_id, now, send)
        sent += count
        if next_try is not None and (again is None or next_try < again):
            again = next_try
    db.session.rollback()  # nothing left to write: end the reading transaction, which on SQLite would hold off writers
    if again is not None and follow_up is not None:
        follow_up(max(1.0, (again - now).total_seconds()))
    return sent


def _quiet(channel: Channel, now: datetime) -> bool:
    if channel.quiet_from == channel.quiet_until:
        return False
    hour = to_user_timezone(now).hour
    if channel.quiet_from < channel.quiet_until:
        return channel.quiet_from <= hour < channel.quiet_until
    return hour >= channel.quiet_from or hour < channel.quiet_until


def _deliver_to(channel_id: int, now: datetime, send) -> int:
    lock_document(Channel, channel_id)  # one sender per robot: its limit counts every message
    channel = db.session.get(Channel, channel_id)
    query = select(Delivery).join(Notice).where(Delivery.channel_id == channel_id, Delivery.status == "waiting",
                                                Delivery.next_attempt_at <= now).order_by(Delivery.id)
    if _quiet(channel, now):
        query = query.where(Notice.urgent.is_(True))
    due = list(db.session.scalars(query))
    sent_lately = list(db.session.scalars(select(ChannelMessage.sent_at).where(ChannelMessage.channel_id == channel_id,
                                                                               ChannelMessage.sent_at > now - timedelta(seconds=60))
                                          .order_by(ChannelMessage.sent_at)))
    room = SEND_PER_MINUTE - len(sent_lately)
    # Paced, not in bursts: one message every 60/19 s at most, what comes meanwhile goes in the next one (a digest).
    # A burst of reports then waits seconds, never the minute a robot's full window would cost.
    paced_until = sent_lately[-1] + PACE if sent_lately else now
    later = list(db.session.scalars(select(Delivery.next_attempt_at).join(Notice).where(Delivery.channel_id == channel_id, Delivery.status == "waiting")
                                    .order_by(Delivery.next_attempt_at).limit(1)))
    if not due or not channel.active:
        db.session.commit()
        return 0, (max(later[0], paced_until) if later and channel.active else None)
    if room <= 0 or paced_until > now:
        db.session.commit()
        return 0, max(paced_until, sent_lately[0] + timedelta(seconds=60) if room <= 0 else paced_until)
    robot = robots.Robot(channel.kind, channel.url, channel.secret)
    sent = 0
    with force_locale(default_language(channel.school_id)):
        messages = compose(due)
    for title, text, deliveries in messages[:room]:
        answer = send(robot, title, text, at=now.timestamp())
        if answer.outcome == robots.Outcome.SENT:
            for delivery in deliveries:
                delivery.status, delivery.sent_at, delivery.error = "sent", now, ""
            db.session.add(ChannelMessage(school_id=channel.school_id, channel_id=channel_id, sent_at=now, notices=len(deliveries), title=title[:200], text=text))
            db.session.commit()  # at once: the robot has it
            lock_document(Channel, channel_id)
            sent += len(deliveries)
            continue
        waiting = [d for d in due if d.status == "waiting"]
        if answer.outcome == robots.Outcome.REFUSED:
            for delivery in deliveries:
                delivery.status, delivery.error = "failed", f"{answer.errcode}: {answer.detail}"[:1000]
        else:  # rate limited or unavailable: all that waits, later
            for delivery in waiting:
                delivery.attempts += 1
                wait = timedelta(seconds=answer.retry_after) if answer.retry_after else min(BACKOFF_LIMIT, timedelta(seconds=15 * 2 ** min(delivery.attempts, 6)))
                delivery.next_attempt_at, delivery.error = now + wait, f"{answer.outcome.value}: {answer.detail}"[:1000]
        db.session.commit()
        break
    waiting = db.session.scalar(select(func.min(Delivery.next_attempt_at)).where(Delivery.channel_id == channel_id, Delivery.status == "waiting"))
    return sent, (max(waiting, now + PACE) if waiting is not None else None)


def compose(due: list[Delivery]) -> list[tuple[str, str, list[Delivery]]]:
    """The messages for what waits: one for a single notice; a digest per kind of news when several wait, split
    within the robots' size limit. Each message names the deliveries it carries."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if len(due) == 1:
        title, text = _single(due[0].notice, base)
        return [(title, text, due)]
    messages = []
    by_event: dict[str, list[Delivery]] = {}
    for delivery in due:
        by_event.setdefault(delivery.notice.event, []).append(delivery)
    for event_name, deliveries in by_event.items():
        if len(deliveries) == 1:  # the only one of its kind: a message of its own
            title, text = _single(deliveries[0].notice, base)
            messages.append((title, text, deliveries))
            continue
        title = _digest_title(event_name, len(deliveries))
        lines = [(f"- {_line(d.notice)}\n", d) for d in deliveries]
        open_list = _("Open the list")
        footer = f"\n[{open_list}]({base}{_LIST_PAGES.get(event_name, '/')})"
        part, carried = f"### {title}\n", []
        for line, delivery in lines:
            if len((part + line + footer).encode()) > robots.MARKDOWN_BYTES and carried:
                messages.append((title, part + footer, carried))
                part, carried = f"### {title}\n", []
            part += line
            carried.append(delivery)
        messages.append((title, part + footer, carried))
    return messages


_LIST_PAGES = {"damage_reported": "/repairs", "repair_assigned": "/repairs/mine", "repair_overdue": "/repairs", "transfer_waiting": "/approvals",
               "disposal_waiting": "/approvals", "loan_overdue": "/loans", "stocktake_due": "/stocktakes", "import_done": "/register/import",
               "inspection_overdue": "/inspections"}


def _digest_title(event_name: str, count: int) -> str:
    if event_name == "damage_reported":
        return ngettext("%(num)d new damage report", "%(num)d new damage reports", count)
    if event_name == "transfer_waiting":
        return ngettext("%(num)d transfer waiting for a decision", "%(num)d transfers waiting for a decision", count)
    if event_name == "disposal_waiting":
        return ngettext("%(num)d disposal waiting for approval", "%(num)d disposals waiting for approval", count)
    if event_name == "repair_assigned":
        return ngettext("%(num)d repair assigned", "%(num)d repairs assigned", count)
    if event_name == "inspection_overdue":
        return ngettext("%(num)d safety inspection round not done", "%(num)d safety inspection rounds not done", count)
    return ngettext("%(num)d new notice", "%(num)d new notices", count)


def _line(notice: Notice) -> str:
    facts = notice.facts
    if notice.event == "damage_reported":
        kind = _(facts["kind_label"])
        return f"{facts['asset_name']}（{facts['asset_number']}）· {facts['place'] or '—'} · {kind}"
    detail = say(facts.get("detail"))
    return " · ".join(part for part in (f"{facts.get('name', '')}（{facts.get('number', '')}）", facts.get("place", ""), detail) if part)


def _single(notice: Notice, base: str) -> tuple[str, str]:
    facts = notice.facts
    if notice.event == "damage_reported":
        title = _("New damage report: %(name)s", name=facts["asset_name"])
        place = _("Place: %(place)s", place=facts["place"] or "—")
        wrong = _("%(kind)s: %(text)s", kind=_(facts["kind_label"]), text=facts["description"])
        triage = _("Triage it")
        lines = [f"### {title}（{facts['asset_number']}）", place, wrong]
        if facts.get("photo"):
            lines.append(_("With a photo"))
        lines.append(f"[{triage}]({base}/repairs/{facts['report_id']})")
        return title, robots.split_markdown("\n".join(lines))[0]
    title = say(facts["title"])
    open_it = _("Open it")
    lines = [f"### {title}", _line(notice), f"[{open_it}]({base}{facts['link']})"]
    return title, robots.split_markdown("\n".join(lines))[0]


def tell(event_name: str, key: str, title: dict, name: str, number: str, link: str, place: str = "", detail=None,
         department_id: int | None = None, urgent: bool = False) -> Notice | None:
    """News other than a damage report: a title (a message, said in the school's language when sent), the document's
    name and number, where, a detail (a message or names), and the page where the next step is taken."""
    return notify(event_name, key, {"title": title, "name": name, "number": number, "place": place, "detail": detail, "link": link},
                  department_id=department_id, urgent=urgent)


def damage_reported(report) -> None:
    """The news of a new report: what and where, what is wrong, whether there is a photo; never who reported it."""
    from tagsvc.repairs.display import DAMAGE_KIND_LABELS
    from tagsvc.repairs.models import DamageKind

    what = reported_thing(report)
    notify("damage_reported", f"damage_reported:{report.id}", {
        "report_id": report.id, "asset_name": what.name, "asset_number": what.number,
        "place": what.place, "kind_label": DAMAGE_KIND_LABELS[report.kind],
        "description": report.description[:300], "photo": bool(report.photos)}, department_id=what.department_id,
        urgent=report.kind == DamageKind.UNSAFE)  # a hazard is news at night too


@dataclass(frozen=True)
class ReportedThing:
    name: str
    number: str
    place: str
    department_id: int | None


def reported_thing(report) -> ReportedThing:
    """What a report is about, as a message names it: an item (its number, place and department), or a room."""
    asset = report.asset
    if asset is None:
        return ReportedThing(report.location.name, "", report.location.full_name, None)
    return ReportedThing(asset.name, asset.asset_number, asset.location.full_name if asset.location else "", asset.department_id)


# ---------------------------------------------------------------- channels


@dataclass(frozen=True)
class ChannelData:
    """What the office says of a channel. On a change, an empty url or secret keeps the one stored (the page never
    shows them back: whoever has a robot's address can post to the group)."""

    name: str
    kind: str
    url: str
    events: tuple[str, ...]
    secret: str = ""
    department_ids: tuple[int, ...] = ()
    quiet_from: int = 22
    quiet_until: int = 7
    active: bool = True


def add_channel(actor, name: str, kind: str, url: str, events: list[str], secret: str = "", department_ids: list[int] = (),
                quiet_from: int = 22, quiet_until: int = 7) -> Channel:
    return save_channel(actor, None, ChannelData(name, kind, url, tuple(events), secret, tuple(department_ids), quiet_from, quiet_until))


def save_channel(actor, channel_id: int | None, data: ChannelData) -> Channel:
    """Add a channel (channel_id None) or change one, after checking everything; nothing is written when refused."""
    from tagsvc.accounts.permissions import require_admin
    from tagsvc.structure.models import Department

    require_admin(actor)
    channel = None
    if channel_id is not None:
        channel = db.session.get(Channel, channel_id)
        if channel is None:
            raise NotFoundError(_("There is no such channel."))
        if data.kind != channel.kind:
            raise ValidationError(_("A channel keeps its kind: add a new one for another robot."))
    url = data.url.strip() or (channel.url if channel else "")
    secret = data.secret.strip() or (channel.secret if channel and data.kind == channel.kind else "")
    robots.check_robot(robots.Robot(data.kind, url, secret))
    unknown = [e for e in data.events if e not in EVENTS]
    if not data.events or unknown:
        raise ValidationError(_("Choose the news this group wants: %(names)s.", names=", ".join(EVENTS)))
    if not data.name.strip():
        raise ValidationError(_("Give the channel a name (the group's, for example 教务处群)."))
    if not (0 <= data.quiet_from <= 23 and 0 <= data.quiet_until <= 23):
        raise ValidationError(_("Quiet hours are hours of the day, 0 to 23."))
    known = set(db.session.scalars(select(Department.id).where(Department.id.in_(data.department_ids)))) if data.department_ids else set()
    if set(data.department_ids) - known:
        raise ValidationError(_("There is no such department."))
    if channel is None:
        channel = Channel(kind=data.kind)
        db.session.add(channel)
    channel.name, channel.url, channel.secret = data.name.strip()[:100], url, secret
    channel.events, channel.department_ids = list(dict.fromkeys(data.events)), list(dict.fromkeys(data.department_ids))
    channel.quiet_from, channel.quiet_until, channel.active = data.quiet_from, data.quiet_until, data.active
    if channel.active:
        db.session.info["deliver_after_commit"] = True  # resumed: what waited goes out
    db.session.commit()
    return channel


def delete_channel(actor, channel_id: int) -> int:
    """Remove a channel and its delivery log; what still waited for it is not sent. Returns how many waited."""
    from sqlalchemy import delete

    from tagsvc.accounts.permissions import require_admin

    require_admin(actor)
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        raise NotFoundError(_("There is no such channel."))
    waiting = db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.channel_id == channel_id, Delivery.status == "waiting"))
    db.session.execute(delete(Delivery).where(Delivery.channel_id == channel_id))
    db.session.execute(delete(ChannelMessage).where(ChannelMessage.channel_id == channel_id))
    db.session.delete(channel)
    db.session.commit()
    return waiting


def test_channel(actor, channel_id: int, send=robots.send) -> robots.Answer:
    """A test message now (quiet hours or not), and the robot's answer as it gave it."""
    from tagsvc.accounts.permissions import require_admin

    require_admin(actor)
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        raise NotFoundError(_("There is no such channel."))
    with force_locale(default_language(channel.school_id)):
        text = _("tagsvc test message: this group will hear of %(events)s.", events=", ".join(channel.events))
        return send(robots.Robot(channel.kind, channel.url, channel.secret), "tagsvc", text)


def resend_failed(actor, channel_id: int) -> int:
    """What failed for good (the office has fixed the robot's address): waiting again, sent on the worker's next pass."""
    from sqlalchemy import update

    from tagsvc.accounts.permissions import require_admin

    require_admin(actor)
    count = db.session.execute(update(Delivery).where(Delivery.channel_id == channel_id, Delivery.status == "failed")
                               .values(status="waiting", attempts=0, next_attempt_at=utcnow(), error="")
                               .execution_options(synchronize_session=False)).rowcount
    if count:
        db.session.info["deliver_after_commit"] = True
    db.session.commit()
    return count


def transfer_waiting(transfer, waiting_for: str) -> None:
    """A transfer waits for the receiving keeper ("accept") or the office ("approve")."""
    items = len(transfer.items)
    title = (message(N_("Transfer %(number)s waits for %(department)s to accept it"), number=transfer.number, department=transfer.to_department.name)
             if waiting_for == "accept" else message(N_("Transfer %(number)s waits for the office's approval"), number=transfer.number))
    detail = [transfer.from_department.name + " → " + transfer.to_department.name, message(N_("%(n)s items"), n=items)]
    tell("transfer_waiting", f"transfer_waiting:{transfer.id}:{waiting_for}", title, transfer.items[0].name if items == 1 else transfer.number,
         transfer.number, f"/transfers/{transfer.id}", detail=detail,
         department_id=transfer.to_department_id if waiting_for == "accept" else None)


def disposal_waiting(disposal) -> None:
    items = len(disposal.items)
    tell("disposal_waiting", f"disposal_waiting:{disposal.id}", message(N_("Disposal %(number)s waits for approval"), number=disposal.number),
         disposal.items[0].name if items == 1 else disposal.number, disposal.number, f"/disposals/{disposal.id}",
         detail=[message(N_("%(n)s items"), n=items)], department_id=None)


def repair_assigned(report) -> None:
    """To the repairers' group: what, where, how urgent, and the work order."""
    from tagsvc.repairs.display import PRIORITY_LABELS

    what = reported_thing(report)
    tell("repair_assigned", f"repair_assigned:{report.id}:{report.assignee_id}", message(N_("Repair #%(id)s assigned"), id=report.id),
         what.name, what.number, f"/repairs/{report.id}", place=what.place,
         detail=[message(PRIORITY_LABELS[report.priority]), report.description_words[:200]], department_id=what.department_id,
         urgent=report.priority == "urgent")


def import_done(run) -> None:
    tell("import_done", f"import_done:{run.id}", message(N_("Import #%(id)s finished: %(n)s assets"), id=run.id, n=run.created),
         run.file_name, f"#{run.id}", f"/register/imports/{run.id}")


def daily_notices() -> int:
    """Once a school day (the job queue's daily run): loans overdue, repairs overdue, stocktakes due within 3 days,
    safety inspection rounds not done.
    Each names its document and the page to act on; a borrower only by the loan's number and class or department,
    never by name or phone (many are minors). Returns how many notices were recorded. Commits."""
    from tagsvc.assets.models import Asset
    from tagsvc.loans.models import Handout, HandoutItem, HandoutKind
    from tagsvc.loans.services import school_today
    from tagsvc.repairs.models import DamageReport
    from tagsvc.repairs.services import overdue_clause
    from tagsvc.stocktake.models import Stocktake, StocktakeItem, StocktakeStatus

    today, now, recorded = school_today(), utcnow(), 0
    late_loans = db.session.execute(
        select(Handout, func.count(HandoutItem.id)).join(HandoutItem, HandoutItem.handout_id == Handout.id)
        .where(Handout.kind == HandoutKind.LOAN, HandoutItem.returned_at.is_(None), Handout.due_on < today).group_by(Handout.id)).all()
    for handout, count in late_loans:
        department_id = db.session.scalar(select(Asset.department_id).join(HandoutItem, HandoutItem.asset_id == Asset.id)
                                          .where(HandoutItem.handout_id == handout.id).limit(1))  # whose items: its keeper's group
        recorded += bool(tell("loan_overdue", f"loan_overdue:{handout.id}:{today.isoformat()}",
                              message(N_("Loan %(number)s overdue since %(date)s"), number=handout.number, date=handout.due_on.isoformat()),
                              handout.number, handout.number, f"/loans/{handout.id}", detail=[message(N_("%(n)s items"), n=count)],
                              department_id=department_id))
    for report in db.session.scalars(select(DamageReport).where(overdue_clause(now))):
        what = reported_thing(report)
        recorded += bool(tell("repair_overdue", f"repair_overdue:{report.id}", message(N_("Repair #%(id)s is overdue"), id=report.id),
                              what.name, what.number, f"/repairs/{report.id}", place=what.place, department_id=what.department_id))
    for stocktake in db.session.scalars(select(Stocktake).where(Stocktake.status == StocktakeStatus.OPEN, Stocktake.deadline.is_not(None),
                                                                Stocktake.deadline <= today + timedelta(days=3))):
        missing = db.session.scalar(select(func.count()).select_from(StocktakeItem).where(
            StocktakeItem.stocktake_id == stocktake.id, StocktakeItem.confirmed_at.is_(None), StocktakeItem.left_list.is_(False)))
        recorded += bool(tell("stocktake_due", f"stocktake_due:{stocktake.id}:{today.isoformat()}",
                              message(N_("Stocktake “%(name)s” is due on %(date)s"), name=stocktake.name, date=stocktake.deadline.isoformat()),
                              stocktake.name, f"#{stocktake.id}", f"/stocktakes/{stocktake.id}",
                              detail=[message(N_("%(n)s items not found yet"), n=missing)]))
    recorded += _inspections_not_done(today)
    db.session.commit()
    return recorded


def _inspections_not_done(today) -> int:
    """Each safety inspection period of the last week that ended undone (and that the office has not closed), once."""
    from tagsvc.inspections.models import InspectionPlan
    from tagsvc.inspections.services import round_states

    recorded = 0
    for plan in db.session.scalars(select(InspectionPlan).where(InspectionPlan.active.is_(True))):
        for state in round_states(plan, today - timedelta(days=7), today - timedelta(days=1), today):
            if state.state != "overdue":
                continue
            first, last = state.period
            period = first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"
            recorded += bool(tell("inspection_overdue", f"inspection_overdue:{plan.id}:{first.isoformat()}",
                                  message(N_("Safety inspection “%(name)s” of %(period)s was not done"), name=plan.name, period=period),
                                  plan.name, period, f"/inspections/plans/{plan.id}",
                                  detail=[message(N_("%(checked)s of %(expected)s lines checked"), checked=state.checked, expected=state.expected)]))
    return recorded
