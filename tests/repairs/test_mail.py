"""Email to the office on a new report, through a real SMTP server on localhost (aiosmtpd)."""
import socket
import time

import pytest
from aiosmtpd.controller import Controller

from tagsvc.repairs import services
from tagsvc.repairs.models import DamageKind
from tests.factories import make_asset, make_department, make_location


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_the_office_gets_an_email_for_a_new_report(make_app, smtp_server, queue_worker):
    controller, inbox = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, REPAIR_NOTIFY=["houqin@school.example"], MAIL_FROM="tagsvc@school.example", DEFAULT_LANGUAGE="zh")
    queue_worker(app)
    with app.app_context():
        desk = make_asset(name="课桌椅", asset_number="KZY-042", department_id=make_department().id, location_id=make_location("301").id)
        report = services.submit_report(None, desk.current_tag.code, DamageKind.UNSAFE, "桌角有钉子露出", services.Reporter("李同学"), client_hash="x")
    deadline = time.monotonic() + 10
    while not inbox.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(inbox.messages) == 1
    envelope = inbox.messages[0]
    assert envelope.rcpt_tos == ["houqin@school.example"]
    text = envelope.content.decode("utf-8", "replace")
    from email import message_from_bytes
    from email.header import decode_header, make_header

    message = message_from_bytes(envelope.content)
    assert str(make_header(decode_header(message["Subject"]))) == f"报修 #{report.id}：课桌椅"
    body = message.get_payload(decode=True).decode()
    for expected in ("KZY-042", "301", "有安全隐患：桌角有钉子露出", "李同学", f"https://tags.example.edu/repairs/{report.id}"):
        assert expected in body, text


def test_without_smtp_a_report_still_goes_through(make_app):
    app = make_app(SMTP_HOST="", REPAIR_NOTIFY=["houqin@school.example"])
    with app.app_context():
        desk = make_asset()
        assert services.submit_report(None, desk.current_tag.code, DamageKind.BROKEN, "坏了", client_hash="x").id


def test_a_mail_server_away_for_a_while_gets_the_email_once_when_it_is_back(make_app, queue_worker):
    port = free_port()
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, REPAIR_NOTIFY=["houqin@school.example"], MAIL_RETRY_SECONDS=0.5)
    queue_worker(app)
    with app.app_context():
        desk = make_asset(asset_number="KZY-007")
        assert services.submit_report(None, desk.current_tag.code, DamageKind.BROKEN, "坏了", client_hash="x").id  # not held up
    time.sleep(1.2)  # a try or two against nothing
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        wait_for(inbox, 1)
        time.sleep(1.2)  # no second copy
        assert len(inbox.messages) == 1 and b"KZY-007" in inbox.messages[0].content
    finally:
        controller.stop()


def test_no_email_for_what_did_not_happen(make_app, smtp_server, queue_worker):
    """A report whose transaction rolled back sends nothing; the next one sends only its own."""
    from tagsvc.extensions import db
    from tagsvc.mail import send_mail

    controller, inbox = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, REPAIR_NOTIFY=["houqin@school.example"])
    queue_worker(app)
    with app.app_context():
        desk = make_asset(asset_number="KZY-008")
        assert send_mail(["houqin@school.example"], "never", "rolled back")
        db.session.rollback()
        services.submit_report(None, desk.current_tag.code, DamageKind.BROKEN, "坏了", client_hash="x")
        wait_for(inbox, 1)
        time.sleep(0.5)
    assert len(inbox.messages) == 1 and b"KZY-008" in inbox.messages[0].content and b"rolled back" not in inbox.messages[0].content


def wait_for(inbox, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_office_accounts_with_an_address_and_the_assigned_repairer_are_told(make_app, smtp_server, queue_worker):
    from tagsvc.accounts.models import Role
    from tests.factories import make_user

    controller, inbox = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, REPAIR_NOTIFY=[], DEFAULT_LANGUAGE="en")
    queue_worker(app)
    with app.app_context():
        admin = make_user(Role.ADMIN, email="wang@school.example")
        make_user(Role.ADMIN)  # no address: not mailed
        repairer = make_user(Role.REPAIRER, email="liu@school.example")
        desk = make_asset(name="课桌椅")
        report = services.submit_report(None, desk.current_tag.code, DamageKind.BROKEN, "坏了", client_hash="x")
        wait_for(inbox, 1)
        services.triage_report(admin, report.id, services.Triage("accept", services.Priority.URGENT, repairer.id))
        wait_for(inbox, 2)
    assert [m.rcpt_tos for m in inbox.messages] == [["wang@school.example"], ["liu@school.example"]]
    from email import message_from_bytes

    assigned = message_from_bytes(inbox.messages[1].content)
    assert f"Work order #{report.id} for you" in assigned["Subject"]
    assert "Urgent" in assigned.get_payload(decode=True).decode()
