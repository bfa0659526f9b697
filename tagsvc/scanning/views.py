from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user

from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tagsvc.ledger.services import history_of
from tagsvc.scanning.page_cache import PageCache
from tagsvc.scanning.services import scan_facts
from tagsvc.tags.services import normalize_code

bp = Blueprint("scanning", __name__)


@bp.record_once
def _set_up_page_cache(state) -> None:
    state.app.extensions["scan_page_cache"] = PageCache()


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("assets.index"))
    return render_template("scanning/home.html")


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
    facts = scan_facts(code)
    if facts is None:
        return render_template("scanning/unknown.html", code=code, malformed=normalize_code(code) is None), 404
    if current_user.is_authenticated and (current_user.sees_all_assets or current_user.keeps(facts.department_id)):
        asset = db.session.get(Asset, facts.asset_id)
        return render_template("scanning/scan.html", facts=facts, asset=asset, history=history_of(asset.id, limit=20))
    if current_user.is_authenticated or session.get("_flashes"):
        return render_template("scanning/scan.html", facts=facts)
    # Most scans are anonymous and a label is read again and again: reuse the rendered, compressed page.
    key = (facts, str(get_locale()), request.full_path)
    page = current_app.extensions["scan_page_cache"].get_or_render(key, lambda: render_template("scanning/scan.html", facts=facts))
    if "gzip" in request.accept_encodings:
        response = current_app.response_class(page.gzipped, mimetype="text/html")
        response.headers["Content-Encoding"] = "gzip"  # already compressed: Flask-Compress leaves it alone
    else:
        response = current_app.response_class(page.html, mimetype="text/html")
    response.vary.update(("Accept-Encoding", "Accept-Language", "Cookie"))
    return response
