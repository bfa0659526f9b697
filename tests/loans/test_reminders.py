"""Overdue reminders by email, through a real SMTP server on localhost (aiosmtpd), started from the command line."""
import time
from email import message_from_bytes
from email.policy import default
from datetime import timedelta

from sqlalchemy import select

from tagsvc.extensions import db
from tagsvc.loans import services
from tagsvc.loans.models import Handout, HandoutItem, HandoutKind, RecipientKind
from tests.loans.conftest import build_school, code
from tests.repairs.test_mail import smtp_server  # noqa: F401  (the fixture)


def wait_for(inbox, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_an_overdue_loan_reminds_the_borrower_and_the_lender_once_a_day(make_app, smtp_server, queue_worker):  # noqa: F811
    controller, inbox = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, MAIL_FROM="tagsvc@school.example", DEFAULT_LANGUAGE="zh")
    queue_worker(app)
    with app.app_context(), app.test_request_context():
        school = build_school()
        loan = services.start_handout(school.keeper, HandoutKind.LOAN, services.Recipient(
            RecipientKind.STAFF, user_id=school.teacher.id, due_on=services.school_today()))
        for ball in school.balls[:3]:
            services.hand_out(school.keeper, loan.id, code(ball))
        services.return_item(school.keeper, code(school.balls[2]), "good")
        on_time = services.start_handout(school.keeper, HandoutKind.LOAN, services.Recipient(
            RecipientKind.STUDENT, "李雷", "高一(3)班", due_on=services.school_today() + timedelta(days=3)))
        services.hand_out(school.keeper, on_time.id, code(school.balls[5]))
        db.session.get(Handout, loan.id).due_on = services.school_today() - timedelta(days=2)
        db.session.commit()

    runner = app.test_cli_runner()
    result = runner.invoke(args=["loans", "remind"])
    assert result.exit_code == 0 and "Reminded of 2 overdue item(s)." in result.output
    wait_for(inbox, 1)
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert set(message.rcpt_tos) == {"chen@school.example", "liu@school.example"}
    mail = message_from_bytes(message.content, policy=default)
    body = mail.get_content()
    assert "逾期" in str(mail["Subject"]) and "请归还给 体育组刘老师" in body
    assert "LQ-001" in body and "LQ-002" in body and "LQ-003" not in body  # the returned one is not nagged about
    assert "LQ-006" not in body  # not due yet

    again = runner.invoke(args=["loans", "remind"])
    assert again.exit_code == 0 and "Reminded of 0 overdue item(s)." in again.output
    time.sleep(0.3)
    assert len(inbox.messages) == 1
    with app.app_context():
        assert all(item.reminded_on is not None for item in db.session.scalars(select(HandoutItem).where(HandoutItem.handout_id == loan.id))
                   if item.returned_at is None)


def test_without_email_the_command_says_so_and_marks_nothing(make_app):
    app = make_app(SMTP_HOST="")
    result = app.test_cli_runner().invoke(args=["loans", "remind"])
    assert result.exit_code != 0 and "Email is not set up" in result.output
