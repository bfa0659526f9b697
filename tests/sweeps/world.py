"""A whole school for the app-wide sweeps: the demo school (a register, a walked stocktake, an overdue loan, a
proposed disposal) with one of each document more (a transfer, a student's loan returned broken, anonymous damage
reports with their details), and every page's URL filled in from it, taken from the URL map so that a new page
cannot be forgotten."""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta

import pypdfium2
from flask import Flask
from sqlalchemy import select

from tagsvc.accounts.models import User
from tagsvc.assets.models import Asset, AssetCondition, AssetStatus
from tagsvc.demo.services import load_demo_data
from tagsvc.disposals.models import Disposal
from tagsvc.extensions import db
from tagsvc.inspections.models import InspectionPlan, InspectionRound
from tagsvc.loans.models import Handout, HandoutKind, RecipientKind
from tagsvc.loans.services import Recipient, hand_out, return_item, school_today, start_handout
from tagsvc.repairs.models import DamageKind, DamageReport
from tagsvc.repairs.services import Reporter, add_to_report, submit_report
from tagsvc.stocktake.models import Stocktake
from tagsvc.structure.models import Department, Location
from tagsvc.transfers.models import Transfer
from tagsvc.transfers.services import TransferRequest, request_transfer
from tests.conftest import TEST_PASSWORD

# Pages a sweep does not request by URL: the static files, the language switch (a redirect) and the photo store
# (random names, checked by tests/photos).
NOT_PAGES = {"static", "i18n.switch", "photos.show"}


@dataclass
class World:
    office: User
    keeper: User
    staff: User
    repairer: User
    district: User  # the education bureau (区教育局), with a dear disposal waiting for it
    values: dict[str, list] = field(default_factory=dict)  # a URL argument's name → values to fill it with


def build_world(loan_borrower: str = "王小明", loan_class: str = "高一(3)班", loan_contact: str = "") -> World:
    load_demo_data(asset_count=300)
    users = {u.username: u for u in db.session.scalars(select(User))}
    for user in users.values():
        user.set_password(TEST_PASSWORD)
    db.session.commit()
    office, keeper = users["admin"], users["keeper1"]
    in_use = list(db.session.scalars(select(Asset).where(Asset.status == AssetStatus.IN_USE, Asset.department_id.in_(
        [d.id for d in keeper.departments])).order_by(Asset.id).limit(4)))
    other_department = db.session.scalar(select(Department).where(Department.id.not_in([d.id for d in keeper.departments])).order_by(Department.id))
    from tagsvc.channels.services import add_channel

    add_channel(office, "后勤处群", "wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=sweep-key", ["damage_reported"])
    request_transfer(keeper, TransferRequest([in_use[0].id], other_department.id, reason="下学期用"))
    loan = start_handout(office, HandoutKind.LOAN, Recipient(RecipientKind.STUDENT, name=loan_borrower, class_name=loan_class,
                                                             contact=loan_contact, due_on=school_today() + timedelta(days=7)))
    hand_out(office, loan.id, in_use[1].id)
    hand_out(office, loan.id, in_use[2].id)
    return_item(office, in_use[1].id, AssetCondition.BROKEN, damage="屏幕裂了")
    report = submit_report(None, in_use[3].current_tag.code, DamageKind.BROKEN, "桌腿松了", Reporter("李同学", "高二(1)班", "13800001111"),
                           client_hash="phone-1")
    add_to_report(None, report.id, "我也看到了", Reporter("张同学", "高二(1)班", "13800002222"), client_hash="phone-2")
    db.session.commit()
    district = _bureau_with_a_disposal_waiting(office, keeper, in_use)
    world = World(office=office, keeper=keeper, staff=users["teacher1"], repairer=users["repair1"], district=district)
    world.values = _url_values()
    return world


def _bureau_with_a_disposal_waiting(office: User, keeper: User, in_use: list[Asset]) -> User:
    """A school bus above the district's limit, approved twice by the office: it waits for the bureau."""
    from decimal import Decimal

    from tagsvc.accounts.models import Role
    from tagsvc.accounts.services import create_first_admin
    from tagsvc.disposals.models import DisposalReason
    from tagsvc.disposals.services import Proposal, approve_disposal, propose_disposal

    bus = db.session.scalar(select(Asset).where(Asset.status == AssetStatus.IN_USE, Asset.department_id.in_([d.id for d in keeper.departments]),
                                                Asset.id.not_in([a.id for a in in_use])).order_by(Asset.id.desc()))
    bus.name, bus.price = "校车", Decimal("268000.00")
    db.session.commit()
    second = create_first_admin("office2", "后勤刘副主任", TEST_PASSWORD)
    disposal = propose_disposal(keeper, Proposal([bus.id], DisposalReason.NOT_REPAIRABLE, "发动机报废，维修费超过原值一半"))
    approve_disposal(office, disposal.id)
    approve_disposal(second, disposal.id)
    bureau = create_first_admin("district", "区教育局张科长", TEST_PASSWORD, role=Role.DISTRICT)
    from tagsvc.district.seasons import open_season
    from tagsvc.loans.services import school_today

    open_season(bureau, "2026年度资产清查", school_today() + timedelta(days=30))  # the school's office has not opened it yet
    return bureau


def _url_values() -> dict[str, list]:
    """For each URL argument, the ids (or codes) of the documents that carry something to see."""
    def ids(model, limit: int = 4) -> list[int]:
        return list(db.session.scalars(select(model.id).order_by(model.id.desc()).limit(limit)))

    from tagsvc.channels.models import Channel
    from tagsvc.district.models import StocktakeSeason
    from tagsvc.disposals.models import DisposalItem
    from tagsvc.loans.models import HandoutItem
    from tagsvc.transfers.models import TransferItem

    # Every asset a document names (its page shows the document), then a few others not in use.
    in_documents = [asset_id for model in (DamageReport, HandoutItem, TransferItem, DisposalItem)
                    for asset_id in db.session.scalars(select(model.asset_id).order_by(model.id)) if asset_id is not None]  # a room's report has none
    held = list(db.session.scalars(select(Asset.id).where(Asset.status != AssetStatus.IN_USE).limit(4)))
    assets = list(dict.fromkeys(in_documents + held))[:14]
    codes = [db.session.get(Asset, a).current_tag.code for a in assets if db.session.get(Asset, a).current_tag]
    return {
        "asset_id": assets, "code": codes, "report_id": ids(DamageReport) + list(db.session.scalars(select(DamageReport.id).where(DamageReport.location_id.is_not(None)).limit(1))), "handout_id": ids(Handout), "transfer_id": ids(Transfer),
        "disposal_id": ids(Disposal), "stocktake_id": ids(Stocktake), "department_id": ids(Department, 3),
        "location_id": ids(Location, 2), "node_id": ids(Location, 1), "user_id": ids(User, 5), "tree_name": ["locations", "categories"],
        "channel_id": ids(Channel, 1), "season_id": ids(StocktakeSeason, 1), "plan_id": ids(InspectionPlan, 3),
        "round_id": ids(InspectionRound, 2),
    }


def page_urls(app: Flask, world: World, methods: str = "GET") -> list[tuple[str, str]]:
    """(endpoint, URL) of every page the app answers with this method, each argument filled with the world's values;
    a page whose arguments the world cannot fill is listed with the argument itself (a 404 is a fine answer)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if methods not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        combos = [{}]
        for name in rule.arguments:
            values = world.values.get(name) or [1]
            combos = [dict(c, **{name: v}) for c in combos for v in values]
        for combo in combos:
            url = re.sub(r"<(?:[^:<>]+:)?(\w+)>", lambda m, combo=combo: str(combo[m.group(1)]), rule.rule)
            urls.append((rule.endpoint, url))
    return urls


def readable_text(response) -> str:
    """What a person could read in an answer: a page, JSON, a workbook's cells, a PDF's text."""
    body = response.get_data()
    kind = response.content_type or ""
    if "spreadsheetml" in kind:
        with zipfile.ZipFile(io.BytesIO(body)) as workbook:
            return " ".join(workbook.read(n).decode("utf-8") for n in workbook.namelist() if n.endswith(".xml"))
    if kind.startswith("application/pdf"):
        document = pypdfium2.PdfDocument(body)
        return " ".join(page.get_textpage().get_text_range() for page in document)
    if kind.startswith(("text/", "application/json", "application/problem+json")):
        return body.decode("utf-8", "replace")
    return ""
