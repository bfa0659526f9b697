import uuid

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tagsvc.assets.holds import HoldKind
from tagsvc.assets.models import OFF_THE_BOOKS
from tagsvc.assets.services import attach_blank_tag
from tagsvc.errors import TagsvcError, show_refusal
from tagsvc.i18n import select_locale
from tagsvc.inspections.services import checks_here
from tagsvc.ledger.services import recent_history
from tagsvc.loans.services import HANDABLE_STATUSES, is_overdue, open_loan_of
from tagsvc.loans.views import ACTIVE_KEY, active_handout
from tagsvc.repairs.services import open_report_link
from tagsvc.stocktake.services import banner_for, open_stocktakes_in_room
from tagsvc.scanning.fast_path import FACTS_KEY, ScanPageFastPath
from tagsvc.scanning.page_cache import CompressedPage, PageCache, page_key
from tagsvc.scanning import services
from tagsvc.schools.wall import choose_school
from tagsvc.schools.web import enter_labels_school
from tagsvc.scanning.forms import AttachLabelForm
from tagsvc.scanning.services import scan_facts
from tagsvc.tags.services import format_code, look_up_tag, normalize_code
from tagsvc.transfers.services import awaited_arrival

bp = Blueprint("scanning", __name__)


@bp.record_once
def _set_up_page_cache(state) -> None:
    state.app.extensions["scan_page_cache"] = PageCache()
    state.app.wsgi_app = ScanPageFastPath(state.app, state.app.wsgi_app)


@bp.get("/t")
def lookup():
    """The "type the code" form: a person whose camera failed reads the code under the QR."""
    raw = request.args.get("code", "")
    code = normalize_code(raw)
    if code is None:
        return render_template("scanning/unknown.html", code=raw, malformed=bool(raw.strip())), 404 if raw.strip() else 200
    return redirect(url_for("scanning.scan", code=code))


# /T/ as well as /t/: a URL written wholly in upper case fits the denser QR alphanumeric mode.
@bp.get("/T/<code>", endpoint="scan_upper")
@bp.get("/t/<code>")
def scan(code: str):
    if _may_be_signed_in() and current_user.is_authenticated:
        return _signed_in_scan_page(code)
    # Read once per request: the fast path in front of Flask may have read them already.
    facts = request.environ[FACTS_KEY] if FACTS_KEY in request.environ else scan_facts(code)
    if facts is None:
        return _not_an_asset_label(code)
    choose_school(facts.school_id)  # a label read by anyone: its page and what follows from it are its school's
    if _may_be_signed_in() and session.get("_flashes"):  # signed out just now: "you have been signed out"
        return render_template("scanning/scan.html", facts=facts)
    return _public_scan_page(facts)


def _signed_in_scan_page(code: str):
    """The stocktake's hot path when keepers use any scanner: every read here is a fixed statement of plain values
    outside a transaction (the facts with the staff's part and the banner, the history, the header's counts)."""
    from tagsvc.stocktake.views import rooms_in_session

    user = current_user._get_current_object()  # the proxy looks the user up again on every attribute
    rooms = rooms_in_session()
    # The room chosen for this item's stocktake is known once the banner names the stocktake; a person almost always
    # takes part in one at a time, so the only room in the session is read along with it.
    only_room = next(iter(rooms.values())) if len(rooms) == 1 else None
    found = services.scan_for_staff(code, user, only_room)
    if found is None:
        return _not_an_asset_label(code)
    facts, banner = found.facts, found.banner
    if user.school_id is not None and facts.school_id != user.school_id:
        enter_labels_school(facts.school_id)  # another school's item: read as anyone reads it
        return _public_scan_page(facts)
    if banner is not None and rooms and rooms.get(str(banner.stocktake_id)) != only_room:
        banner = banner_for(user, facts.asset_id, rooms.get(str(banner.stocktake_id)))
    stocktake = {"banner": banner, "scan_id": str(uuid.uuid4())} if banner is not None else None
    arrival = awaited_arrival(user, facts.asset_id) if facts.transfer_to else None
    handout = None
    if session.get(ACTIVE_KEY) and not facts.hold_kind and facts.status in HANDABLE_STATUSES and user.can_edit_asset_in(facts.department_id):
        handout = active_handout()  # filling a loan with the phone's camera: one tap adds this item
    # An item due for one of this person's inspection rounds: its checklist at the top (no statement when none is).
    checks = (checks_here(user, asset_id=facts.asset_id, category_id=facts.category_id, code=facts.current_code or facts.code)
              if facts.status not in OFF_THE_BOOKS else [])
    if user.sees_all_assets or user.keeps(facts.department_id):
        loan = open_loan_of(facts.asset_id) if facts.hold_kind == HoldKind.LOAN else None
        html = render_template("scanning/scan.html", facts=facts, asset=found.staff, history=recent_history(facts.asset_id),
                               report_link=open_report_link(user, facts.asset_id) if facts.report_open else None,
                               stocktake=stocktake, arrival=arrival, handout=handout, loan=loan, loan_overdue=loan is not None and is_overdue(loan.handout),
                               checks=checks)
    else:
        html = render_template("scanning/scan.html", facts=facts, stocktake=stocktake, arrival=arrival, handout=handout, checks=checks)
    # Compressed here at gzip's fastest level, as the public page is (Flask-Compress leaves it alone).
    body, headers = CompressedPage.of(html).response(gzip_accepted="gzip" in request.accept_encodings)
    return current_app.response_class(body, headers=headers)


def _not_an_asset_label(code: str):
    """A room's label, a blank label not claimed yet, or no label of ours."""
    tag = look_up_tag(code).tag
    if tag is not None and tag.location_id is not None:
        room = services.room_contents(current_user, tag.location_id)
        from tagsvc.repairs.services import open_room_report_for

        return render_template("scanning/room.html", room=room, code=tag.code, room_report=open_room_report_for(tag.location_id),
                               stocktakes=open_stocktakes_in_room(current_user, tag.location_id),
                               checks=checks_here(current_user, location_id=tag.location_id, code=tag.code) if tag.retired_at is None else [])
    if tag is not None and tag.is_blank and tag.retired_at is None:
        return render_template("scanning/blank.html", code=tag.code, form=AttachLabelForm())
    return render_template("scanning/unknown.html", code=code, malformed=normalize_code(code) is None), 404


@bp.post("/t/<code>/attach")
@login_required
def attach(code: str):
    """Attach a scanned blank label to an asset already in the register."""
    form = AttachLabelForm()
    if not form.validate_on_submit():
        flash(_("Type the asset number of the item this label is stuck on."), "error")
        return redirect(url_for("scanning.scan", code=code))
    try:
        asset = attach_blank_tag(current_user, code, form.asset_number.data)
    except TagsvcError as error:
        show_refusal(error)
        return redirect(url_for("scanning.scan", code=code))
    flash(_("The label %(code)s now belongs to %(name)s.", code=format_code(asset.current_tag.code), name=asset.name), "success")
    return redirect(url_for("scanning.scan", code=asset.current_tag.code))


def _may_be_signed_in() -> bool:
    """Whether the request carries a session or remember-me cookie. Most scans come from a phone that has
    never signed in: for them, loading the user and the session is skipped altogether."""
    cookies = request.cookies
    config = current_app.config
    return config["SESSION_COOKIE_NAME"] in cookies or config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies


def _public_scan_page(facts):
    # Most scans are anonymous and a label is read again and again: reuse the rendered, compressed page.
    key = page_key(facts, select_locale(), request.path, request.query_string)
    page = current_app.extensions["scan_page_cache"].get_or_render(key, lambda: render_template("scanning/scan.html", facts=facts))
    body, headers = page.response(gzip_accepted="gzip" in request.accept_encodings)
    # Already compressed when gzipped: Flask-Compress leaves a response with a Content-Encoding alone.
    return current_app.response_class(body, headers=headers)
