"""The demo district: three schools like the demo school, an education bureau account, and two decisions waiting
for the bureau: a dear disposal and a transfer of desks between schools (tagsvc load-demo --district)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from tagsvc.accounts.models import Role, User
from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.demo.services import DEMO_PASSWORD, load_demo_data
from tagsvc.extensions import db
from tagsvc.schools.models import School
from tagsvc.schools.services import create_school
from tagsvc.schools.wall import forget_sole_school, use_school

SCHOOLS = [("s1", "第一中学"), ("s2", "第二中学"), ("s3", "实验小学")]


def load_demo_district(asset_count: int = 300) -> str:
    """Schools s1–s3, each with the demo school's register and people (s1-admin, s1-keeper1, …), and the bureau's
    account `district`; all with the demo password. School 1 (the installation's first) becomes s1 when empty."""
    loaded = []
    for index, (code, name) in enumerate(SCHOOLS):
        school = db.session.scalar(select(School).where(School.code == code)) or create_school(code, name)
        school.name = school.name or name
        db.session.commit()
        with use_school(school.id):
            if db.session.scalar(select(func.count(Asset.id))):
                continue  # loaded before: left as it is
            load_demo_data(asset_count=asset_count, seed=2026 + index, username_prefix=f"{code}-")
            loaded.append(code)
    forget_sole_school()
    if db.session.scalar(select(User.id).where(User.username == "district")) is None:
        bureau = User(username="district", display_name="区教育局 张科长", role=Role.DISTRICT)
        bureau.set_password(DEMO_PASSWORD)
        db.session.add(bureau)
        db.session.commit()
    if "s1" in loaded:
        _school_bus_waiting_for_the_bureau()
        if "s2" in loaded:
            _desks_for_the_second_school()
    return f"schools {', '.join(loaded) or '(all there already)'}; sign in as s1-admin, s2-keeper1, … or district (password {DEMO_PASSWORD})"


def _school_bus_waiting_for_the_bureau() -> None:
    """s1's school bus, worn out, above the district's limit: approved by the office's two people, it waits for the
    bureau (its 待我处理 shows it)."""
    from tagsvc.disposals.models import DisposalReason
    from tagsvc.disposals.services import Proposal, approve_disposal, propose_disposal

    school = db.session.scalar(select(School).where(School.code == "s1"))
    with use_school(school.id):
        office = db.session.scalar(select(User).where(User.username == "s1-admin"))
        keeper = db.session.scalar(select(User).where(User.username == "s1-keeper1"))
        deputy = User(username="s1-office2", display_name="刘副主任", role=Role.ADMIN)
        deputy.set_password(DEMO_PASSWORD)
        db.session.add(deputy)
        bus = db.session.scalar(select(Asset).where(Asset.status == AssetStatus.IN_USE).order_by(Asset.id.desc()))
        bus.name, bus.price, bus.model = "校车（宇通 ZK6729DX）", Decimal("268000.00"), "ZK6729DX"
        bus.department_id = keeper.departments[0].id  # the keeper who proposes it keeps it
        db.session.commit()
        disposal = propose_disposal(keeper, Proposal([bus.id], DisposalReason.NOT_REPAIRABLE, "发动机大修费用超过原值一半，车龄已满八年"))
        approve_disposal(office, disposal.id)
        approve_disposal(deputy, disposal.id)


def _desks_for_the_second_school() -> None:
    """s1 offers ten desks and chairs to s2, which accepted them for its first department: the transfer (划拨) waits
    for the bureau, and after its approval s2 scans them in."""
    from tagsvc.structure.models import Department
    from tagsvc.transfers.between_schools import accept_offer, offer_to_school

    first, second = (db.session.scalar(select(School).where(School.code == code)) for code in ("s1", "s2"))
    with use_school(first.id):
        office = db.session.scalar(select(User).where(User.username == "s1-admin"))
        desks = list(db.session.scalars(select(Asset.id).where(Asset.status == AssetStatus.IN_USE, Asset.name.contains("课桌"))
                                        .order_by(Asset.id).limit(10)))
        if not desks:
            desks = list(db.session.scalars(select(Asset.id).where(Asset.status == AssetStatus.IN_USE).order_by(Asset.id).limit(10)))
        transfer = offer_to_school(office, desks, second.id, "初一年级并班后空余的课桌椅，支援第二中学新建教室")
    with use_school(second.id):
        receiver = db.session.scalar(select(User).where(User.username == "s2-admin"))
        department = db.session.scalar(select(Department).order_by(Department.id))
        accept_offer(receiver, transfer.id, department.id, custodian="")
