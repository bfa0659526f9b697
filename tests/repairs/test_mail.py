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


def test_the_office_gets_an_email_for_a_new_report(make_app, smtp_server):
    controller, inbox = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, REPAIR_NOTIFY=["houqin@school.example"], MAIL_FROM="tagsvc@school.example", DEFAULT_LANGUAGE="zh")
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


def test_an_unreachable_mail_server_does_not_fail_the_report(make_app):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), REPAIR_NOTIFY=["houqin@school.example"])
    with app.app_context():
        desk = make_asset()
        assert services.submit_report(None, desk.current_tag.code, DamageKind.BROKEN, "坏了", client_hash="x").id


def wait_for(inbox, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_office_accounts_with_an_address_and_the_assigned_repairer_are_told(make_app, smtp_server):
    from tagsvc.accounts.models import Role
    from tests.factories import make_user

    controller, inbox = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, REPAIR_NOTIFY=[], DEFAULT_LANGUAGE="en")
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
