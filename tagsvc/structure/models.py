"""The school's structure that assets hang on: departments, the location tree and the category tree."""
from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from tagsvc.accounts.models import department_keeper
from tagsvc.extensions import Base, enum_column_type
from tagsvc.schools.wall import SchoolOwned

if TYPE_CHECKING:
    from tagsvc.accounts.models import User

PATH_SEPARATOR = " › "


class DepartmentKind(StrEnum):
    OFFICE = "office"
    TEACHING_GROUP = "teaching_group"
    CLASS = "class"
    DORM_BLOCK = "dorm_block"
    OTHER = "other"


class LocationKind(StrEnum):
    CAMPUS = "campus"
    BUILDING = "building"
    FLOOR = "floor"
    ROOM = "room"
    SPOT = "spot"  # a bed or a place inside a room


class AssetKind(StrEnum):
    FIXED_ASSET = "fixed_asset"  # 固定资产
    LOW_VALUE = "low_value"  # 低值易耗品
    CONSUMABLE = "consumable"  # 消耗品


class Department(SchoolOwned, Base):
    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_department_school_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[DepartmentKind] = mapped_column(enum_column_type(DepartmentKind), default=DepartmentKind.OFFICE)
    code: Mapped[str] = mapped_column(String(40), default="")

    keepers: Mapped[list[User]] = relationship(
        secondary=department_keeper, back_populates="departments", order_by="User.display_name"
    )

    def __str__(self) -> str:
        return self.name


class _TreeNode:
    """Shared behaviour of the two trees (locations, categories)."""

    name: str
    full_name: str
    parent: _TreeNode | None
    children: list

    @property
    def ancestors(self) -> list:
        chain, node = [], self.parent
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def refresh_full_names(self) -> None:
        """Recompute the stored path of this node and everything below it, after a rename or a move."""
        self.full_name = PATH_SEPARATOR.join([a.name for a in self.ancestors] + [self.name])
        for child in self.children:
            child.refresh_full_names()

    def __str__(self) -> str:
        return self.full_name


@event.listens_for(Session, "before_flush")
def _keep_tree_paths_current(session: Session, flush_context, instances) -> None:
    # The full path ("教学楼 › 3F › 301") is stored so that pages and searches read it without walking the tree.
    for node in list(session.new) + list(session.dirty):
        if not isinstance(node, _TreeNode):
            continue
        state = inspect(node)
        if node in session.new or state.attrs.name.history.has_changes() or state.attrs.parent.history.has_changes():
            node.refresh_full_names()


class Location(_TreeNode, SchoolOwned, Base):
    __tablename__ = "location"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[LocationKind] = mapped_column(enum_column_type(LocationKind), default=LocationKind.ROOM)
    full_name: Mapped[str] = mapped_column(String(1000), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"), index=True)

    parent: Mapped[Location | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Location]] = relationship(back_populates="parent", order_by="Location.name")


class Category(_TreeNode, SchoolOwned, Base):
    __tablename__ = "category"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[AssetKind] = mapped_column(enum_column_type(AssetKind), default=AssetKind.FIXED_ASSET)
    code: Mapped[str] = mapped_column(String(40), default="")
    full_name: Mapped[str] = mapped_column(String(1000), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"), index=True)
    # Minimum years of use before disposal (e.g. office equipment 6, vehicles 10, furniture 15); empty: as the
    # parent category says. The disposal form warns about a younger item.
    min_years_of_use: Mapped[int | None]

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent", order_by="Category.name")
