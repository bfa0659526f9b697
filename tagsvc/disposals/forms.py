from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from tagsvc.disposals.display import DISPOSAL_REASON_LABELS
from tagsvc.forms import optional_int


class ProposeDisposalForm(FlaskForm):
    """The items travel as repeated hidden `asset` fields (one from its page, or many ticked in the register)."""

    reason_kind = SelectField(_l("Why"), choices=[(k.value, _l(label)) for k, label in DISPOSAL_REASON_LABELS.items()])
    reason = TextAreaField(_l("Details (what is wrong, what a repair would cost, …)"), validators=[Length(max=2000)])
    repair_report_id = HiddenField(filters=[optional_int])
    photos = MultipleFileField(_l("Photos (up to 3)"))


class DecisionReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Say why: whoever proposed it reads it.")), Length(max=2000)])

