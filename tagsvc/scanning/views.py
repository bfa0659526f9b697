from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from tagsvc.extensions import db
from tagsvc.ledger.services import history_of
from tagsvc.assets.models import Asset
from tagsvc.tags.services import look_up_tag, normalize_code

bp = Blueprint("scanning", __name__)


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
    found = look_up_tag(code)
    tag = found.tag
    if tag is None or tag.asset_id is None:
        return render_template("scanning/unknown.html", code=code, malformed=normalize_code(code) is None), 404
    asset = db.session.get(Asset, tag.asset_id)
    signed_in = current_user.is_authenticated
    can_read_private = signed_in and (current_user.sees_all_assets or current_user.keeps(asset.department_id))
    return render_template(
        "scanning/scan.html",
        asset=asset,
        tag=tag,
        current_tag=found.current,
        show_private=can_read_private,
        history=history_of(asset.id, limit=20) if can_read_private else [],
    )
