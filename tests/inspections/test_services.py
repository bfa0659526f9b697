"""Safety inspection rounds: plans, periods, results sent from phones (each counted once), failures that open
damage reports, and what is due."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db
from tagsvc.inspections.models import Frequency, InspectionResult, InspectionRound, TargetKind
from tagsvc.inspections.periods import period_containing, periods_between
from tagsvc.inspections.services import (
    PlanData,
    ResultIn,
    close_round,
    create_plan,
    new_result_id,
    open_round,
    record_results,
    round_states,
    targets_of,
    today,
    update_plan,
)
from tagsvc.repairs.models import DamageKind, DamageReport, ReportAddition
from tagsvc.structure.models import LocationKind
from tests.factories import make_asset, make_category, make_department, make_location, make_user

EXTINGUISHER_LINES = ["压力表指针在绿区", "铅封、保险销完好", "喷管无老化开裂", "在有效期内"]


def test_periods_follow_the_plans_schedule():
    starts = date(2026, 9, 10)
    assert period_containing(Frequency.MONTHLY, date(2026, 11, 17), starts) == (date(2026, 11, 1), date(2026, 11, 30))
    assert period_containing(Frequency.MONTHLY, date(2026, 9, 12), starts) == (date(2026, 9, 10), date(2026, 9, 30))  # cut to the first day
    assert period_containing(Frequency.WEEKLY, date(2026, 12, 6), starts) == (date(2026, 11, 30), date(2026, 12, 6))  # Monday to Sunday
    assert period_containing(Frequency.DAILY, date(2026, 12, 6), starts) == (date(2026, 12, 6), date(2026, 12, 6))
    assert period_containing(Frequency.TERM, date(2027, 1, 20), starts) == (date(2026, 9, 10), date(2027, 1, 31))
    assert period_containing(Frequency.TERM, date(2027, 3, 1), starts) == (date(2027, 2, 1), date(2027, 8, 31))
    assert period_containing(Frequency.ONCE, date(2026, 9, 20), starts, date(2026, 9, 30)) == (starts, date(2026, 9, 30))
    assert period_containing(Frequency.MONTHLY, date(2026, 9, 1), starts) is None  # before the plan
    assert period_containing(Frequency.MONTHLY, date(2027, 1, 1), starts, date(2026, 12, 31)) is None  # after it
    assert [p[0].month for p in periods_between(Frequency.MONTHLY, date(2026, 8, 1), date(2026, 12, 5), starts)] == [9, 10, 11, 12]


@pytest.fixture
def extinguishers(app):
    """The office, an inspector, ten extinguishers in their category and a monthly plan for them."""
    office = make_user(Role.ADMIN, display_name="后勤处王老师")
    inspector = make_user(Role.STAFF, display_name="安全员李老师")
    category = make_category("灭火器")
    items = [make_asset(name=f"干粉灭火器{n}", asset_number=f"MHQ-{n:03d}", category_id=category.id,
                        purchase_date=date(2017, 1, 1) + timedelta(days=60 * n)) for n in range(10)]
    plan = create_plan(office, PlanData(name="灭火器月检", target_kind=TargetKind.CATEGORY, category_id=category.id,
                                        checklist=EXTINGUISHER_LINES, frequency=Frequency.MONTHLY, starts_on=date(2026, 9, 1),
                                        inspector_ids=[inspector.id], service_years=10))
    return office, inspector, items, plan


def _results(items, lines, passed=True, note=""):
    return [ResultIn(new_result_id(), item.current_tag.code, line["key"], passed, note) for item in items for line in lines]


def test_a_round_records_each_result_once_however_often_it_is_sent(extinguishers):
    _office, inspector, items, plan = extinguishers
    current = open_round(inspector, plan.id, date(2026, 12, 6))
    assert (current.period_start, current.period_end) == (date(2026, 12, 1), date(2026, 12, 31))
    batch = _results(items[:5], current.checklist)
    assert {a.outcome for a in record_results(inspector, current.id, batch)} == {"recorded"}
    assert {a.outcome for a in record_results(inspector, current.id, batch)} == {"replayed"}  # a phone's retry
    count = db.session.scalar(select(func.count()).select_from(InspectionResult))
    assert count == 20
    # A second phone checked the same lines: the first result stands, and the second phone is told whose it is.
    other = make_user(Role.ADMIN, display_name="总务处张老师")
    again = record_results(other, current.id, _results(items[:1], current.checklist[:1], passed=False, note="压力低"))
    assert (again[0].outcome, again[0].passed, again[0].first_by) == ("already_checked", True, "安全员李老师")
    assert db.session.scalar(select(func.count()).select_from(InspectionResult)) == 20
    assert open_round(inspector, plan.id, date(2026, 12, 20)).id == current.id  # the same period: the same round


@pytest.mark.parametrize("bad", ["line", "item", "no word", "id"])
def test_a_bad_result_refuses_the_whole_batch_and_changes_nothing(extinguishers, bad):
    _office, inspector, items, plan = extinguishers
    current = open_round(inspector, plan.id, date(2026, 12, 6))
    good = _results(items[:2], current.checklist)
    stranger = make_asset(name="投影仪")  # not an extinguisher
    wrong = {
        "line": ResultIn(new_result_id(), items[0].current_tag.code, "k99", True),
        "item": ResultIn(new_result_id(), stranger.current_tag.code, "k1", True),
        "no word": ResultIn(new_result_id(), items[3].current_tag.code, "k1", False, "  "),
        "id": ResultIn("short", items[3].current_tag.code, "k1", True),
    }[bad]
    said = {"line": "is not a line of this round", "item": "not one of the items or rooms", "no word": "Say in a word",
            "id": "id made on the phone"}[bad]
    with pytest.raises(ValidationError, match=said):
        record_results(inspector, current.id, [*good, wrong])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(InspectionResult)) == 0
    assert db.session.scalar(select(func.count()).select_from(DamageReport)) == 0


def test_only_the_plans_people_record_and_a_closed_round_takes_nothing(extinguishers):
    office, inspector, items, plan = extinguishers
    teacher = make_user(Role.STAFF)
    with pytest.raises(PermissionDeniedError, match="not one of the inspectors"):
        open_round(teacher, plan.id, date(2026, 12, 6))
    november = open_round(inspector, plan.id, date(2026, 11, 6))
    with pytest.raises(PermissionDeniedError):
        record_results(teacher, november.id, _results(items[:1], november.checklist[:1]))
    # A department's people inspect when the plan names their department.
    safety = make_department("保卫处")
    guard = make_user(Role.STAFF, departments=[safety])
    update_plan(office, plan.id, PlanData(name=plan.name, target_kind=TargetKind.CATEGORY, category_id=plan.category_id,
                                          checklist=EXTINGUISHER_LINES, frequency=Frequency.MONTHLY, starts_on=plan.starts_on,
                                          inspector_ids=[inspector.id], department_ids=[safety.id], service_years=10), plan.version)
    assert record_results(guard, november.id, _results(items[:1], november.checklist[:1]))[0].outcome == "recorded"
    with pytest.raises(PermissionDeniedError):
        close_round(inspector, november.id)
    close_round(office, november.id)
    with pytest.raises(ConflictError, match="was closed on"):
        record_results(inspector, november.id, _results(items[1:2], november.checklist[:1]))
    december = open_round(inspector, plan.id, date(2026, 12, 6))
    with pytest.raises(ConflictError, match="once its period has ended"):
        close_round(office, december.id)
    with pytest.raises(NotFoundError):
        open_round(inspector, plan.id, date(2026, 8, 1))  # before the plan's first day


def test_a_failed_line_opens_a_damage_report_and_further_failures_join_it(extinguishers):
    _office, inspector, items, plan = extinguishers
    current = open_round(inspector, plan.id, date(2026, 12, 6))
    gauge, seal = current.checklist[0]["key"], current.checklist[1]["key"]
    answers = record_results(inspector, current.id, [
        ResultIn(new_result_id(), items[0].current_tag.code, gauge, False, "指针在红区"),
        ResultIn(new_result_id(), items[0].current_tag.code, seal, False, "铅封脱落"),
        ResultIn(new_result_id(), items[1].current_tag.code, gauge, True),
    ])
    report = db.session.get(DamageReport, answers[0].damage_report_id)
    assert report.asset_id == items[0].id and report.kind == DamageKind.UNSAFE
    assert "灭火器月检" in report.description and "指针在红区" in report.description
    assert answers[1].damage_report_id == report.id  # the second failed line joins the same report
    assert "铅封脱落" in db.session.scalar(select(ReportAddition.note).where(ReportAddition.report_id == report.id))
    assert answers[2].damage_report_id is None
    assert db.session.scalar(select(func.count()).select_from(DamageReport)) == 1


def test_what_is_due_done_overdue_and_closed(extinguishers):
    office, inspector, items, plan = extinguishers
    october = open_round(inspector, plan.id, date(2026, 10, 6))
    record_results(inspector, october.id, _results(items, october.checklist))
    november = open_round(inspector, plan.id, date(2026, 11, 6))
    record_results(inspector, november.id, _results(items[:3], november.checklist))
    states = round_states(plan, date(2026, 9, 1), date(2026, 12, 6), today=date(2026, 12, 6))
    assert [(s.period[0].month, s.state, s.checked, s.expected) for s in states] == [
        (9, "overdue", 0, 40), (10, "done", 40, 40), (11, "overdue", 12, 40), (12, "due", 0, 40)]
    close_round(office, november.id)
    assert round_states(plan, date(2026, 11, 1), date(2026, 11, 30), today=date(2026, 12, 6))[0].state == "closed"


def test_a_room_plan_checks_every_room_of_a_chosen_building(app):
    office = make_user(Role.ADMIN)
    lab_building = make_location("实验楼", kind=LocationKind.BUILDING)
    floor = make_location("2F", parent=lab_building, kind=LocationKind.FLOOR)
    chemistry, physics = make_location("化学实验室", parent=floor), make_location("物理实验室", parent=floor)
    library = make_location("图书馆阅览室")
    make_location("书库", parent=make_location("图书馆", kind=LocationKind.BUILDING))
    plan = create_plan(office, PlanData(name="三室日检", target_kind=TargetKind.ROOMS, location_ids=[lab_building.id, library.id],
                                        checklist=["燃气、电源已关闭", "通风橱正常", "洗眼器可用", "安全出口畅通"],
                                        frequency=Frequency.DAILY, starts_on=date(2026, 12, 1), inspector_ids=[office.id]))
    assert sorted(t.location_id for t in targets_of(plan)) == sorted([chemistry.id, physics.id, library.id])


@pytest.mark.parametrize(("change", "said"), [
    ({"checklist": []}, "at least one checklist line"),
    ({"checklist": ["同一行", "同一行"]}, "something different"),
    ({"frequency": Frequency.ONCE}, "by which it is done"),
    ({"ends_on": date(2026, 8, 1)}, "comes before its first"),
    ({"category_id": None}, "Choose the category"),
    ({"inspector_ids": [], "department_ids": []}, "Say who inspects"),
    ({"service_years": 0}, "from 1 to 50"),
    ({"name": " "}, "Give the plan a name"),
])
def test_a_plan_the_office_cannot_keep_is_refused_with_what_to_change(app, change, said):
    office = make_user(Role.ADMIN)
    category = make_category("灭火器")
    values = {"name": "灭火器月检", "target_kind": TargetKind.CATEGORY, "category_id": category.id, "checklist": EXTINGUISHER_LINES,
              "frequency": Frequency.MONTHLY, "starts_on": date(2026, 9, 1), "inspector_ids": [office.id]}
    with pytest.raises(ValidationError, match=said):
        create_plan(office, PlanData(**{**values, **change}))
    with pytest.raises(PermissionDeniedError):
        create_plan(make_user(Role.KEEPER), PlanData(**values))


def test_an_edited_checklist_keeps_its_lines_keys_and_a_begun_round_keeps_its_lines(extinguishers):
    office, inspector, _items, plan = extinguishers
    begun = open_round(inspector, plan.id, date(2026, 12, 6))
    before = {line["text"]: line["key"] for line in plan.checklist}
    changed = ["在有效期内", "压力表指针在绿区", "箱门未上锁"]
    update_plan(office, plan.id, PlanData(name=plan.name, target_kind=TargetKind.CATEGORY, category_id=plan.category_id, checklist=changed,
                                          frequency=Frequency.MONTHLY, starts_on=plan.starts_on, inspector_ids=[inspector.id]), plan.version)
    keys = {line["text"]: line["key"] for line in plan.checklist}
    assert keys["在有效期内"] == before["在有效期内"] and keys["压力表指针在绿区"] == before["压力表指针在绿区"]
    assert keys["箱门未上锁"] not in before.values()
    assert [line["text"] for line in db.session.get(InspectionRound, begun.id).checklist] == EXTINGUISHER_LINES
    with pytest.raises(ConflictError, match="changed this plan meanwhile"):
        update_plan(office, plan.id, PlanData(name="x", target_kind=TargetKind.CATEGORY, category_id=plan.category_id, checklist=changed,
                                              frequency=Frequency.MONTHLY, starts_on=plan.starts_on, inspector_ids=[inspector.id]), plan.version - 1)


def test_a_phones_clock_far_off_is_not_believed(extinguishers):
    _office, inspector, items, plan = extinguishers
    current = open_round(inspector, plan.id, date(2026, 12, 6))
    line = current.checklist[0]["key"]
    record_results(inspector, current.id, [ResultIn(new_result_id(), items[0].current_tag.code, line, True,
                                                    checked_at=datetime(2020, 1, 1, tzinfo=datetime.now().astimezone().tzinfo))])
    assert db.session.scalar(select(InspectionResult.checked_at)).year >= 2026


def test_the_months_record_says_who_checked_what_and_what_became_of_each_failure(extinguishers):
    from tagsvc.inspections.services import inspection_record
    from tagsvc.repairs.services import Triage, triage_report

    office, inspector, items, plan = extinguishers
    november = open_round(inspector, plan.id, date(2026, 11, 6))
    gauge = november.checklist[0]["key"]
    answers = record_results(inspector, november.id, [
        *_results(items[1:], november.checklist),
        *[ResultIn(new_result_id(), items[0].current_tag.code, line["key"], line["key"] != gauge, "" if line["key"] != gauge else "指针在红区")
          for line in november.checklist]])
    report_id = next(a.damage_report_id for a in answers if a.damage_report_id)
    triage_report(office, report_id, Triage("accept", assignee_id=make_user(Role.REPAIRER).id))
    record = inspection_record(office, plan.id, date(2026, 11, 15))
    assert [r.period for r in record.rounds] == [(date(2026, 11, 1), date(2026, 11, 30))]
    walked = record.rounds[0]
    assert walked.checked == 40 and walked.inspectors == ["安全员李老师"]
    assert [(f.note, report.id, report.status.value) for f, report in record.failures] == [("指针在红区", report_id, "accepted")]
    october = inspection_record(office, plan.id, date(2026, 10, 1))
    assert october.rounds[0].checked == 0 and october.failures == []  # a period nobody walked is in the record, empty
    with pytest.raises(PermissionDeniedError):
        inspection_record(make_user(Role.STAFF), plan.id, date(2026, 11, 1))


def test_a_round_notes_the_day_its_last_line_arrived(extinguishers):
    office, inspector, items, plan = extinguishers
    current = open_round(inspector, plan.id, today())
    lines = [line["key"] for line in current.checklist]
    record_results(inspector, current.id, [ResultIn(new_result_id(), items[0].current_tag.code, key, True) for key in lines])
    assert db.session.get(InspectionRound, current.id).done_on is None  # other items wait
    record_results(inspector, current.id, [ResultIn(new_result_id(), item.current_tag.code, key, True) for item in items[1:] for key in lines])
    assert db.session.get(InspectionRound, current.id).done_on == today()


def test_rounds_recorded_before_their_day_was_kept_are_dated_by_the_line_that_completed_them(extinguishers):
    from tagsvc.inspections.services import settle_done_dates

    office, inspector, items, plan = extinguishers
    begun = open_round(inspector, plan.id, date(2026, 11, 10))
    lines = [line["key"] for line in begun.checklist]
    record_results(inspector, begun.id, [ResultIn(new_result_id(), item.current_tag.code, key, True) for item in items for key in lines])
    unfinished = open_round(inspector, plan.id, date(2026, 10, 10))
    record_results(inspector, unfinished.id, [ResultIn(new_result_id(), items[0].current_tag.code, "k1", True)])
    for current in (begun, unfinished):
        db.session.get(InspectionRound, current.id).done_on = None  # as before 0030
    db.session.commit()
    assert settle_done_dates() == 1
    assert db.session.get(InspectionRound, begun.id).done_on == today() and db.session.get(InspectionRound, unfinished.id).done_on is None
