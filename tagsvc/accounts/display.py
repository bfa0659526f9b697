from flask_babel import lazy_gettext as _l

from tagsvc.accounts.models import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Logistics office (admin)"),
    Role.KEEPER: _l("Department asset keeper"),
    Role.STAFF: _l("Teacher / staff"),
    Role.REPAIRER: _l("Repair staff"),
}
