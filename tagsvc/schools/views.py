"""The school's own settings page, for its office."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tagsvc.errors import TagsvcError, show_refusal
from tagsvc.extensions import db
from tagsvc.i18n.views import LANGUAGES
from tagsvc.schools.forms import SchoolSettingsForm
from tagsvc.schools.models import School
from tagsvc.schools.services import change_settings

bp = Blueprint("schools", __name__, url_prefix="/admin/school")


@bp.route("", methods=["GET", "POST"])
@login_required
def settings():
    if not current_user.is_admin:
        abort(403)
    school = db.session.get(School, current_user.school_id)
    installation = current_app.config
    form = SchoolSettingsForm(data=None if school is None else {"fixed_asset_threshold": school.fixed_asset_threshold,
                                                                  "default_language": school.default_language})
    form.default_language.choices = [("", _("As the installation: %(language)s", language=LANGUAGES.get(installation["DEFAULT_LANGUAGE"], "中文")))] + [
        (code, name) for code, name in LANGUAGES.items()]
    status = 200
    if form.validate_on_submit():
        try:
            change_settings(current_user, form.fixed_asset_threshold.data, form.default_language.data or "")
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            flash(_("Saved: the school's pages and imports use these settings now."), "success")
            return redirect(url_for("schools.settings"))
    elif form.errors:
        status = 400
    return render_template("schools/settings.html", form=form, school=school,
                           installation_threshold=installation.get("FIXED_ASSET_THRESHOLD", 1000)), status
