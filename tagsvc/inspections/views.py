"""Inspection pages: the list of plans with what is due, and the round a person walks with a phone (each item or
room a form that works without JavaScript; round.js saves each line on the phone first and sends it from there)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tagsvc.errors import TagsvcError, show_refusal
from tagsvc.inspections import services
from tagsvc.inspections.display import FREQUENCY_LABELS, STATE_LABELS
from tagsvc.inspections.services import new_result_id

bp = Blueprint("inspections", __name__, url_prefix="/inspections")


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


@bp.get("/rounds/<int:round_id>")
@login_required
def round_page(round_id: int):
    view = services.round_view(current_user, round_id)
    return render_template("inspections/round.html", view=view, new_result_id=new_result_id,
                           may_record=services.may_inspect(current_user, view.plan) and view.closed_at is None)


@bp.post("/rounds/<int:round_id>/results")
@login_required
def record(round_id: int):
    """One item's or room's lines from its form (a page without JavaScript): "all pass", or each line's choice."""
    code = request.form.get("code", "")
    view = services.round_view(current_user, round_id)
    everything_passes = request.form.get("all") == "pass"
    results = []
    for line in view.checklist:
        choice = "pass" if everything_passes else request.form.get(f"line-{line['key']}", "")
        if choice in ("pass", "fail"):
            results.append(services.ResultIn(request.form.get(f"id-{line['key']}") or new_result_id(), code, line["key"],
                                             choice == "pass", request.form.get(f"note-{line['key']}", "")))
    back = url_for("inspections.round_page", round_id=round_id) + f"#t-{code}"
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
    return redirect(back)
