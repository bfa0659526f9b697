"""Small builders for test data. Each goes through the real services or models, and commits."""
from __future__ import annotations

import itertools
from decimal import Decimal

from sqlalchemy import select

from tagsvc.accounts.models import Role, User
from tagsvc.assets.models import Asset, AssetCondition, AssetStatus
from tagsvc.assets.services import AssetData, _register_asset
from tagsvc.assets.states import condition_for
from tagsvc.extensions import db
from tagsvc.structure.models import AssetKind, Category, Department, DepartmentKind, Location, LocationKind
from tests.conftest import TEST_PASSWORD

_numbers = itertools.count(1)


def make_user(role: Role = Role.STAFF, departments=(), username: str | None = None, **overrides) -> User:
    n = next(_numbers)
    user = User(
        username=username or f"{role.value}{n}",
        display_name=overrides.pop("display_name", f"{role.value.title()} {n}"),
        role=role,
        departments=list(departments),
        **overrides,
    )
    user.set_password(TEST_PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def make_department(name: str | None = None, kind: DepartmentKind = DepartmentKind.OFFICE) -> Department:
    department = Department(name=name or f"部门{next(_numbers)}", kind=kind)
    db.session.add(department)
    db.session.commit()
    return department


def make_location(name: str | None = None, parent: Location | None = None, kind: LocationKind = LocationKind.ROOM) -> Location:
    location = Location(name=name or f"{next(_numbers)}室", parent=parent, kind=kind)
    db.session.add(location)
    db.session.commit()
    return location


def make_category(name: str | None = None, parent: Category | None = None, kind: AssetKind = AssetKind.FIXED_ASSET) -> Category:
    category = Category(name=name or f"分类{next(_numbers)}", parent=parent, kind=kind)
    db.session.add(category)
    db.session.commit()
    return category


def make_asset(actor: User | None = None, **overrides) -> Asset:
    n = next(_numbers)
    values = {
        "asset_number": f"ZC-{n:05d}",
        "name": "多媒体投影仪",
        "price": Decimal("3280.00"),
        "custodian_name": "赵老师",
        "custodian_phone": "13900001111",
        "invoice_number": f"INV{n:06d}",
        "supplier": "南京教育装备有限公司",
    }
    values.update(overrides)
    if "status" in values and "condition" not in values:  # a damaged item is made with a condition that fits
        values["condition"] = condition_for(AssetStatus(values["status"]), AssetCondition.GOOD)
    asset = _register_asset(actor, AssetData(**values))
    db.session.commit()
    return asset


def two_demo_schools(first_assets: int, second_assets: int) -> tuple[User, User]:
    """School 1 (named 第一中学) and a second school s2 (第二中学), each the demo school (the second's people are s2-admin,
    s2-keeper1, …); returns the two offices, signed in with the tests' password."""
    from tagsvc.demo.services import load_demo_data
    from tagsvc.schools.models import School
    from tagsvc.schools.services import create_school
    from tagsvc.schools.wall import use_school

    db.session.get(School, 1).name = "第一中学"
    db.session.commit()
    load_demo_data(asset_count=first_assets)
    second = create_school("s2", "第二中学")
    with use_school(second.id):
        load_demo_data(asset_count=second_assets, seed=7, username_prefix="s2-")
    offices = [db.session.scalar(select(User).where(User.username == name)) for name in ("admin", "s2-admin")]
    for office in offices:
        office.set_password(TEST_PASSWORD)
    db.session.commit()
    return offices[0], offices[1]
