from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer

from tagsvc.accounts import services
from tagsvc.accounts.forms import LoginForm, PasswordForm, UserForm
from tagsvc.accounts.models import Role, User
from tagsvc.accounts.permissions import require_admin
from tagsvc.clients import client_fingerprint
from tagsvc.errors import TagsvcError, TooManyRequestsError, show_refusal
from tagsvc.extensions import db
from tagsvc.forms import ConfirmForm
from tagsvc.i18n.views import safe_next
from tagsvc.structure.services import all_departments

bp = Blueprint("accounts", __name__)

# A browser that signed in to an account before is known to it: a signed cookie of the account names (at most a few).
# Such a browser is not stopped by its network's address having failed too often (accounts.services.authenticate).
KNOWN_BROWSER_COOKIE = "tagsvc_known"
KNOWN_BROWSER_MAX_NAMES = 5
KNOWN_BROWSER_SECONDS = 365 * 24 * 3600


def _known_names() -> list[str]:
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="known-browser")
    try:
        names = serializer.loads(request.cookies.get(KNOWN_BROWSER_COOKIE, ""))
    except BadSignature:
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def _remember_browser(response, username: str):
    names = [username, *(n for n in _known_names() if n != username)][:KNOWN_BROWSER_MAX_NAMES]
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="known-browser")
    response.set_cookie(KNOWN_BROWSER_COOKIE, serializer.dumps(names), max_age=KNOWN_BROWSER_SECONDS, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def sign_in_browser(user, remember: bool) -> None:
    """A new sign-in for this browser: its session (and remember cookie) carry that sign-in alone."""
    services.start_sign_in(user, request.headers.get("User-Agent", ""))
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        name = (form.username.data or "").strip().lower()
        try:
            user = services.authenticate(form.username.data, form.password.data, client_fingerprint(request.remote_addr or ""),
                                         known_browser=name in _known_names())
        except TooManyRequestsError as error:
            flash(error.message, "error")
            return render_template("accounts/login.html", form=form), error.status_code
        if user is not None:
            sign_in_browser(user, remember=form.remember.data)
            return _remember_browser(redirect(safe_next(request.args.get("next"), url_for("home.index"))), user.username)
        flash(_("The user name or password is not right."), "error")
        status = 401
    elif form.errors:
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            services.end_sign_in(current_user.sign_in_key)
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("home.index"))


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    form = ConfirmForm()
    if form.validate_on_submit():
        services.sign_out_everywhere(current_user)
        logout_user()
        flash(_("You are signed out on every browser and phone. Sign in again here to go on."), "info")
        return redirect(url_for("accounts.login"))
    flash(_("Please check the form and send it again."), "error")
    return redirect(url_for("accounts.password"))


@bp.post("/admin/users/<int:user_id>/unlock")
@login_required
def unlock(user_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user = services.unlock_account(current_user, user_id)
        except TagsvcError as error:
            show_refusal(error)
        else:
            flash(_("%(name)s may sign in again at once.", name=user.username), "success")
    return redirect(url_for("accounts.users"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user, form.current.data, form.new.data)
        except TagsvcError as error:
            flash(error.message, "error")
            status = error.status_code
        else:
            # Every sign-in of the person ended with the old password; this browser goes on with a new one.
            sign_in_browser(current_user._get_current_object(), remember=current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies)
            flash(_("Your password is changed. Every other browser and phone signed in as you is signed out."), "success")
            return redirect(url_for("home.index"))
    elif form.errors:
        status = 400
    return render_template("accounts/password.html", form=form, sign_ins=services.active_sign_ins(current_user)), status


@bp.get("/admin/users")
@login_required
def users():
    page = services.list_users(current_user, page=request.args.get("page", 1, type=int) or 1)
    return render_template("accounts/users.html", page=page, locked=services.locked_out_names([u.username for u in page.items]),
                           unlock_form=ConfirmForm())


def _user_form(user=None) -> UserForm:
    form = UserForm(obj=user) if user is not None and request.method == "GET" else UserForm()
    if user is not None and request.method == "GET":
        form.role.data = user.role.value
        form.department_ids.data = [d.id for d in user.departments]
        form.password.data = ""
    form.department_ids.choices = [(d.id, d.name) for d in all_departments()]
    return form


def _user_data(form: UserForm) -> services.UserData:
    return services.UserData(
        username=form.username.data,
        display_name=form.display_name.data,
        role=Role(form.role.data),
        phone=form.phone.data or "",
        email=form.email.data or "",
        active=form.active.data,
        department_ids=tuple(form.department_ids.data or ()),
        password=form.password.data or "",
    )


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def create_user():
    require_admin(current_user)
    return _save_user(None)


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
def edit_user(user_id: int):
    require_admin(current_user)
    user = db.session.get(User, user_id)
    if user is None:
        return render_template("errors/404.html", message=_("There is no such account.")), 404
    return _save_user(user)


def _save_user(user):
    form = _user_form(user)
    status = 200
    if form.validate_on_submit():
        try:
            if user is None:
                saved = services.create_user(current_user, _user_data(form))
            else:
                saved = services.update_user(current_user, user.id, _user_data(form))
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            flash(_("The account %(name)s is saved.", name=saved.username), "success")
            return redirect(url_for("accounts.users"))
    elif form.errors:
        status = 400
    return render_template("accounts/user_form.html", form=form, user=user), status
