"""News reaching WeCom and DingTalk groups within the robots' limits, nothing lost: against local servers that answer
as the robots do, with the clock of the test (each minute of a burst is a minute for both sides)."""
from __future__ import annotations

import json
from functools import partial
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.channels import services
from tagsvc.channels.models import Delivery
from tagsvc.extensions import db
from tagsvc.repairs.models import DamageKind
from tagsvc.repairs.services import Reporter, submit_report
from tests.channels.fake_robots import FakeRobot
from tests.factories import make_asset, make_department, make_location, make_user

NOON = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)  # 12:00 at the school (Asia/Shanghai)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now.timestamp()


@pytest.fixture
def clock():
    return Clock(NOON)


@pytest.fixture
def robots(clock):
    made = {kind: FakeRobot(kind, clock=clock) for kind in ("wecom", "dingtalk")}
    yield made
    for robot in made.values():
        robot.close()


@pytest.fixture
def school(app, robots):
    office = make_user(Role.ADMIN)
    academic, dorms = make_department("教务处"), make_department("宿管科")
    room = make_location("301", parent=make_location("教学楼"))
    for kind, robot in robots.items():
        services.add_channel(office, f"后勤{kind}群", kind, robot.url, ["damage_reported"], secret=robot.secret if kind == "dingtalk" else "",
                             quiet_from=0, quiet_until=0)
    return {"office": office, "academic": academic, "dorms": dorms, "room": room}


def _report(school, n: int, department=None, contact: str = "13800001234"):
    asset = make_asset(name=f"课桌椅{n}", asset_number=f"KZY-{n:04d}", department_id=(department or school["academic"]).id,
                       location_id=school["room"].id)
    return submit_report(None, asset.current_tag.code, DamageKind.BROKEN, f"第{n}张桌子腿松了", Reporter("李同学", "高二(1)班", contact),
                         client_hash=f"phone-{n}")


def _run(clock, minutes: int, step_seconds: int = 10) -> None:
    """The worker's passes, every `step_seconds`, for so many minutes of the test's clock."""
    for _ in range(minutes * 60 // step_seconds):
        services.deliver(now=clock.now)
        clock.now += timedelta(seconds=step_seconds)


def _in_any_minute(robot: FakeRobot) -> int:
    times = sorted(m["at"] for m in robot.received)
    return max((sum(1 for t in times if start <= t < start + 60) for start in times), default=0)


def _text(robot: FakeRobot) -> str:
    return "\n".join(json.dumps(m["markdown"], ensure_ascii=False) for m in robot.received)


def test_a_burst_of_100_reports_reaches_each_robot_within_its_limit_naming_every_item(school, robots, clock):
    for n in range(100):
        _report(school, n)
        if n % 10 == 9:
            services.deliver(now=clock.now)  # the worker runs while the reports come in
            clock.now += timedelta(seconds=5)
    _run(clock, minutes=3)
    for robot in robots.values():
        assert robot.refused == [] and 0 < _in_any_minute(robot) <= 20
        text = _text(robot)
        assert all(f"KZY-{n:04d}" in text for n in range(100))  # every item named
        assert sum(text.count(f"KZY-{n:04d}") for n in range(100)) == 100  # each once
        assert "13800001234" not in text and "李同学" not in text  # never who reported it
    assert db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status != "sent")) == 0


def test_a_robot_down_for_two_minutes_then_back_receives_everything_once(school, robots, clock):
    robots["wecom"].down_until = (clock.now + timedelta(minutes=2)).timestamp()
    for n in range(30):
        _report(school, n)
    _run(clock, minutes=12)
    for robot in robots.values():
        text = _text(robot)
        assert [text.count(f"KZY-{n:04d}") for n in range(30)] == [1] * 30
    assert db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status != "sent")) == 0


def test_one_report_is_one_message_with_its_place_what_is_wrong_and_the_link(school, robots, clock):
    report = _report(school, 7)
    services.deliver(now=clock.now)
    (message,) = robots["wecom"].received
    content = message["markdown"]["content"]
    assert "课桌椅7" in content and "KZY-0007" in content and "教学楼 › 301" in content and "第7张桌子腿松了" in content
    assert f"https://tags.example.edu/repairs/{report.id}" in content and "13800001234" not in content


def test_a_group_following_a_department_hears_only_of_its_items(school, robots, clock):
    dorm_robot = FakeRobot("wecom", key="dorm-key", clock=clock)
    try:
        services.add_channel(school["office"], "宿管群", "wecom", dorm_robot.url, ["damage_reported"], department_ids=[school["dorms"].id],
                             quiet_from=0, quiet_until=0)
        _report(school, 1)
        _report(school, 2, department=school["dorms"])
        services.deliver(now=clock.now)
        assert "KZY-0002" in _text(dorm_robot) and "KZY-0001" not in _text(dorm_robot)
    finally:
        dorm_robot.close()


def test_quiet_hours_hold_the_news_until_the_morning(school, robots, clock):
    late = FakeRobot("wecom", key="late-key", clock=clock)
    try:
        services.add_channel(school["office"], "晚上安静的群", "wecom", late.url, ["damage_reported"])  # 22:00 to 07:00
        clock.now = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 23:00 at the school
        _report(school, 1)
        _run(clock, minutes=5)
        assert late.received == []
        clock.now = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)  # 07:00
        _run(clock, minutes=1)
        assert "KZY-0001" in _text(late)
    finally:
        late.close()


def test_a_robot_that_refuses_for_good_marks_its_news_failed_with_its_words(school, robots, clock):
    robots["wecom"].key = "the-key-was-changed"
    _report(school, 1)
    services.deliver(now=clock.now)
    failed = db.session.scalars(select(Delivery).where(Delivery.status == "failed")).all()
    assert len(failed) == 1 and "93000" in failed[0].error and "invalid webhook url" in failed[0].error
    assert "KZY-0001" in _text(robots["dingtalk"])  # the other group heard of it


def test_the_command_line_adds_lists_and_tests_a_channel(app, runner, robots, clock):
    office = make_user(Role.ADMIN)
    make_department("教务处")
    robot = robots["wecom"]
    added = runner.invoke(args=["channels", "add", "wecom", robot.url, "--events", "damage_reported,transfer_waiting", "--department", "教务处",
                                "--name", "教务处群", "--as", office.username])
    assert added.exit_code == 0 and "hears of: damage_reported, transfer_waiting" in added.output
    wrong = runner.invoke(args=["channels", "add", "dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", "--events", "damage_reported"])
    assert wrong.exit_code != 0 and "signing secret" in wrong.output
    listed = runner.invoke(args=["channels", "list"])
    assert "教务处群" in listed.output and "waiting 0" in listed.output
    channel_id = int(added.output.split()[1])
    robot.clock = __import__("time").time  # the test message is signed and sent now
    tested = runner.invoke(args=["channels", "test", str(channel_id)])
    assert tested.exit_code == 0 and tested.output.strip() == "sent" and "test message" in json.dumps(robot.received[-1], ensure_ascii=False)


def test_transfers_disposals_repairs_and_imports_reach_the_groups_that_want_them(app, robots, clock):
    from tagsvc.disposals import services as disposals
    from tagsvc.disposals.models import DisposalReason
    from tagsvc.repairs.services import Triage, triage_report
    from tagsvc.transfers import services as transfers

    office = make_user(Role.ADMIN)
    it, academic = make_department("信息中心"), make_department("教务处")
    keeper = make_user(Role.KEEPER, departments=[it])
    repairer = make_user(Role.REPAIRER, display_name="刘师傅")
    services.add_channel(office, "教务处群", "wecom", robots["wecom"].url, ["transfer_waiting"], department_ids=[academic.id],
                         quiet_from=0, quiet_until=0)
    services.add_channel(office, "后勤处群", "dingtalk", robots["dingtalk"].url, ["transfer_waiting", "disposal_waiting", "repair_assigned"],
                         secret=robots["dingtalk"].secret, quiet_from=0, quiet_until=0)
    projector = make_asset(name="投影仪", asset_number="TY-001", department_id=it.id, price=3200)
    printer = make_asset(name="打印机", asset_number="DY-001", department_id=it.id, price=1800)
    desk = make_asset(name="课桌", asset_number="KZ-001", department_id=it.id)
    transfer = transfers.request_transfer(keeper, transfers.TransferRequest([projector.id], academic.id, reason="教室需要"))
    services.deliver(now=clock.now)
    assert f"Transfer {transfer.number} waits for 教务处 to accept it" in _text(robots["wecom"])
    disposal = disposals.propose_disposal(keeper, disposals.Proposal([printer.id], DisposalReason.OBSOLETE, "坏了"))
    report = submit_report(None, desk.current_tag.code, DamageKind.BROKEN, "桌腿断了", client_hash="p")
    triage_report(office, report.id, Triage(decision="accept", priority="normal", assignee_id=repairer.id))
    clock.now += timedelta(seconds=10)
    services.deliver(now=clock.now)
    office_group = _text(robots["dingtalk"])
    assert f"Disposal {disposal.number} waits for approval" in office_group and "Repair #" in office_group and "桌腿断了" in office_group
    assert "3200" not in office_group and "1800" not in office_group  # no prices in a group
    assert f"/transfers/{transfer.id}" in office_group and f"/disposals/{disposal.id}" in office_group


def test_once_a_day_the_groups_hear_of_late_loans_late_repairs_and_stocktakes_due(app, robots, clock):
    from datetime import date

    from tagsvc.extensions import utcnow
    from tagsvc.loans import services as loans
    from tagsvc.loans.models import Handout, HandoutKind, RecipientKind
    from tagsvc.repairs.models import DamageReport
    from tagsvc.repairs.services import Triage, triage_report
    from tagsvc.stocktake import services as stocktakes

    office = make_user(Role.ADMIN)
    pe = make_department("体育组")
    repairer = make_user(Role.REPAIRER)
    services.add_channel(office, "后勤处群", "wecom", robots["wecom"].url, ["loan_overdue", "repair_overdue", "stocktake_due"],
                         quiet_from=0, quiet_until=0)
    ball, desk = make_asset(name="篮球", asset_number="LQ-001", department_id=pe.id), make_asset(name="课桌", asset_number="KZ-001")
    loan = loans.start_handout(office, HandoutKind.LOAN, loans.Recipient(RecipientKind.STUDENT, "王小明", "高一(3)班", contact="13911112222",
                                                                         due_on=loans.school_today() + timedelta(days=1)))
    loans.hand_out(office, loan.id, ball.id)
    db.session.get(Handout, loan.id).due_on = date(2026, 1, 5)  # long overdue
    report = submit_report(None, desk.current_tag.code, DamageKind.BROKEN, "桌腿断了", client_hash="p")
    triage_report(office, report.id, Triage(decision="accept", priority="urgent", assignee_id=repairer.id))
    db.session.get(DamageReport, report.id).created_at = utcnow() - timedelta(days=3)  # urgent: a day allowed
    stocktakes.open_stocktake(office, "期末盘点", stocktakes.Scope(department_ids=(pe.id,)), deadline=loans.school_today() + timedelta(days=2))
    db.session.commit()
    assert services.daily_notices() == 3
    assert services.daily_notices() == 0  # the same day again: nothing twice
    services.deliver(now=clock.now)
    text = _text(robots["wecom"])
    assert loan.number in text and f"#{report.id}" in text and "期末盘点" in text
    assert "王小明" not in text and "13911112222" not in text  # a borrower is never named in a group


def test_at_night_only_urgent_news_goes_unsafe_damage_and_urgent_repairs(school, robots, clock):
    from tagsvc.repairs.services import Triage, triage_report

    night = FakeRobot("wecom", key="night-key", clock=clock)
    try:
        services.add_channel(school["office"], "夜间也要知道的群", "wecom", night.url, ["damage_reported", "repair_assigned"])  # 22:00-07:00
        repairer = make_user(Role.REPAIRER)
        clock.now = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 23:00 at the school
        _report(school, 1)  # broken: it can wait for the morning
        asset = make_asset(name="灭火器", asset_number="MHQ-0007", department_id=school["academic"].id, location_id=school["room"].id)
        unsafe = submit_report(None, asset.current_tag.code, DamageKind.UNSAFE, "压力表指针在红区", client_hash="night")
        triage_report(school["office"], unsafe.id, Triage(decision="accept", priority="urgent", assignee_id=repairer.id))
        _run(clock, minutes=3)
        text = _text(night)
        assert "MHQ-0007" in text and "压力表指针在红区" in text and "Urgent" in text  # the report and its urgent repair order
        assert "KZY-0001" not in text
        clock.now = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)  # 07:00
        _run(clock, minutes=1)
        assert "KZY-0001" in _text(night)
    finally:
        night.close()


def test_an_email_list_hears_the_same_news_as_plain_text(make_app, clock):
    from email import message_from_bytes
    from email.policy import default

    from aiosmtpd.controller import Controller

    from tests.repairs.test_mail import Inbox, free_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, MAIL_FROM="tagsvc@school.example")
    try:
        with app.app_context():
            office = make_user(Role.ADMIN)
            services.add_channel(office, "后勤处邮件组", "email", "houqin@school.example, zongwu@school.example", ["damage_reported"],
                                 quiet_from=0, quiet_until=0)
            asset = make_asset(name="课桌椅", asset_number="KZY-0042", location_id=make_location("301").id)
            report = submit_report(None, asset.current_tag.code, DamageKind.BROKEN, "桌腿松了", Reporter("李同学", "高二(1)班", "13800001234"),
                                   client_hash="mail")
            report_id = report.id
            assert services.deliver(now=clock.now) == 1
            assert db.session.scalar(select(Delivery)).status == "sent"
        assert len(inbox.messages) == 1 and set(inbox.messages[0].rcpt_tos) == {"houqin@school.example", "zongwu@school.example"}
        mail = message_from_bytes(inbox.messages[0].content, policy=default)
        body = mail.get_content()
        assert "课桌椅" in str(mail["Subject"]) and "KZY-0042" in body and "301" in body
        assert f"https://tags.example.edu/repairs/{report_id}" in body and "](" not in body and "###" not in body  # text, not markdown
        assert "13800001234" not in body and "李同学" not in body
    finally:
        controller.stop()


def test_an_email_list_is_refused_without_a_mail_server_or_with_a_wrong_address(app):
    from tagsvc.errors import ValidationError

    office = make_user(Role.ADMIN)
    with pytest.raises(ValidationError, match="Not an email address: houqin@"):
        services.add_channel(office, "邮件组", "email", "houqin@, zongwu@school.example", ["damage_reported"])
    with pytest.raises(ValidationError, match="TAGSVC_SMTP_HOST"):
        services.add_channel(office, "邮件组", "email", "houqin@school.example", ["damage_reported"])  # no SMTP server in these tests
    assert db.session.scalar(select(func.count()).select_from(services.Channel)) == 0


def test_two_workers_delivering_at_the_same_moment_send_each_report_once(app, school, robots, clock):
    """Two workers (two app servers' queues) wake for the same news at once: each robot still hears of each report
    once. Really in parallel on PostgreSQL; without the channel's lock both would send the same digest."""
    from tests.concurrency import at_once

    for round_number in range(4):
        for n in range(round_number * 10, round_number * 10 + 10):
            _report(school, n)
        worker = partial(services.deliver, now=clock.now)
        assert sum(at_once(app, worker, worker)) > 0
        clock.now += timedelta(seconds=10)
    _run(clock, minutes=1)
    for robot in robots.values():
        text = _text(robot)
        assert [text.count(f"KZY-{n:04d}") for n in range(40)] == [1] * 40, robot.kind
        assert _in_any_minute(robot) <= 20


def test_once_a_day_the_groups_hear_of_a_safety_inspection_left_undone(app, robots, clock):
    from datetime import date

    from tagsvc.inspections.models import Frequency, TargetKind
    from tagsvc.inspections.services import PlanData, ResultIn, create_plan, new_result_id, open_round, record_results, today
    from tests.factories import make_category, make_location

    office = make_user(Role.ADMIN)
    services.add_channel(office, "安全工作群", "wecom", robots["wecom"].url, ["inspection_overdue"], quiet_from=0, quiet_until=0)
    lab = make_location("化学实验室")
    plan = create_plan(office, PlanData(name="三室日检", target_kind=TargetKind.ROOMS, location_ids=[lab.id], checklist=["燃气已关闭"],
                                        frequency=Frequency.DAILY, starts_on=today() - timedelta(days=3), inspector_ids=[office.id]))
    from tagsvc.tags.services import _issue_location_tag

    code = _issue_location_tag(lab.id).code
    db.session.commit()
    done = open_round(office, plan.id, today() - timedelta(days=2))  # the day before yesterday was walked; yesterday was not
    record_results(office, done.id, [ResultIn(new_result_id(), code, "k1", True)])
    extinguishers = make_category("灭火器")
    create_plan(office, PlanData(name="灭火器月检", target_kind=TargetKind.CATEGORY, category_id=extinguishers.id, checklist=["压力正常"],
                                 frequency=Frequency.MONTHLY, starts_on=date(2026, 1, 1), inspector_ids=[office.id]))  # nothing to check: never late
    assert services.daily_notices() == 2  # yesterday, and three days ago
    assert services.daily_notices() == 0  # the same periods again: nothing twice
    services.deliver(now=clock.now)
    text = _text(robots["wecom"])
    assert "2 safety inspection rounds not done" in text and "三室日检" in text and (today() - timedelta(days=1)).isoformat() in text
    assert "/inspections" in text
    assert (today() - timedelta(days=2)).isoformat() not in text  # walked
