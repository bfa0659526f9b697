"""Group robots (and email lists) the office adds, the news they want, and each piece of news' delivery to each."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tagsvc.extensions import Base, utcnow
from tagsvc.schools.wall import SchoolOwned

EVENTS = ("damage_reported", "repair_assigned", "repair_overdue", "transfer_waiting", "disposal_waiting", "loan_overdue",
          "stocktake_due", "import_done", "inspection_overdue")


class Channel(SchoolOwned, Base):
    __tablename__ = "channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # "wecom" or "dingtalk"
    url: Mapped[str] = mapped_column(String(500))  # the webhook address with its key: a secret, shown shortened
    secret: Mapped[str] = mapped_column(String(200), default="")  # DingTalk's signing secret
    events: Mapped[list] = mapped_column(JSON, default=list)  # of EVENTS
    department_ids: Mapped[list] = mapped_column(JSON, default=list)  # empty: the whole school
    quiet_from: Mapped[int] = mapped_column(default=22)  # hours, school time: nothing but urgent news in between
    quiet_until: Mapped[int] = mapped_column(default=7)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notice(SchoolOwned, Base):
    """One piece of news (a new damage report), written in the same transaction as what it tells of; `key` names
    that, so the same news is never recorded twice. `facts` is what a message may say: nothing private."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(100), unique=True)
    department_id: Mapped[int | None]
    urgent: Mapped[bool] = mapped_column(default=False)
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(SchoolOwned, Base):
    """A notice to one channel: waiting, then sent (alone or in a digest), or failed for good (with the robot's
    words). One per notice and channel: each piece of news reaches each channel once."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("notice_id", "channel_id"), Index("ix_delivery_waiting", "channel_id", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting, sent, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")

    notice: Mapped[Notice] = relationship(lazy="joined")


class ChannelMessage(SchoolOwned, Base):
    """A message sent to a robot (one notice, or a digest of several): the robots take 20 a minute."""

    __tablename__ = "channel_message"
    __table_args__ = (Index("ix_channel_message_recent", "channel_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    notices: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    text: Mapped[str] = mapped_column(Text, default="", server_default="")  # as the group read it (nothing private goes into one)
