"""The school's structure that assets hang on: departments, the location tree and the category tree."""
from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tagsvc.accounts.models import department_keeper
from tagsvc.extensions import Base, enum_column_type

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


class Department(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
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
    parent: "_TreeNode | None"

    @property
    def ancestors(self) -> list:
        chain, node = [], self.parent
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def full_name(self) -> str:
        return PATH_SEPARATOR.join([a.name for a in self.ancestors] + [self.name])

    def __str__(self) -> str:
        return self.full_name


class Location(_TreeNode, Base):
    __tablename__ = "location"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[LocationKind] = mapped_column(enum_column_type(LocationKind), default=LocationKind.ROOM)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"), index=True)

    parent: Mapped[Location | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Location]] = relationship(back_populates="parent", order_by="Location.name")


class Category(_TreeNode, Base):
    __tablename__ = "category"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[AssetKind] = mapped_column(enum_column_type(AssetKind), default=AssetKind.FIXED_ASSET)
    code: Mapped[str] = mapped_column(String(40), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"), index=True)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent", order_by="Category.name")
