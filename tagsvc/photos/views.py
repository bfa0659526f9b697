from flask import Blueprint, send_file

from tagsvc.photos.services import stored_photo_path

bp = Blueprint("photos", __name__)


@bp.get("/photos/<name>")
def show(name: str):
    # Photos are public on purpose: the scan page shows them. Names are random and unguessable.
    return send_file(stored_photo_path(name), mimetype="image/jpeg", max_age=30 * 24 * 3600)
