"""Inspection pages: the list of plans with what is due, and the round a person walks with a phone (each item or
room a form that works without JavaScript; round.js saves each line on the phone first and sends it from there)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tagsvc.accounts.models import Role, User
from tagsvc.assets.models import Asset
from tagsvc.errors import TagsvcError, ValidationError, show_refusal
from tagsvc.extensions import db
from tagsvc.forms import ConfirmForm
from tagsvc.inspections import services
from tagsvc.inspections.display import FREQUENCY_LABELS, STATE_LABELS, TARGET_KIND_LABELS
from tagsvc.inspections.forms import PlanForm
from tagsvc.inspections.models import Frequency, InspectionPlan, TargetKind
from tagsvc.inspections.services import new_result_id
from tagsvc.structure.models import Location, LocationKind
from tagsvc.structure.services import all_departments

bp = Blueprint("inspections", __name__, url_prefix="/inspections")
# Each line's id, made with the form: sent twice (a double tap, a resent form), it counts once.
bp.add_app_template_global(new_result_id, "new_result_id")


@bp.get("")
@login_required
def index():
    """The plans a person inspects (the office: every plan), each with its current period's state."""
    today = services.today()
    rows = []
    for plan in services.plans_for(current_user):
        states = services.round_states(plan, today, today, today) if plan.active else []
        rows.append((plan, states[0] if states else None))
    return render_template("inspections/index.html", rows=rows, frequency_labels=FREQUENCY_LABELS, state_labels=STATE_LABELS)


def _plan_choices(form: PlanForm) -> None:
    form.target_kind.choices = [(k.value, _(label)) for k, label in TARGET_KIND_LABELS.items()]
    form.frequency.choices = [(f.value, _(label)) for f, label in FREQUENCY_LABELS.items()]
    places = db.session.scalars(select(Location).where(Location.kind.in_((LocationKind.BUILDING, LocationKind.FLOOR, LocationKind.ROOM)))
                                .order_by(Location.full_name))
    form.location_ids.choices = [(p.id, p.full_name) for p in places]
    people = db.session.scalars(select(User).where(User.active.is_(True), User.role != Role.DISTRICT).order_by(User.display_name))
    form.inspector_ids.choices = [(u.id, u.display_name) for u in people]
    form.department_ids.choices = [(d.id, d.name) for d in all_departments()]


def _plan_data(form: PlanForm) -> services.PlanData:
    """The form's fields as the service takes them; asset numbers the register does not have are refused by name."""
    numbers = [n.strip() for n in (form.asset_numbers.data or "").replace(",", "\n").replace("，", "\n").splitlines() if n.strip()]
    found = dict(db.session.execute(select(Asset.asset_number, Asset.id).where(Asset.asset_number.in_(numbers))).all()) if numbers else {}
    unknown = [n for n in numbers if n not in found]
    if form.target_kind.data == TargetKind.ITEMS.value and unknown:
        raise ValidationError(_("No item has the asset number %(numbers)s.", numbers="、".join(unknown[:5])))
    return services.PlanData(name=form.name.data, target_kind=form.target_kind.data, checklist=(form.checklist.data or "").splitlines(),
                             frequency=form.frequency.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                             category_id=form.category_id.data, asset_ids=list(found.values()), location_ids=form.location_ids.data or [],
                             inspector_ids=form.inspector_ids.data or [], department_ids=form.department_ids.data or [],
                             service_years=form.service_years.data,
                             replace_warning_days=60 if form.replace_warning_days.data is None else form.replace_warning_days.data)


@bp.route("/plans/new", methods=["GET", "POST"])
@login_required
def new_plan():
    if not current_user.is_admin:
        abort(403)
    form = PlanForm()
    _plan_choices(form)
    if request.method == "GET":
        form.starts_on.data, form.frequency.data, form.target_kind.data = services.today(), Frequency.MONTHLY.value, TargetKind.CATEGORY.value
    status = 200
    if form.validate_on_submit():
        try:
            plan = services.create_plan(current_user, _plan_data(form))
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            flash(_("The plan “%(name)s” is kept. Its inspectors find it under Safety inspections.", name=plan.name), "success")
            return redirect(url_for("inspections.plan_page", plan_id=plan.id))
    elif form.errors:
        status = 400
    return render_template("inspections/plan_form.html", form=form, plan=None), status


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@login_required
def edit_plan(plan_id: int):
    if not current_user.is_admin:
        abort(403)
    plan = services.get_plan(current_user, plan_id)
    form = PlanForm(obj=None if request.method == "POST" else _plan_as_form(plan))
    _plan_choices(form)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_plan(current_user, plan_id, _plan_data(form), int(form.version.data or 0))
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            flash(_("The plan “%(name)s” is changed; the change applies from its next round.", name=plan.name), "success")
            return redirect(url_for("inspections.plan_page", plan_id=plan_id))
    elif form.errors:
        status = 400
    return render_template("inspections/plan_form.html", form=form, plan=plan), status


def _plan_as_form(plan: InspectionPlan):
    numbers = db.session.scalars(select(Asset.asset_number).where(Asset.id.in_(plan.asset_ids or [-1]))).all()

    class Values:
        pass

    values = Values()
    for name in ("name", "category_id", "location_ids", "starts_on", "ends_on", "inspector_ids", "department_ids", "service_years",
                 "replace_warning_days", "version"):
        setattr(values, name, getattr(plan, name))
    values.target_kind, values.frequency = plan.target_kind.value, plan.frequency.value
    values.checklist = "\n".join(line["text"] for line in plan.checklist)
    values.asset_numbers = "\n".join(numbers)
    return values


@bp.get("/plans/<int:plan_id>")
@login_required
def plan_page(plan_id: int):
    """A plan's recent periods (done, due, overdue, closed) and the items whose service ends soon."""
    from datetime import timedelta

    plan = services.get_plan(current_user, plan_id)
    if not (current_user.is_admin or services.may_inspect(current_user, plan)):
        abort(403)
    today = services.today()
    states = list(reversed(services.round_states(plan, today - timedelta(days=92), today, today)))
    return render_template("inspections/plan.html", plan=plan, states=states, state_labels=STATE_LABELS,
                           frequency_labels=FREQUENCY_LABELS, target_kind_labels=TARGET_KIND_LABELS, targets=services.targets_of(plan),
                           replacements=services.replacements_due(plan, today), may_walk=services.may_inspect(current_user, plan),
                           button=ConfirmForm(), today_date=today)


@bp.post("/plans/<int:plan_id>/active")
@login_required
def switch_plan(plan_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            plan = services.set_plan_active(current_user, plan_id, request.form.get("active") == "1")
        except TagsvcError as error:
            show_refusal(error)
        else:
            flash(_("The plan is switched on.") if plan.active else _("The plan is switched off: no more rounds until it is switched on."), "success")
    return redirect(url_for("inspections.plan_page", plan_id=plan_id))


@bp.get("/plans/<int:plan_id>/round")
@login_required
def walk(plan_id: int):
    """Today's round of a plan (begun by whoever opens it first)."""
    try:
        found = services.open_round(current_user, plan_id, services.today())
    except TagsvcError as error:
        show_refusal(error)
        return redirect(url_for("inspections.index"))
    return redirect(url_for("inspections.round_page", round_id=found.id))


@bp.get("/rounds/offline.js")
def offline_worker():
    """The service worker that opens a round's page again without a network (static/scan/offline_pages.js), served
    from here because a worker looks after the pages under its own address: /inspections/rounds/."""
    from flask import current_app, send_from_directory

    response = send_from_directory(current_app.static_folder, "scan/offline_pages.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"  # a new version reaches the phones at their next visit
    return response


@bp.get("/rounds/<int:round_id>")
@login_required
def round_page(round_id: int):
    view = services.round_view(current_user, round_id)
    return render_template("inspections/round.html", view=view,
                           may_record=services.may_inspect(current_user, view.plan) and view.closed_at is None,
                           may_close=current_user.is_admin and view.closed_at is None and view.period_end < services.today(),
                           button=ConfirmForm())


@bp.post("/rounds/<int:round_id>/close")
@login_required
def close(round_id: int):
    """The office signs the period off: nothing more is recorded in it."""
    if ConfirmForm().validate_on_submit():
        try:
            services.close_round(current_user, round_id)
        except TagsvcError as error:
            show_refusal(error)
        else:
            flash(_("The round is closed: its record is final."), "success")
    return redirect(url_for("inspections.round_page", round_id=round_id))


@bp.post("/plans/<int:plan_id>/periods/<period_start>/sign-off")
@login_required
def sign_off(plan_id: int, period_start: str):
    """The office signs off a period that ended undone (from 待我处理): it is closed with what was checked."""
    from datetime import date

    if ConfirmForm().validate_on_submit():
        try:
            day = date.fromisoformat(period_start)
        except ValueError:
            abort(404)
        try:
            services.sign_off_missed(current_user, plan_id, day)
        except TagsvcError as error:
            show_refusal(error)
        else:
            flash(_("The period is signed off as missed; the record shows what was checked."), "success")
    return redirect(url_for("approvals.index"))


@bp.post("/rounds/<int:round_id>/results")
@login_required
def record(round_id: int):
    """One item's or room's lines from its form (a page without JavaScript): "all pass", or each line's choice."""
    return _record_from_form(round_id)


@bp.post("/plans/<int:plan_id>/results")
@login_required
def record_from_label(plan_id: int):
    """The lines checked at the top of a scanned label's page: into the plan's round for today (begun now if nobody
    has), then back to the label's page."""
    try:
        found = services.open_round(current_user, plan_id, services.today())
    except TagsvcError as error:
        show_refusal(error)
        return redirect(_label_page_asked() or url_for("inspections.index"))
    return _record_from_form(found.id)


def _label_page_asked() -> str | None:
    """The label's page the form came from (only a label's address on this site: never a way out of it)."""
    import re

    asked = request.form.get("next", "")
    return asked if re.fullmatch(r"/[tT]/[A-Za-z0-9-]{1,40}", asked) else None


def _record_from_form(round_id: int):
    code = request.form.get("code", "")
    view = services.round_view(current_user, round_id)
    everything_passes = request.form.get("all") == "pass"
    results = []
    for line in view.checklist:
        choice = "pass" if everything_passes else request.form.get(f"line-{line['key']}", "")
        if choice in ("pass", "fail"):
            results.append(services.ResultIn(request.form.get(f"id-{line['key']}") or new_result_id(), code, line["key"],
                                             choice == "pass", request.form.get(f"note-{line['key']}", "")))
    label_page = _label_page_asked()
    back = (request.script_root + label_page) if label_page else url_for("inspections.round_page", round_id=round_id) + f"#t-{code}"
    if not results:
        flash(_("Choose pass or fail for at least one line."), "error")
        return redirect(back)
    try:
        answers = services.record_results(current_user, round_id, results)
    except TagsvcError as error:
        show_refusal(error)
        return redirect(back)
    recorded = sum(1 for a in answers if a.outcome == "recorded")
    reports = {a.damage_report_id for a in answers if a.damage_report_id}
    flash(_("%(name)s: %(n)d lines recorded.", name=answers[0].name, n=recorded)
          + (" " + _("A damage report is open for the office.") if reports else ""), "success")
    _attach_photos(answers)
    return redirect(back)


def _attach_photos(answers) -> None:
    """Each failed line's photo from the form, once its line is recorded (the lines stand if a photo is refused)."""
    for answer in answers:
        upload = request.files.get(f"photo-{answer.line_key}")
        if answer.outcome != "recorded" or answer.passed or not upload or not upload.filename:
            continue
        try:
            services.add_result_photo(current_user, answer.result_id, upload.read())
        except TagsvcError as error:
            flash(_("The lines are saved, but the photo was not kept: %(why)s", why=error.message), "error")


def _month_asked():
    from datetime import date

    text = request.args.get("month", "")
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return services.today().replace(day=1)


@bp.get("/plans/<int:plan_id>/record")
@login_required
def record_page(plan_id: int):
    """The month's record: each period, who walked it and each line's result; the failures and what became of them."""
    from datetime import timedelta

    from tagsvc.repairs.display import REPORT_STATUS_LABELS

    month = _month_asked()
    record = services.inspection_record(current_user, plan_id, month)
    earlier = (month - timedelta(days=1)).replace(day=1)
    later = (month + timedelta(days=32)).replace(day=1)
    return render_template("inspections/record.html", record=record, earlier=earlier, later=later if later <= services.today() else None,
                           report_labels=REPORT_STATUS_LABELS)


@bp.get("/plans/<int:plan_id>/record/print")
@login_required
def record_print(plan_id: int):
    """The month's record on A4, with lines for 检查人 and 负责人 (the form a bureau inspector asks to see)."""
    from tagsvc.repairs.display import REPORT_STATUS_LABELS

    record = services.inspection_record(current_user, plan_id, _month_asked())
    return render_template("inspections/record_print.html", record=record, report_labels=REPORT_STATUS_LABELS)


@bp.get("/plans/<int:plan_id>/record.xlsx")
@login_required
def record_excel(plan_id: int):
    from io import BytesIO

    from flask import send_file

    from tagsvc.inspections.report import record_xlsx
    from tagsvc.repairs.display import REPORT_STATUS_LABELS

    record = services.inspection_record(current_user, plan_id, _month_asked())
    data = record_xlsx(record, lambda report: _(REPORT_STATUS_LABELS[report.status]))
    return send_file(BytesIO(data), as_attachment=True, download_name=f"inspection-{plan_id}-{record.month:%Y-%m}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
