"""Builds a demo school: departments, buildings with rooms and dorm beds, categories, people, assets."""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from tagsvc.accounts.models import Role, User
from tagsvc.assets.states import condition_for
from tagsvc.assets.models import Asset, AssetCondition, AssetStatus
from tagsvc.assets.services import AssetData, _register_asset
from tagsvc.errors import ValidationError
from tagsvc.extensions import db, utcnow
from tagsvc.structure.models import AssetKind, Category, Department, DepartmentKind, Location, LocationKind

DEMO_PASSWORD = "tagsvc-demo"

DEPARTMENTS = [
    ("总务处", DepartmentKind.OFFICE, "ZW"),
    ("教务处", DepartmentKind.OFFICE, "JW"),
    ("政教处", DepartmentKind.OFFICE, "ZJ"),
    ("信息中心", DepartmentKind.OFFICE, "XX"),
    ("语文教研组", DepartmentKind.TEACHING_GROUP, "YW"),
    ("理化生教研组", DepartmentKind.TEACHING_GROUP, "LH"),
    ("体育组", DepartmentKind.TEACHING_GROUP, "TY"),
    ("高一(3)班", DepartmentKind.CLASS, "G1-3"),
    ("高二(1)班", DepartmentKind.CLASS, "G2-1"),
    ("初三(2)班", DepartmentKind.CLASS, "C3-2"),
    ("男生宿舍楼A", DepartmentKind.DORM_BLOCK, "SSA"),
    ("女生宿舍楼B", DepartmentKind.DORM_BLOCK, "SSB"),
]

# (name, kind, code, [(sub-category, code, [(item name, brand, model, price range)])])
CATEGORIES = [
    ("教学设备", AssetKind.FIXED_ASSET, "JX", [
        ("多媒体设备", "DMT", [("多媒体投影仪", "爱普生", "CB-X06", (2800, 4200)), ("交互式电子白板", "希沃", "MAX 86英寸", (9800, 15000))]),
        ("实验仪器", "SY", [("学生显微镜", "麦克奥迪", "XSP-BM-2CA", (650, 980)), ("物理实验箱", "教仪", "力学 J2101", (320, 460))]),
    ]),
    ("计算机设备", AssetKind.FIXED_ASSET, "JS", [
        ("台式电脑", "TSJ", [("台式电脑", "联想", "启天 M437", (4200, 5600))]),
        ("笔记本电脑", "BJB", [("笔记本电脑", "华为", "MateBook D14", (4500, 6200))]),
        ("打印机", "DYJ", [("激光打印机", "惠普", "LaserJet M1136", (1200, 1700))]),
    ]),
    ("家具", AssetKind.FIXED_ASSET, "JJ", [
        ("课桌椅", "KZY", [("课桌椅（单人）", "育才", "升降式 1200型", (260, 380))]),
        ("书柜", "SG", [("书柜", "美克", "五层钢制", (680, 950))]),
        ("办公桌", "BGZ", [("办公桌", "震旦", "1400×700", (900, 1400))]),
        ("床", "C", [("学生床（上下铺）", "金鹰", "钢木 2000×900", (780, 1100))]),
    ]),
    ("消防器材", AssetKind.LOW_VALUE, "XF", [
        ("灭火器", "MHQ", [("干粉灭火器", "淮海", "MFZ/ABC4 4kg", (85, 120))]),
    ]),
    ("体育器材", AssetKind.LOW_VALUE, "TYQC", [
        ("独轮车", "DLC", [("独轮车", "永久", "20寸", (260, 360))]),
        ("球类", "QL", [("篮球", "斯伯丁", "7号", (160, 240))]),
    ]),
    ("清洁用品", AssetKind.CONSUMABLE, "QJ", [
        ("清洁工具", "QJGJ", [("拖把", "好媳妇", "旋转拖把", (45, 70)), ("扫帚", "家用", "竹扫帚", (12, 20))]),
    ]),
]

# Minimum years of use before disposal, as one province sets them (FIELD-NOTES): office and teaching equipment 6,
# furniture 15. The disposal form warns about a younger item.
MIN_YEARS_OF_USE = {"教学设备": 6, "计算机设备": 6, "家具": 15}

PEOPLE = [
    ("admin", "王海燕", Role.ADMIN, []),
    ("keeper1", "李建国", Role.KEEPER, ["信息中心", "教务处"]),
    ("keeper2", "张敏", Role.KEEPER, ["高一(3)班", "男生宿舍楼A"]),
    ("teacher1", "陈静", Role.STAFF, []),
    ("repair1", "刘师傅", Role.REPAIRER, []),
]

SUPPLIERS = ["南京教育装备有限公司", "苏宁易购企业采购", "金陵办公家具厂", "江苏消防器材公司", "京东企业购"]
CUSTODIANS = ["赵老师", "孙老师", "周老师", "吴老师", "郑老师", "冯老师", "褚老师", "卫老师"]


def _location(name, kind, parent=None) -> Location:
    node = Location(name=name, kind=kind, parent=parent)
    db.session.add(node)
    return node


def _build_campus() -> dict[str, list[Location]]:
    """The places assets go, grouped by what kind of place they are."""
    campus = _location("本部校区", LocationKind.CAMPUS)
    places: dict[str, list[Location]] = {"classroom": [], "lab": [], "office": [], "dorm_room": [], "bed": [], "gym": []}
    teaching = _location("教学楼", LocationKind.BUILDING, campus)
    for floor in range(1, 5):
        level = _location(f"{floor}F", LocationKind.FLOOR, teaching)
        for room in range(1, 6):
            places["classroom"].append(_location(f"{floor}{room:02d}", LocationKind.ROOM, level))
    labs = _location("实验楼", LocationKind.BUILDING, campus)
    for name in ("物理实验室", "化学实验室", "生物实验室", "计算机房"):
        places["lab"].append(_location(name, LocationKind.ROOM, labs))
    admin = _location("行政楼", LocationKind.BUILDING, campus)
    for name in ("总务处办公室", "教务处办公室", "政教处办公室", "信息中心机房", "语文教研室"):
        places["office"].append(_location(name, LocationKind.ROOM, admin))
    for block in ("宿舍楼A", "宿舍楼B"):
        building = _location(block, LocationKind.BUILDING, campus)
        for floor in (2, 3):
            level = _location(f"{floor}F", LocationKind.FLOOR, building)
            for room in range(1, 5):
                dorm = _location(f"{floor}{room:02d}", LocationKind.ROOM, level)
                places["dorm_room"].append(dorm)
                for bed in range(1, 5):
                    places["bed"].append(_location(f"床位{bed}", LocationKind.SPOT, dorm))
    gym = _location("体育馆", LocationKind.BUILDING, campus)
    places["gym"].append(_location("器材室", LocationKind.ROOM, gym))
    return places


def _build_categories() -> dict[str, tuple[Category, tuple]]:
    items: dict[str, tuple[Category, tuple]] = {}
    for name, kind, code, subs in CATEGORIES:
        top = Category(name=name, kind=kind, code=code, min_years_of_use=MIN_YEARS_OF_USE.get(name))
        db.session.add(top)
        for sub_name, sub_code, products in subs:
            sub = Category(name=sub_name, kind=kind, code=sub_code, parent=top)
            db.session.add(sub)
            for product in products:
                items[product[0]] = (sub, product)
    return items


def load_demo_data(asset_count: int = 300, seed: int = 2026, username_prefix: str = "") -> str:
    """The demo school, into the chosen school (the only one, or each of the demo district's in turn, whose people's
    sign-in names then start with its code: s2-admin)."""
    rng = random.Random(seed)
    departments = {}
    for name, kind, code in DEPARTMENTS:
        departments[name] = Department(name=name, kind=kind, code=code)
        db.session.add(departments[name])
    users = {}
    for username, display_name, role, kept in PEOPLE:
        user = User(username=username_prefix + username, display_name=display_name, role=role, departments=[departments[d] for d in kept])
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        users[username] = user
    places = _build_campus()
    products = _build_categories()
    db.session.flush()

    classes = [departments["高一(3)班"], departments["高二(1)班"], departments["初三(2)班"]]
    plan = []  # (product, department, location)
    for index, room in enumerate(places["classroom"]):
        owner = classes[index % len(classes)] if index < 15 else departments["教务处"]
        plan += [("多媒体投影仪", owner, room), ("干粉灭火器", departments["总务处"], room)]
        plan += [("课桌椅（单人）", owner, room)] * 6
    for room in places["lab"]:
        plan += [("学生显微镜", departments["理化生教研组"], room)] * 3 + [("物理实验箱", departments["理化生教研组"], room)] * 2
        plan += [("台式电脑", departments["信息中心"], room)] * 4
    for room, owner in zip(places["office"], ["总务处", "教务处", "政教处", "信息中心", "语文教研组"], strict=True):
        plan += [("台式电脑", departments[owner], room), ("激光打印机", departments[owner], room), ("书柜", departments[owner], room)]
        plan += [("办公桌", departments[owner], room), ("笔记本电脑", departments[owner], room), ("交互式电子白板", departments[owner], room)]
    for bed in places["bed"]:
        block = "男生宿舍楼A" if bed.parent.parent.parent.name == "宿舍楼A" else "女生宿舍楼B"
        plan.append(("学生床（上下铺）", departments[block], bed))
    for room in places["dorm_room"]:
        block = "男生宿舍楼A" if room.parent.parent.name == "宿舍楼A" else "女生宿舍楼B"
        plan += [("干粉灭火器", departments["总务处"], room), ("拖把", departments[block], room), ("扫帚", departments[block], room)]
    plan += [("独轮车", departments["体育组"], places["gym"][0])] * 12 + [("篮球", departments["体育组"], places["gym"][0])] * 20

    admin = users["admin"]
    counters: dict[str, int] = {}
    today = date(2026, 9, 1)
    for product_name, department, location in (plan * (asset_count // len(plan) + 1))[:asset_count]:
        category, (name, brand, model, (low, high)) = products[product_name]
        purchased = today - timedelta(days=rng.randint(30, 6 * 365))
        counters[category.code] = counters.get(category.code, 0) + 1
        status = rng.choices(
            [AssetStatus.IN_USE, AssetStatus.IDLE, AssetStatus.UNDER_REPAIR, AssetStatus.DAMAGED],
            weights=[90, 6, 2, 2],
        )[0]
        asset = _register_asset(
            admin,
            AssetData(
                asset_number=f"{category.code}-{purchased.year}-{counters[category.code]:04d}",
                name=name,
                category_id=category.id,
                brand=brand,
                model=model,
                serial_number=f"SN{rng.randint(10**9, 10**10 - 1)}" if category.kind == AssetKind.FIXED_ASSET else "",
                department_id=department.id,
                location_id=location.id,
                custodian_name=rng.choice(CUSTODIANS),
                custodian_phone=f"139{rng.randint(10**7, 10**8 - 1)}",
                status=status,
                condition=AssetCondition.BROKEN if status == AssetStatus.DAMAGED else condition_for(status, rng.choice(
                    [AssetCondition.NEW, AssetCondition.GOOD, AssetCondition.GOOD, AssetCondition.FAIR]
                )),
                purchase_date=purchased,
                price=Decimal(rng.randint(low * 100, high * 100)) / 100,
                supplier=rng.choice(SUPPLIERS),
                invoice_number=f"3200{rng.randint(10**7, 10**8 - 1)}",
            ),
        )
        if rng.random() < 0.7:
            asset.last_confirmed_at = utcnow() - timedelta(days=rng.randint(1, 120))
    db.session.commit()
    _demo_stocktake(users)
    _demo_loan_and_disposal(users, rng)
    from tagsvc.inspections.demo import load_demo_inspections

    load_demo_inspections(users)
    return f"{len(departments)} departments, {asset_count} assets, {len(PEOPLE)} people (password {DEMO_PASSWORD})"


def _demo_stocktake(users) -> None:
    """A stocktake of the boys' dorm floor 2F, walked already: two beds of 203 not found, 201's first bed found in 202.
    The office closes it and settles the differences (the walk-through a new school tries first)."""
    from sqlalchemy import select

    from tagsvc.stocktake.models import ConfirmMethod, StocktakeItem
    from tagsvc.stocktake.services import Scope, Sighting, confirm_batch, keepers_of_scope, open_stocktake
    from tagsvc.tags.models import Tag

    floor = db.session.scalar(select(Location).where(Location.full_name == "本部校区 › 宿舍楼A › 2F"))
    if floor is None:
        return
    scope = Scope(location_ids=(floor.id,))
    try:
        stocktake = open_stocktake(users["admin"], "2026秋季学期末 宿舍楼A 2F 盘点", scope, assignments=keepers_of_scope(scope))
    except ValidationError:
        return  # a demo too small to reach the dorms
    rooms = {room.name: room for room in floor.children}
    items = db.session.execute(
        select(StocktakeItem, Location.full_name, Tag.code).join(Location, Location.id == StocktakeItem.expected_location_id)
        .join(Tag, (Tag.asset_id == StocktakeItem.asset_id) & Tag.retired_at.is_(None))
        .where(StocktakeItem.stocktake_id == stocktake.id).order_by(Location.full_name, StocktakeItem.asset_number)).all()
    walks: dict = {}
    for item, place, code in items:
        room_name = place.split(" › ")[3]
        if place.endswith("203 › 床位1") or place.endswith("203 › 床位2"):
            continue  # not found
        stood_in = rooms["202"] if place.endswith("201 › 床位1") else rooms[room_name]
        person = users["keeper2"] if item.expected_department_id in {d.id for d in users["keeper2"].departments} else users["admin"]
        walks.setdefault(person.username, []).append(Sighting(code=code, location_id=stood_in.id, method=ConfirmMethod.CAMERA,
                                                              scan_id=f"demo-{item.id}", device="demo"))
    for username, sightings in walks.items():
        confirm_batch(users[username], stocktake.id, sightings)


def _demo_loan_and_disposal(users, rng) -> None:
    """A laptop lent to a teacher and not back on time, and an old printer proposed for disposal: the office's
    "待我处理" has something to show."""
    from sqlalchemy import select

    from tagsvc.disposals.models import DisposalReason
    from tagsvc.disposals.services import Proposal, propose_disposal
    from tagsvc.errors import TagsvcError
    from tagsvc.loans.models import HandoutKind, RecipientKind
    from tagsvc.loans.services import Recipient, hand_out, school_today, start_handout

    office = users["admin"]
    laptop = db.session.scalar(select(Asset).where(Asset.name == "笔记本电脑", Asset.status.in_((AssetStatus.IN_USE, AssetStatus.IDLE))).order_by(Asset.id))
    printer = db.session.scalar(select(Asset).where(Asset.name == "激光打印机", Asset.status == AssetStatus.IN_USE).order_by(Asset.purchase_date))
    try:
        if laptop is not None:
            loan = start_handout(office, HandoutKind.LOAN, Recipient(RecipientKind.STAFF, user_id=users["teacher1"].id, due_on=school_today(),
                                                                     note="公开课用"))
            hand_out(office, loan.id, laptop.id)
            loan.due_on = school_today() - timedelta(days=rng.randint(2, 5))  # lent a week ago, due some days back
            db.session.commit()
        if printer is not None:
            propose_disposal(office, Proposal([printer.id], DisposalReason.OBSOLETE, "使用多年，硒鼓停产，维修不划算"))
    except TagsvcError:
        db.session.rollback()  # a demo too small for these items: the rest of the demo stands

