"""The demo school's inspection plans, with a month of rounds behind them: a monthly extinguisher check, a daily
check of the labs and the computer rooms, a weekly dorm check. Most rounds were walked and passed; a few days were
missed (overdue), and three lines failed (each opened a damage report the office can triage)."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select

from tagsvc.extensions import db
from tagsvc.inspections.models import Frequency, InspectionResult, TargetKind
from tagsvc.inspections.periods import periods_between
from tagsvc.inspections.services import PlanData, _report_failure, create_plan, new_result_id, round_for, targets_of, today
from tagsvc.structure.models import Category, Location

EXTINGUISHER_LINES = ["压力表指针在绿区", "铅封、保险销完好", "喷管无老化开裂", "放置位置正确，取用无遮挡", "在有效期内"]
LAB_LINES = ["燃气、水、电源已关闭", "通风橱运转正常", "洗眼器、急救箱可用", "危化品柜已上锁", "安全出口畅通"]
DORM_LINES = ["无违规电器", "电线插座无破损", "疏散通道畅通", "门窗、床铺牢固"]
FAILURES = {"压力表指针在绿区": "指针在红区，压力不足", "通风橱运转正常": "风机不转", "电线插座无破损": "插座面板开裂"}


def load_demo_inspections(users: dict, seed: int = 2026) -> None:
    rng = random.Random(seed)
    now = today()
    start = now - timedelta(days=35)
    extinguishers = db.session.scalar(select(Category).where(Category.name == "灭火器"))
    labs = db.session.scalar(select(Location).where(Location.name == "实验楼"))
    server_room = db.session.scalar(select(Location).where(Location.name == "信息中心机房"))
    dorms = list(db.session.scalars(select(Location).where(Location.name.in_(["宿舍楼A", "宿舍楼B"]))))
    office, teacher, keeper1, keeper2 = users["admin"], users["teacher1"], users["keeper1"], users["keeper2"]
    plans = [
        (create_plan(office, PlanData(name="灭火器月检", target_kind=TargetKind.CATEGORY, category_id=extinguishers.id,
                                      checklist=EXTINGUISHER_LINES, frequency=Frequency.MONTHLY, starts_on=start,
                                      inspector_ids=[teacher.id, office.id], service_years=10)), office, 1.0),
        (create_plan(office, PlanData(name="三室日检（实验室、机房）", target_kind=TargetKind.ROOMS,
                                      location_ids=[labs.id, server_room.id], checklist=LAB_LINES, frequency=Frequency.DAILY,
                                      starts_on=start, inspector_ids=[keeper1.id])), keeper1, 0.85),
        (create_plan(office, PlanData(name="宿舍安全周检", target_kind=TargetKind.ROOMS, location_ids=[d.id for d in dorms],
                                      checklist=DORM_LINES, frequency=Frequency.WEEKLY, starts_on=start, inspector_ids=[keeper2.id])), keeper2, 0.9),
    ]
    failed: set[str] = set()
    for plan, inspector, walked_share in plans:
        targets = targets_of(plan)
        for first, last in periods_between(plan.frequency, start, now - timedelta(days=1), plan.starts_on):
            missed = rng.random() > walked_share or (plan.frequency == Frequency.DAILY and last == now - timedelta(days=1))
            if last >= now or missed:
                continue  # the current period is still open; some past ones were missed (overdue), yesterday's labs among them
            current = round_for(plan, first)
            walked = datetime.combine(last if plan.frequency == Frequency.DAILY else first + timedelta(days=2), time(16, 30)).astimezone()
            for target in targets:
                for line in current.checklist:
                    text = line["text"]  # each of the three faults once: on the first item, or on a room now and then
                    fails = text in FAILURES and text not in failed and (target.asset_id is not None or rng.random() < 0.05)
                    row = InspectionResult(result_id=new_result_id(), round_id=current.id, target=target.key, asset_id=target.asset_id,
                                           location_id=target.location_id, line_key=line["key"], line_text=line["text"], passed=not fails,
                                           note=FAILURES[text] if fails else "", recorded_by_id=inspector.id,
                                           recorded_by_name=inspector.display_name, checked_at=walked, received_at=walked)
                    db.session.add(row)
                    if fails:
                        failed.add(text)
                        db.session.flush()
                        row.damage_report_id = _report_failure(inspector, current, row)
            current.done_on = walked.date()  # every line of every item or room, that day
    db.session.commit()
