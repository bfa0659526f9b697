from tagsvc.i18n.markers import N_
from tagsvc.loans.models import HandoutKind, RecipientKind

HANDOUT_KIND_LABELS = {HandoutKind.LOAN: N_("Loan (借用): comes back by a due date"),
                       HandoutKind.ISSUE: N_("For dedicated use (领用): the recipient keeps it")}
HANDOUT_TITLES = {HandoutKind.LOAN: N_("Loan %(number)s"), HandoutKind.ISSUE: N_("Handover %(number)s")}
RECIPIENT_KIND_LABELS = {RecipientKind.STUDENT: N_("A student"), RecipientKind.STAFF: N_("A teacher or member of staff"),
                         RecipientKind.DEPARTMENT: N_("A department (loan)"), RecipientKind.ROOM: N_("A room (dedicated use)")}
