from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from tagsvc.forms import optional_int
from tagsvc.structure.picker import TreePickerField


class RequestTransferForm(FlaskForm):
    """The items travel as repeated hidden `asset` fields (a class's 40 desks chosen in the register)."""

    to_department_id = SelectField(_l("Receiving department"), coerce=optional_int)
    to_location_id = TreePickerField(_l("New place (if known)"), tree_name="locations")
    to_custodian = StringField(_l("New custodian (if known)"), validators=[Length(max=100)])
    reason = TextAreaField(_l("Why they move"), validators=[Length(max=2000)])
    direct = BooleanField(_l("Record it as done by the office: no approvals needed"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Say why: the other side reads it.")), Length(max=2000)])


class ArrivalForm(FlaskForm):
    code = StringField(_l("Code or label address"), validators=[DataRequired(message=_l("Type or scan a label's code.")), Length(max=300)])
    method = HiddenField(default="typed")
    next = HiddenField()


class OfferToSchoolForm(FlaskForm):
    """A transfer to another school (划拨); the items travel as repeated hidden `asset` fields."""

    to_school_id = SelectField(_l("Receiving school"), coerce=optional_int)
    reason = TextAreaField(_l("Why they go"), validators=[Length(max=2000)])


class AcceptOfferForm(FlaskForm):
    """The receiving school says where the items go."""

    to_department_id = SelectField(_l("Receiving department"), coerce=optional_int)
    to_location_id = TreePickerField(_l("New place (if known)"), tree_name="locations")
    to_custodian = StringField(_l("New custodian (if known)"), validators=[Length(max=100)])
