"""What each role may read, swept over every page and API answer: every private field of the school carries a
recognisable marker, and no marker appears where that role may not see it. Many borrowers and reporters are minors."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from datetime import timedelta

from sqlalchemy import func, update

from tagsvc.accounts.models import User
from tagsvc.api.tokens import create_token
from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tagsvc.disposals.models import Disposal
from tagsvc.loans.models import Handout
from tagsvc.repairs.models import DamageReport, ReportAddition
from tagsvc.stocktake.models import Stocktake
from tests.conftest import TEST_PASSWORD
from tests.sweeps.world import build_world, page_urls, readable_text

# marker → what it is. Phones are digits, as people type them.
ASSET_PRIVATE = {"MKCUSTODIAN": "custodian", "13911110001": "custodian's phone", "MKSUPPLIER": "supplier", "MKINVOICE": "invoice",
                 "MKSERIAL": "serial number", "97531.86": "price", "97,531.86": "price"}
BORROWER = {"MKBORROWER": "borrower"}
PEOPLE_PRIVATE = {"13911110002": "borrower's contact", "MKREPORTER": "reporter", "13911110003": "reporter's contact",
                  "13911110004": "an account's phone", "mk-user@example.invalid": "an account's email"}

# What a role may not read: the public nothing private; a teacher signed in reads the register (custodian, price,
# purchase) and who has a lent item, never how to reach a borrower or a reporter, nor colleagues' phones.
FORBIDDEN = {
    "anonymous": {**ASSET_PRIVATE, **BORROWER, **PEOPLE_PRIVATE},
    "staff": PEOPLE_PRIVATE,
}


def _mark_everything() -> None:
    db.session.execute(update(Asset).values(custodian_name="MKCUSTODIAN", custodian_phone="13911110001", supplier="MKSUPPLIER",
                                            invoice_number="MKINVOICE", serial_number="MKSERIAL", price=Decimal("97531.86")))
    db.session.execute(update(Handout).values(recipient_contact="13911110002"))
    db.session.execute(update(DamageReport).values(reporter_name="MKREPORTER", reporter_contact="13911110003"))
    db.session.execute(update(ReportAddition).values(reporter_name="MKREPORTER", reporter_contact="13911110003"))
    db.session.execute(update(User).values(phone="13911110004", email="mk-user@example.invalid"))
    db.session.commit()


@pytest.fixture
def world(app):
    world = build_world(loan_borrower="MKBORROWER", loan_class="高一(3)班")
    _mark_everything()
    return world


def _leaks(response, role: str) -> list[str]:
    text = readable_text(response)
    return [what for marker, what in FORBIDDEN[role].items() if marker in text]


@pytest.mark.parametrize("role", ["anonymous", "staff"])
def test_no_page_shows_a_role_what_it_may_not_read(app, client, world, role):
    if role == "staff":
        assert client.post("/login", data={"username": world.staff.username, "password": TEST_PASSWORD}).status_code == 302
    leaks, seen = [], 0
    for _endpoint, url in page_urls(app, world):
        response = client.get(url)
        seen += response.status_code == 200
        if found := _leaks(response, role):
            leaks.append((url, found))
    assert seen > 20  # the sweep reached real pages, not only refusals
    assert leaks == []


@pytest.mark.parametrize("role", ["anonymous", "staff"])
def test_no_api_answer_shows_a_role_what_it_may_not_read(app, client, world, role):
    headers = {}
    if role == "staff":
        headers["Authorization"] = f"Bearer {create_token(world.staff, 'sweep', read_only=True)[1]}"
    leaks, seen = [], 0
    for endpoint, url in page_urls(app, world):
        if not url.startswith("/api/v1/") or endpoint.startswith("api_pages"):
            continue
        response = client.get(url, headers=headers)
        seen += response.status_code == 200
        if found := _leaks(response, role):
            leaks.append((url, found))
    assert seen >= (1 if role == "anonymous" else 10)
    assert leaks == []


def test_a_broken_return_keeps_the_borrower_off_the_public_report(app, client, world):
    """The issue's own case: the report a broken return opens is read by anyone who scans the label."""
    report = db.session.query(DamageReport).filter(DamageReport.handout_id.is_not(None)).one()
    page = client.get(f"/t/{report.asset.current_tag.code}/report").get_data(as_text=True)
    assert "屏幕裂了" in page and db.session.get(Handout, report.handout_id).number in page
    assert "MKBORROWER" not in page and "MKBORROWER" not in report.description


def test_the_office_reads_the_borrower_on_the_report(app, client, world, login_as):
    report = db.session.query(DamageReport).filter(DamageReport.handout_id.is_not(None)).one()
    login_as(world.office)
    page = client.get(f"/repairs/{report.id}").get_data(as_text=True)
    assert "MKBORROWER" in page and db.session.get(Handout, report.handout_id).number in page


def test_no_group_message_carries_anything_private(app, client, world):
    """Every kind of news, told of the marked school's documents and delivered to a group that wants all of it: no
    price, no contact, no borrower, no reporter in any message. A kind of news this sweep does not produce fails it,
    so a new one cannot slip past."""
    from datetime import date

    from sqlalchemy import delete, select

    from tagsvc.channels import services as channels
    from tagsvc.channels.models import EVENTS, Channel, Delivery, Notice
    from tagsvc.disposals.models import DisposalStatus
    from tagsvc.extensions import utcnow
    from tagsvc.repairs.services import Triage, triage_report
    from tagsvc.spreadsheets.models import ImportRun
    from tagsvc.stocktake.models import StocktakeStatus
    from tagsvc.transfers.models import Transfer
    from tests.channels.fake_robots import FakeRobot

    robot = FakeRobot("wecom")
    try:
        db.session.execute(delete(Delivery))
        db.session.execute(delete(Notice))  # told before the marks: tell it all again, marked
        db.session.execute(delete(Channel))  # the world's robot is a real address; this test's is on this machine
        db.session.add(Channel(name="全都要的群", kind="wecom", url=robot.url, events=list(EVENTS), quiet_from=0, quiet_until=0))
        db.session.commit()
        for report in db.session.scalars(select(DamageReport)):
            channels.damage_reported(report)
        report = db.session.scalars(select(DamageReport).order_by(DamageReport.id)).first()
        triage_report(world.office, report.id, Triage(decision="accept", priority="urgent", assignee_id=world.repairer.id))
        db.session.get(DamageReport, report.id).created_at = utcnow() - timedelta(days=5)
        for transfer in db.session.scalars(select(Transfer)):
            channels.transfer_waiting(transfer, "accept")
            channels.transfer_waiting(transfer, "approve")
        for disposal in db.session.scalars(select(Disposal).where(Disposal.status == DisposalStatus.PROPOSED)):
            channels.disposal_waiting(disposal)
        run = ImportRun(file_name="2026秋季资产台账.xlsx", created_by_id=world.office.id, created=3, status="done")
        db.session.add(run)
        db.session.flush()
        channels.import_done(run)
        for loan in db.session.scalars(select(Handout)):
            loan.due_on = date(2026, 1, 5)  # every loan overdue
        stocktake = db.session.scalars(select(Stocktake).where(Stocktake.status == StocktakeStatus.OPEN)).first()
        stocktake.deadline = date.today()
        db.session.commit()
        channels.daily_notices()
        told = set(db.session.scalars(select(Notice.event)))
        assert told == set(EVENTS), f"news this sweep does not produce: {set(EVENTS) - told}"
        now = utcnow()
        while channels.deliver(now=now):
            now += timedelta(seconds=10)
            robot.clock = lambda now=now: now.timestamp()
        assert db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status != "sent")) == 0
        # As delivered (digests, mostly), and each piece of news as the message it makes alone.
        alone = [text for delivery in db.session.scalars(select(Delivery)) for _title, text, _carried in channels.compose([delivery])]
        text = "\n".join([str(message) for message in robot.received] + alone)
        private = {**ASSET_PRIVATE, **BORROWER, **PEOPLE_PRIVATE}
        assert [what for marker, what in private.items() if marker in text] == []
        # Each message's one link opens, for the office, the page where the next step is taken.
        links = set(re.findall(r"\]\((https://tags\.example\.edu[^)]*)\)", text))
        assert len(links) >= 8
        client.post("/login", data={"username": world.office.username, "password": TEST_PASSWORD})
        assert [link for link in sorted(links) if client.get(link.removeprefix("https://tags.example.edu")).status_code != 200] == []
    finally:
        robot.close()
