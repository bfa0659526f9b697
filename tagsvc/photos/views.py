from io import BytesIO

from flask import Blueprint, send_file

from tagsvc.photos.services import stored_photo

bp = Blueprint("photos", __name__)


@bp.get("/photos/<name>")
def show(name: str):
    # Photos are public on purpose: the scan page shows them. Names are random and unguessable.
    return send_file(BytesIO(stored_photo(name)), mimetype="image/jpeg", max_age=30 * 24 * 3600, download_name=name)
