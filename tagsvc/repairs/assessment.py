"""The class assessment (班级财产考核): damage, repair costs and compensation per class and per department over
a period, ranked, on screen and as an Excel workbook."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, UTC
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from tagsvc.accounts.permissions import require_admin
from tagsvc.assets.models import Asset
from tagsvc.errors import ValidationError
from tagsvc.extensions import db
from tagsvc.repairs.liability import CONFIRMED_STATUSES
from tagsvc.repairs.models import DamageReport, Liability, ReportStatus
from tagsvc.structure.models import Department, DepartmentKind

MAX_DAYS = 366 * 2


@dataclass
class AssessmentRow:
    department: Department
    reports: int = 0  # damage reports about its assets
    confirmed: int = 0  # of those, confirmed as damage
    repair_cost: Decimal = Decimal("0")  # parts for repairs finished in the period
    owed: Decimal = Decimal("0")  # compensation it answers for, recorded in the period
    paid: Decimal = Decimal("0")
    rank: int = 0

    @property
    def unpaid(self) -> Decimal:
        return self.owed - self.paid


@dataclass
class Assessment:
    start: date
    end: date  # inclusive
    classes: list[AssessmentRow] = field(default_factory=list)
    departments: list[AssessmentRow] = field(default_factory=list)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's days in the school's time zone, as UTC instants [from, to)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")
    begin = datetime.combine(start, time.min, zone).astimezone(UTC)
    finish = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(UTC)
    return begin, finish


def class_assessment(actor, start: date, end: date) -> Assessment:
    require_admin(actor)
    if end < start:
        raise ValidationError(_("The period ends before it starts."))
    if (end - start).days > MAX_DAYS:
        raise ValidationError(_("Choose a period of at most two years."))
    begin, finish = _bounds(start, end)
    rows = {d.id: AssessmentRow(d) for d in db.session.scalars(select(Department).order_by(Department.name))}

    reported = db.session.execute(
        select(Asset.department_id, DamageReport.status)
        .join(Asset, Asset.id == DamageReport.asset_id)
        .where(DamageReport.created_at >= begin, DamageReport.created_at < finish, DamageReport.status != ReportStatus.MERGED)
    ).all()
    for department_id, status in reported:
        if department_id in rows:
            rows[department_id].reports += 1
            rows[department_id].confirmed += status in CONFIRMED_STATUSES

    costs = db.session.execute(
        select(Asset.department_id, DamageReport.parts_cost)
        .join(Asset, Asset.id == DamageReport.asset_id)
        .where(DamageReport.finished_at >= begin, DamageReport.finished_at < finish, DamageReport.parts_cost.is_not(None))
    ).all()
    for department_id, cost in costs:
        if department_id in rows:
            rows[department_id].repair_cost += cost

    for liability in db.session.scalars(select(Liability).where(Liability.recorded_at >= begin, Liability.recorded_at < finish)):
        if liability.department_id in rows:
            row = rows[liability.department_id]
            row.owed += liability.amount
            row.paid += liability.amount if liability.paid_at is not None else Decimal("0")

    assessment = Assessment(start=start, end=end)
    for row in rows.values():
        (assessment.classes if row.department.kind == DepartmentKind.CLASS else assessment.departments).append(row)
    for group in (assessment.classes, assessment.departments):
        # The most confirmed damage first, then the most compensation, then by name: the ranking a class sees.
        group.sort(key=lambda r: (-r.confirmed, -r.owed, -r.reports, r.department.name))
        for position, row in enumerate(group, start=1):
            row.rank = position
    return assessment


def assessment_workbook(assessment: Assessment) -> bytes:
    """The assessment as an .xlsx workbook: one sheet for classes, one for departments."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from tagsvc.spreadsheets.cells import append_row, titled_sheet

    workbook = Workbook()
    headers = [_("Rank"), _("Name"), _("Damage reports"), _("Confirmed damage"), _("Repair costs (yuan)"),
               _("Compensation owed (yuan)"), _("Compensation paid (yuan)"), _("Unpaid (yuan)")]
    period = f"{assessment.start:%Y-%m-%d} – {assessment.end:%Y-%m-%d}"
    for index, (title, rows) in enumerate(((_("Classes"), assessment.classes), (_("Departments"), assessment.departments))):
        sheet = titled_sheet(workbook, title, first=index == 0)
        append_row(sheet, [_("Class assessment of school property"), period])
        sheet["A1"].font = Font(bold=True)
        append_row(sheet, headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            append_row(sheet, [row.rank, row.department.name, row.reports, row.confirmed, row.repair_cost, row.owed, row.paid, row.unpaid])
        for cells in sheet.iter_rows(min_row=3, min_col=5, max_col=8):
            for cell in cells:
                cell.number_format = "#,##0.00"
        for column, width in enumerate((6, 22, 12, 12, 16, 18, 18, 14), start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = "A3"
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
