"""Who answers for a confirmed damage, what they pay, and whether they paid (损坏赔偿)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from tagsvc.accounts.permissions import require_admin
from tagsvc.errors import ConflictError, NotFoundError, ValidationError
from tagsvc.extensions import db, utcnow
from tagsvc.ledger.models import LedgerAction
from tagsvc.ledger.services import _record_event
from tagsvc.repairs.models import DamageReport, LiablePartyKind, Liability, ReportStatus
from tagsvc.structure.models import Department, Location

# Damage the office has confirmed: accepted as a fault, whatever came of the repair.
CONFIRMED_STATUSES = (ReportStatus.ACCEPTED, ReportStatus.IN_PROGRESS, ReportStatus.DONE, ReportStatus.NOT_REPAIRABLE)
MAX_AMOUNT = Decimal("100000")


@dataclass(frozen=True)
class LiabilityData:
    party_kind: LiablePartyKind
    department_id: int | None = None  # the class or department; a student's class
    location_id: int | None = None  # a dorm room
    person_name: str = ""  # a student
    amount: Decimal | str = Decimal("0")
    note: str = ""


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value).strip() or "0")
        if not amount.is_finite():  # "NaN" and "Infinity" parse, and then break every comparison and the database
            raise InvalidOperation
        amount = amount.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("The amount is a number of yuan, such as 120 or 35.50.")) from None
    if amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError(_("The amount must be between 0 and 100,000 yuan."))
    return amount


def record_liability(actor, report_id: int, data: LiabilityData) -> Liability:
    """Record (or correct, until paid) who answers for a confirmed damage and the amount."""
    require_admin(actor)
    report = db.session.get(DamageReport, report_id)
    if report is None:
        raise NotFoundError(_("There is no such report."))
    if report.status not in CONFIRMED_STATUSES:
        raise ConflictError(_("Liability is recorded for confirmed damage only: accept the report first."))
    kind = LiablePartyKind(data.party_kind)
    name, note = (data.person_name or "").strip(), (data.note or "").strip()
    if kind == LiablePartyKind.STUDENT and not name:
        raise ValidationError(_("Give the student's name."))
    if kind in (LiablePartyKind.CLASS, LiablePartyKind.DEPARTMENT) and not data.department_id:
        raise ValidationError(_("Choose the class or department that answers for it."))
    if kind == LiablePartyKind.DORM_ROOM and not data.location_id:
        raise ValidationError(_("Choose the dorm room."))
    if data.department_id and db.session.get(Department, data.department_id) is None:
        raise ValidationError(_("That department no longer exists."))
    if data.location_id and db.session.get(Location, data.location_id) is None:
        raise ValidationError(_("That location no longer exists."))
    amount = _amount(data.amount)
    liability = report.liability
    if liability is not None and liability.paid_at is not None:
        raise ConflictError(_("This compensation is paid already; it can no longer be changed."))
    if liability is None:
        liability = Liability()
        report.liability = liability
    liability.party_kind, liability.department_id, liability.person_name = kind, data.department_id, name
    liability.location_id = data.location_id if kind == LiablePartyKind.DORM_ROOM else None
    if kind == LiablePartyKind.UNKNOWN:
        liability.department_id, liability.person_name = None, ""
    liability.amount, liability.note = amount, note
    liability.recorded_at, liability.recorded_by_name = utcnow(), actor.display_name
    db.session.flush()
    if report.asset is not None:  # a room's report has no item's ledger
        _record_event(report.asset, LedgerAction.LIABILITY_RECORDED, actor,
                      changes={"compensation": [None, f"{amount:.2f}"]}, note=f"#{report.id} · {describe_party(liability)}")
    db.session.commit()
    return liability


def mark_paid(actor, report_id: int) -> Liability:
    require_admin(actor)
    report = db.session.get(DamageReport, report_id)
    liability = report.liability if report else None
    if liability is None:
        raise NotFoundError(_("No compensation is recorded for this report."))
    if liability.paid_at is not None:
        raise ConflictError(_("This compensation is marked paid already."))
    liability.paid_at, liability.paid_recorded_by_name = utcnow(), actor.display_name
    if report.asset is not None:
        _record_event(report.asset, LedgerAction.COMPENSATION_PAID, actor, note=f"#{report.id} · ¥{liability.amount:.2f} · {liability.receipt_number}")
    db.session.commit()
    return liability


def describe_party(liability: Liability) -> str:
    """The party in words, for the history, the receipt and the lists."""
    from tagsvc.repairs.display import PARTY_KIND_LABELS

    parts = [_(PARTY_KIND_LABELS[liability.party_kind])]
    if liability.person_name:
        parts.append(liability.person_name)
    if liability.department:
        parts.append(liability.department.name)
    if liability.location:
        parts.append(liability.location.full_name)
    return " · ".join(parts)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ["", "拾", "佰", "仟"]
_BIG_UNITS = ["", "万", "亿"]


def amount_in_chinese_capitals(amount: Decimal) -> str:
    """人民币大写, as a receipt writes an amount so it cannot be altered: 123.45 → 壹佰贰拾叁元肆角伍分."""
    amount = Decimal(amount).quantize(Decimal("0.01"))
    yuan, cents = divmod(int(amount * 100), 100)
    words = ""
    if yuan == 0:
        words = "零元"
    else:
        groups, n = [], yuan
        while n:
            groups.append(n % 10000)
            n //= 10000
        pending_zero = False
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            if group == 0:
                pending_zero = bool(words)
                continue
            digits = f"{group:04d}" if words else str(group)
            text = ""
            for position, ch in enumerate(digits):
                digit = int(ch)
                unit = _SMALL_UNITS[len(digits) - 1 - position]
                if digit == 0:
                    pending_zero = bool(text or words)
                    continue
                if pending_zero:
                    text += "零"
                    pending_zero = False
                text += _DIGITS[digit] + unit
            words += text + _BIG_UNITS[index]
        words += "元"
    jiao, fen = divmod(cents, 10)
    if jiao == 0 and fen == 0:
        return words + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    return words
