import pytest

from tagsvc.accounts.models import Role
from tagsvc.errors import ConflictError, PermissionDeniedError, ValidationError
from tagsvc.structure.models import Category, DepartmentKind, Location, LocationKind
from tagsvc.structure.services import (
    DepartmentData,
    TreeNodeData,
    create_department,
    create_tree_node,
    delete_department,
    delete_tree_node,
    tree_in_order,
    update_department,
    update_tree_node,
)
from tests.factories import make_asset, make_category, make_department, make_location, make_user


def test_create_department_with_keepers(app):
    admin = make_user(Role.ADMIN)
    keeper = make_user(Role.KEEPER)
    department = create_department(admin, DepartmentData(name=" 高一(3)班 ", kind=DepartmentKind.CLASS, keeper_ids=(keeper.id,)))
    assert department.name == "高一(3)班" and department.keepers == [keeper]
    assert keeper.keeps(department.id)


def test_department_names_are_unique(app):
    admin = make_user(Role.ADMIN)
    make_department("教务处")
    with pytest.raises(ConflictError, match="教务处"):
        create_department(admin, DepartmentData(name="教务处"))


def test_only_keepers_can_keep_a_department(app):
    admin = make_user(Role.ADMIN)
    teacher = make_user(Role.STAFF)
    with pytest.raises(ValidationError):
        create_department(admin, DepartmentData(name="政教处", keeper_ids=(teacher.id,)))


@pytest.mark.parametrize("role", [Role.KEEPER, Role.STAFF, Role.REPAIRER])
def test_only_the_office_manages_departments(app, role):
    with pytest.raises(PermissionDeniedError):
        create_department(make_user(role), DepartmentData(name="新部门"))


def test_department_with_assets_cannot_be_deleted(app, session):
    admin = make_user(Role.ADMIN)
    department = make_department("信息中心")
    make_asset(department_id=department.id)
    with pytest.raises(ConflictError, match="1"):
        delete_department(admin, department.id)
    session.rollback()
    update_department(admin, department.id, DepartmentData(name="信息中心（新）"))
    assert department.name == "信息中心（新）"


def test_tree_is_listed_parents_first_with_depth(app):
    admin = make_user(Role.ADMIN)
    campus = create_tree_node(admin, Location, TreeNodeData(name="本部校区", kind=LocationKind.CAMPUS))
    building = create_tree_node(admin, Location, TreeNodeData(name="教学楼", parent_id=campus.id, kind=LocationKind.BUILDING))
    create_tree_node(admin, Location, TreeNodeData(name="301", parent_id=building.id))
    assert [(depth, node.name) for depth, node in tree_in_order(Location)] == [(0, "本部校区"), (1, "教学楼"), (2, "301")]
    assert building.full_name == "本部校区 › 教学楼"


def test_same_name_is_refused_under_the_same_parent_only(app):
    admin = make_user(Role.ADMIN)
    a, b = make_location("宿舍楼A"), make_location("宿舍楼B")
    create_tree_node(admin, Location, TreeNodeData(name="203", parent_id=a.id))
    create_tree_node(admin, Location, TreeNodeData(name="203", parent_id=b.id))
    with pytest.raises(ConflictError):
        create_tree_node(admin, Location, TreeNodeData(name="203", parent_id=a.id))


def test_a_node_cannot_move_below_itself(app, session):
    admin = make_user(Role.ADMIN)
    top = make_category("家具")
    child = make_category("课桌椅", parent=top)
    with pytest.raises(ValidationError):
        update_tree_node(admin, Category, top.id, TreeNodeData(name="家具", parent_id=child.id))
    session.rollback()
    assert top.parent_id is None


def test_used_or_non_empty_nodes_cannot_be_deleted(app, session):
    admin = make_user(Role.ADMIN)
    building = make_location("实验楼")
    room = make_location("物理实验室", parent=building)
    make_asset(location_id=room.id)
    with pytest.raises(ConflictError):
        delete_tree_node(admin, Location, building.id)
    session.rollback()
    with pytest.raises(ConflictError):
        delete_tree_node(admin, Location, room.id)
    session.rollback()
    empty = make_location("空房间")
    delete_tree_node(admin, Location, empty.id)
    assert session.get(Location, empty.id) is None
