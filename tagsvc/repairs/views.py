from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user, login_required

from tagsvc.accounts.permissions import require_admin
from tagsvc.clients import client_fingerprint
from tagsvc.errors import ConflictError, TagsvcError, ValidationError, show_refusal
from tagsvc.forms import uploaded_bytes
from tagsvc.extensions import db, utcnow
from tagsvc.repairs import liability, services
from tagsvc.repairs.assessment import assessment_workbook, class_assessment
from tagsvc.repairs.forms import AddToReportForm, DamageReportForm, FinishForm, LiabilityForm, PeriodForm, TriageForm
from tagsvc.repairs.models import DamageKind, DamageReport, LiablePartyKind, Priority, ReportStatus
from tagsvc.structure.services import all_departments

bp = Blueprint("repairs", __name__)

SENT_KEY = "sent_report"  # the session remembers what this browser sent last ([report id, addition id or None]) to confirm it


def _reporter(form) -> services.Reporter:
    return services.Reporter(form.reporter_name.data or "", form.reporter_group.data or "", form.reporter_contact.data or "")


def _client_hash() -> str:
    return client_fingerprint(request.remote_addr or "")


def _prefill(form) -> None:
    if current_user.is_authenticated and request.method == "GET":
        form.reporter_name.data = current_user.display_name
        form.reporter_group.data = "、".join(d.name for d in current_user.departments)


# -- reporting, from the scan page: anyone ------------------------------------------------------------

@bp.route("/t/<code>/report", methods=["GET", "POST"])
def report(code: str):
    asset = services.asset_for_code(code)
    tag_code = asset.current_tag.code if asset.current_tag else code
    existing = services.open_report_for(asset.id)
    if existing is not None:
        form = AddToReportForm()
        _prefill(form)
        return render_template("repairs/already_reported.html", asset=asset, report=existing, form=form, code=tag_code)
    form = DamageReportForm()
    _prefill(form)
    status = 200
    if form.validate_on_submit():
        try:
            sent = services.submit_report(current_user, code, DamageKind(form.kind.data), form.description.data,
                                          _reporter(form), uploaded_bytes(form.photos), _client_hash())
        except ConflictError:
            db.session.rollback()
            return redirect(url_for("repairs.report", code=tag_code))
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            session[SENT_KEY] = [sent.id, None]
            return redirect(url_for("repairs.sent", code=tag_code))
    elif form.errors:
        status = 400
    return render_template("repairs/report.html", asset=asset, form=form, code=tag_code), status


@bp.post("/t/<code>/report/<int:report_id>/add")
def add_details(code: str, report_id: int):
    form = AddToReportForm()
    if form.validate_on_submit():
        try:
            addition = services.add_to_report(current_user, report_id, form.note.data, _reporter(form), _client_hash(), raw_code=code)
        except TagsvcError as error:
            show_refusal(error)
        else:
            session[SENT_KEY] = [report_id, addition.id]
            return redirect(url_for("repairs.sent", code=code))
    else:
        flash(_("Please check the form and send it again."), "error")
    return redirect(url_for("repairs.report", code=code))


@bp.get("/t/<code>/report/sent")
def sent(code: str):
    """What this browser sent, and only that: the report it made, or the details it added to one, about the item
    behind this label. Anything else (another item's report, a cookie from before) goes back to the item."""
    remembered = session.get(SENT_KEY)
    report_id, addition_id = remembered if isinstance(remembered, list) and len(remembered) == 2 else (None, None)
    sent_report = db.session.get(DamageReport, report_id) if isinstance(report_id, int) else None
    try:
        asset = services.asset_for_code(code)
    except TagsvcError:
        asset = None
    if sent_report is None or asset is None or sent_report.asset_id != asset.id:
        return redirect(url_for("scanning.scan", code=code))
    addition = next((a for a in sent_report.additions if a.id == addition_id), None) if addition_id is not None else None
    if addition_id is not None and addition is None:
        return redirect(url_for("scanning.scan", code=code))
    return render_template("repairs/sent.html", report=sent_report, addition=addition, code=code)


# -- the office and the repairers --------------------------------------------------------------------

@bp.get("/repairs")
@login_required
def queue():
    status = request.args.get("status")
    chosen = ReportStatus(status) if status in ReportStatus._value2member_map_ else None
    overdue = request.args.get("overdue") == "1"
    return render_template("repairs/queue.html", reports=services.office_queue(current_user, chosen, overdue=overdue), chosen=chosen,
                           overdue=overdue, is_overdue=services.is_overdue)


@bp.get("/repairs/mine")
@login_required
def mine():
    return render_template("repairs/mine.html", reports=services.my_work_orders(current_user), is_overdue=services.is_overdue)


def _triage_form(report: DamageReport) -> TriageForm:
    form = TriageForm()
    form.assignee_id.choices = [("", _("— choose —"))] + [(str(u.id), u.display_name) for u in services.repairers()]
    others = db.session.query(DamageReport).filter(DamageReport.asset_id == report.asset_id, DamageReport.id != report.id).all()
    form.merge_into_id.choices = [("", _("— choose —"))] + [(str(r.id), f"#{r.id} · {r.created_at:%Y-%m-%d} · {r.description[:40]}") for r in others]
    if request.method == "GET":
        form.priority.data = report.priority.value
        form.assignee_id.data = report.assignee_id
    return form


@bp.route("/repairs/<int:report_id>", methods=["GET", "POST"])
@login_required
def detail(report_id: int):
    report = services.get_report(current_user, report_id)
    triage_form = _triage_form(report) if current_user.is_admin else None
    finish_form = FinishForm(prefix="finish")
    status = 200
    if request.method == "POST" and current_user.is_admin and request.form.get("action") == "triage":
        if triage_form.validate():
            try:
                services.triage_report(current_user, report.id, services.Triage(
                    triage_form.decision.data, Priority(triage_form.priority.data), triage_form.assignee_id.data,
                    triage_form.merge_into_id.data, triage_form.note.data or ""))
            except TagsvcError as error:
                status = show_refusal(error)
            else:
                flash(_("Report #%(id)d: decision saved.", id=report.id), "success")
                return redirect(url_for("repairs.detail", report_id=report.id))
        else:
            status = 400
    return render_template("repairs/detail.html", report=report, triage_form=triage_form, finish_form=finish_form,
                           liability_form=_liability_form(report) if current_user.is_admin else None,
                           is_overdue=services.is_overdue, describe_party=liability.describe_party,
                           confirmed=report.status in liability.CONFIRMED_STATUSES, loan=_loan_it_came_back_from(report)), status


def _loan_it_came_back_from(report: DamageReport):
    """The loan a broken return opened this report from, for the office alone: it names the borrower."""
    from tagsvc.loans.models import Handout

    return db.session.get(Handout, report.handout_id) if report.handout_id and current_user.is_admin else None


def _liability_form(report: DamageReport, formdata=None) -> LiabilityForm:
    existing = report.liability
    form = LiabilityForm(formdata=formdata, obj=existing) if existing and formdata is None else LiabilityForm(formdata=formdata)
    if existing and formdata is None:
        form.party_kind.data = existing.party_kind.value
        form.amount.data = f"{existing.amount:.2f}"
    elif formdata is None and report.handout_id is not None:
        from tagsvc.loans.services import likely_liable_party

        party = likely_liable_party(report.handout_id)  # damaged on loan: the borrower, as the loan names them
        form.party_kind.data, form.person_name.data, form.department_id.data = party.party_kind.value, party.person_name, party.department_id
        form.note.data = party.note
    elif formdata is None and report.asset is not None and report.asset.department_id:
        form.department_id.data = report.asset.department_id  # most often the class the item belongs to
    form.department_id.choices = [("", _("— choose —"))] + [(str(d.id), d.name) for d in all_departments()]
    return form


@bp.post("/repairs/<int:report_id>/liability")
@login_required
def record_liability(report_id: int):
    report = services.get_report(current_user, report_id)
    form = _liability_form(report, formdata=request.form)
    if form.validate():
        try:
            liability.record_liability(current_user, report.id, liability.LiabilityData(
                LiablePartyKind(form.party_kind.data), form.department_id.data, form.location_id.data,
                form.person_name.data or "", form.amount.data or "0", form.note.data or ""))
        except (ValidationError, ConflictError) as error:
            show_refusal(error)
        else:
            flash(_("Compensation recorded."), "success")
    else:
        flash(_("Please check the form and send it again."), "error")
    return redirect(url_for("repairs.detail", report_id=report_id) + "#liability")


@bp.post("/repairs/<int:report_id>/paid")
@login_required
def mark_paid(report_id: int):
    try:
        liability.mark_paid(current_user, report_id)
    except ConflictError as error:
        flash(error.message, "error")
    else:
        flash(_("Marked paid. Print the receipt for the payer."), "success")
    return redirect(url_for("repairs.detail", report_id=report_id) + "#liability")


@bp.get("/repairs/<int:report_id>/receipt")
@login_required
def receipt(report_id: int):
    report = services.get_report(current_user, report_id)
    if report.liability is None or not current_user.is_admin:
        abort(404)
    return render_template("repairs/receipt.html", report=report, liability=report.liability,
                           party=liability.describe_party(report.liability),
                           capitals=liability.amount_in_chinese_capitals(report.liability.amount))


@bp.get("/repairs/assessment")
@login_required
def assessment():
    require_admin(current_user)
    form = PeriodForm(request.args)
    if not request.args:  # this month so far, in the school's time zone
        today = to_user_timezone(utcnow()).date()
        form.start.data, form.end.data = today.replace(day=1), today
    result = None
    if not request.args or form.validate():
        try:
            result = class_assessment(current_user, form.start.data, form.end.data)
        except ValidationError as error:
            flash(error.message, "error")
    if result is not None and request.args.get("format") == "xlsx":
        return send_file(BytesIO(assessment_workbook(result)), as_attachment=True,
                         download_name=f"class-assessment-{result.start:%Y%m%d}-{result.end:%Y%m%d}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return render_template("repairs/assessment.html", form=form, result=result)


@bp.post("/repairs/<int:report_id>/start")
@login_required
def start(report_id: int):
    try:
        services.start_repair(current_user, report_id)
    except ConflictError as error:
        flash(error.message, "error")
    else:
        flash(_("Marked in progress."), "success")
    return redirect(url_for("repairs.detail", report_id=report_id))


@bp.post("/repairs/<int:report_id>/finish")
@login_required
def finish(report_id: int):
    form = FinishForm(prefix="finish")
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("repairs.detail", report_id=report_id))
    photos = uploaded_bytes(form.photo)
    if len(photos) > 1:
        abort(400)
    try:
        services.finish_repair(current_user, report_id, form.note.data, form.parts_cost.data, photos[0] if photos else None,
                               repairable=form.outcome.data == "done")
    except (ValidationError, ConflictError) as error:  # a refusal (PermissionDeniedError) gets its 403 page
        show_refusal(error)
        return redirect(url_for("repairs.detail", report_id=report_id))
    flash(_("Work order #%(id)d closed.", id=report_id), "success")
    return redirect(url_for("repairs.mine") if not current_user.is_admin else url_for("repairs.detail", report_id=report_id))
