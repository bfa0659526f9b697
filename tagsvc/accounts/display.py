from tagsvc.i18n.markers import N_

from tagsvc.accounts.models import Role

ROLE_LABELS = {
    Role.ADMIN: N_("Logistics office (admin)"),
    Role.KEEPER: N_("Department asset keeper"),
    Role.STAFF: N_("Teacher / staff"),
    Role.REPAIRER: N_("Repair staff"),
    Role.DISTRICT: N_("Education bureau (区教育局)"),
}
# The school's office gives these roles; the bureau's accounts are made on the command line (tagsvc create-admin --bureau).
SCHOOL_ROLES = {role: label for role, label in ROLE_LABELS.items() if role != Role.DISTRICT}
