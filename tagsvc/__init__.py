"""tagsvc: QR asset tagging for schools."""
from __future__ import annotations

import hashlib

from flask import Flask, request, url_for
from markupsafe import Markup
from flask_login import current_user

from tagsvc.config import PROJECT_ROOT, Config, validate_config
from tagsvc.errors import register_error_handlers
from tagsvc.extensions import babel, compress, csrf, db, login_manager


def import_models() -> None:
    """Every feature's tables, so metadata (and Alembic) sees them all."""
    from tagsvc.accounts import models as _accounts  # noqa: F401
    from tagsvc.channels import models as _channels  # noqa: F401
    from tagsvc.api import models as _api  # noqa: F401
    from tagsvc.assets import holds as _holds  # noqa: F401
    from tagsvc.assets import models as _assets  # noqa: F401
    from tagsvc.disposals import models as _disposals  # noqa: F401
    from tagsvc.district import models as _district  # noqa: F401
    from tagsvc.inspections import models as _inspections  # noqa: F401
    from tagsvc.jobs import models as _jobs  # noqa: F401
    from tagsvc.labels import models as _labels  # noqa: F401
    from tagsvc.ledger import documents as _documents  # noqa: F401
    from tagsvc.ledger import models as _ledger  # noqa: F401
    from tagsvc.loans import models as _loans  # noqa: F401
    from tagsvc.repairs import models as _repairs  # noqa: F401
    from tagsvc.schools import models as _schools  # noqa: F401
    from tagsvc.spreadsheets import models as _spreadsheets  # noqa: F401
    from tagsvc.stocktake import models as _stocktake  # noqa: F401
    from tagsvc.storage import models as _storage  # noqa: F401
    from tagsvc.structure import models as _structure  # noqa: F401
    from tagsvc.tags import models as _tags  # noqa: F401
    from tagsvc.transfers import models as _transfers  # noqa: F401


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.update(Config().as_dict())
    if config:
        app.config.update(config)
    validate_config(app.config)

    import_models()
    from tagsvc import input_checks

    input_checks.init_app(app)  # first: no view, not even the API's sign-in, reads input that cannot be typed
    db.init_app(app)
    from tagsvc.storage import init_storage

    init_storage(app)
    csrf.init_app(app)
    compress.init_app(app)
    _init_login(app)
    _init_babel(app)
    _register_blueprints(app)
    from tagsvc.api import init_api

    init_api(app)
    from tagsvc.schools import web as schools

    schools.init_app(app)  # after the API's sign-in by token: the request's school is its person's
    register_error_handlers(app)
    _init_templates(app)
    from tagsvc import security_headers

    security_headers.init_app(app)

    from tagsvc.cli import register_commands

    register_commands(app)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Outermost, so the scan page's fast path and Flask both see the client's own address and scheme.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=app.config["TRUSTED_PROXIES"])
    return app


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l


    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.login_message_category = "info"

    @app.before_request
    def forget_an_earlier_requests_user() -> None:
        # Flask-Login keeps the user in g, and a request made inside an app context that is already pushed (a
        # test client's, a CLI command's) shares that g: each request must load its own sign-in and language.
        from flask import g

        g.pop("_login_user", None)
        g.pop("_flask_babel", None)  # the same for Flask-Babel's cached language

    @login_manager.user_loader
    def load_user(user_id: str):
        from tagsvc.accounts.services import signed_in_user

        return signed_in_user(user_id)


def _init_babel(app: Flask) -> None:
    from tagsvc.i18n import select_locale
    from tagsvc.i18n.templating import translation_functions

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(PROJECT_ROOT / "tagsvc" / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(translation_functions)


def _register_blueprints(app: Flask) -> None:
    from tagsvc import accounts, assets, home, i18n, photos, scanning, structure
    from tagsvc.labels import views as labels
    from tagsvc.repairs import views as repairs
    from tagsvc.stocktake import views as stocktake
    from tagsvc.transfers import views as transfers
    from tagsvc.loans import views as loans
    from tagsvc.disposals import views as disposals
    from tagsvc.approvals import views as approvals
    from tagsvc.spreadsheets import views as spreadsheets
    from tagsvc.reports import views as reports
    from tagsvc.channels import views as channels
    from tagsvc.district import views as district
    from tagsvc.schools import views as schools
    from tagsvc.inspections import views as inspections

    from tagsvc.structure.views import pick_bp

    for feature in (i18n, home, accounts, structure, assets, labels, repairs, stocktake, transfers, loans, disposals, approvals, spreadsheets, reports, channels, district, schools, inspections, photos, scanning):
        app.register_blueprint(feature.bp)
    app.register_blueprint(pick_bp)


def _init_templates(app: Flask) -> None:
    from flask_babel import format_date, format_datetime, get_locale

    from tagsvc.accounts.display import ROLE_LABELS
    from tagsvc.assets.display import CONDITION_LABELS, FIELD_LABELS, STATUS_EXPLANATIONS, STATUS_LABELS
    from tagsvc.i18n.views import LANGUAGES
    from tagsvc.labels.display import JOB_KIND_LABELS, JOB_STATUS_LABELS
    from tagsvc.repairs.display import DAMAGE_KIND_LABELS, PRIORITY_LABELS, REPORT_STATUS_LABELS
    from tagsvc.menu.rendering import signed_in_menu
    from tagsvc.repairs.services import readable_report_ids
    from tagsvc.ledger.display import ACTION_LABELS, ledger_value_label, report_reference
    from tagsvc.tags.services import format_code
    from tagsvc.transfers.display import (SCHOOL_TRANSFER_STATUS_LABELS, SCHOOL_TRANSFER_STATUS_STYLE, TRANSFER_STATUS_LABELS,
                                          TRANSFER_STATUS_STYLE)
    from tagsvc.loans.display import HANDOUT_TITLES
    from tagsvc.disposals.display import DISPOSAL_REASON_LABELS, DISPOSAL_STATUS_LABELS, DISPOSAL_STATUS_STYLE

    app.jinja_env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        STATUS_EXPLANATIONS=STATUS_EXPLANATIONS,
        CONDITION_LABELS=CONDITION_LABELS,
        FIELD_LABELS=FIELD_LABELS,
        LANGUAGES=LANGUAGES,
        ACTION_LABELS=ACTION_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        JOB_STATUS_LABELS=JOB_STATUS_LABELS,
        JOB_KIND_LABELS=JOB_KIND_LABELS,
        DAMAGE_KIND_LABELS=DAMAGE_KIND_LABELS,
        PRIORITY_LABELS=PRIORITY_LABELS,
        REPORT_STATUS_LABELS=REPORT_STATUS_LABELS,
        TRANSFER_STATUS_LABELS=TRANSFER_STATUS_LABELS,
        HANDOUT_TITLES=HANDOUT_TITLES,
        DISPOSAL_STATUS_LABELS=DISPOSAL_STATUS_LABELS,
        DISPOSAL_STATUS_STYLE=DISPOSAL_STATUS_STYLE,
        DISPOSAL_REASON_LABELS=DISPOSAL_REASON_LABELS,
        TRANSFER_STATUS_STYLE=TRANSFER_STATUS_STYLE,
        SCHOOL_TRANSFER_STATUS_LABELS=SCHOOL_TRANSFER_STATUS_LABELS,
        SCHOOL_TRANSFER_STATUS_STYLE=SCHOOL_TRANSFER_STATUS_STYLE,
        signed_in_menu=signed_in_menu,
        ledger_value_label=ledger_value_label,
        report_reference=report_reference,
        readable_report_ids=readable_report_ids,
    )
    from tagsvc.i18n.messages import join_names

    app.jinja_env.filters.update(format_code=format_code, date=format_date, datetime=format_datetime, join_names=join_names)
    from tagsvc.input_checks import without_direction_overrides

    # Names that came in before the boundary check (an old database, an imported file) still never read backwards.
    app.jinja_env.finalize = without_direction_overrides
    # The stylesheet is inlined: a scanned label's page then arrives whole in the first round trip,
    # with no second request on a slow phone connection. It is read once, at start-up.
    static = PROJECT_ROOT / "tagsvc" / "static"
    app.jinja_env.globals["INLINE_CSS"] = Markup((static / "app.css").read_text(encoding="utf-8"))
    app.jinja_env.globals["MENU_CSS"] = Markup((static / "menu.css").read_text(encoding="utf-8"))
    # The signed-in pages' own files (staff.css: lists, filters, pickers; their scripts) are linked, not inlined: the
    # scan page never needs them, and a browser keeps them (7 days) under a name that changes with them.
    versions = {path.relative_to(static).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
                for path in static.rglob("*") if path.is_file()}

    def static_url(filename: str) -> str:
        return url_for("static", filename=filename, v=versions.get(filename))

    app.jinja_env.globals["static_url"] = static_url

    from tagsvc.schools.web import school_name

    app.jinja_env.filters["school"] = school_name  # a school's name by its id: the bureau's lists name each row's

    @app.context_processor
    def page_context():
        return {
            "current_locale": str(get_locale()),
            "school_name": school_name(),
            "here": request.full_path.rstrip("?") if request else "/",
            "current_user": current_user,
        }
