from tagsvc.i18n.markers import N_

from tagsvc.accounts.models import Role

ROLE_LABELS = {
    Role.ADMIN: N_("Logistics office (admin)"),
    Role.KEEPER: N_("Department asset keeper"),
    Role.STAFF: N_("Teacher / staff"),
    Role.REPAIRER: N_("Repair staff"),
}
