"""The API's pages: a person's tokens (on their account), and the API reference, drawn from the OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from tagsvc.api import tokens
from tagsvc.api.reference import reference_sections
from tagsvc.errors import TagsvcError, show_refusal
from tagsvc.forms import ConfirmForm

bp = Blueprint("api_pages", __name__)


class TokenForm(FlaskForm):
    name = StringField(_l("What will use it"), validators=[DataRequired(_l("Give the token a name.")), Length(max=100)])
    read_only = BooleanField(_l("Read only (it can look, not change)"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def token_list():
    form = TokenForm()
    new_secret, status = None, 200
    if form.validate_on_submit():
        try:
            token, new_secret = tokens.create_token(current_user, form.name.data, read_only=form.read_only.data)
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            form = TokenForm(formdata=None)
    elif form.errors:
        status = 400
    response = current_app.make_response((render_template("api/tokens.html", form=form, tokens=tokens.tokens_of(current_user),
                                                          new_secret=new_secret, confirm_form=ConfirmForm()), status))
    if new_secret:
        response.headers["Cache-Control"] = "no-store"  # the secret is on this page once, and kept nowhere else
    return response


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    form = ConfirmForm()
    status = 200
    if form.validate_on_submit():
        try:
            token = tokens.revoke_token(current_user, token_id)
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            flash(_("The token “%(name)s” is revoked: programs using it are refused from now on.", name=token.name), "success")
            return redirect(url_for("api_pages.token_list"))
    else:
        status = 400
    return render_template("api/tokens.html", form=TokenForm(formdata=None), tokens=tokens.tokens_of(current_user),
                           new_secret=None, confirm_form=ConfirmForm()), status


@bp.get("/api/v1/reference")
def reference():
    spec = current_app.extensions["tagsvc_api"].spec.to_dict()
    return render_template("api/reference.html", spec=spec, sections=reference_sections(spec), base_url=request.host_url.rstrip("/"))
