from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tagsvc.assets.display import CONDITION_LABELS
from tagsvc.assets.models import AssetCondition
from tagsvc.forms import optional_int
from tagsvc.loans.display import HANDOUT_KIND_LABELS, RECIPIENT_KIND_LABELS
from tagsvc.structure.picker import TreePickerField


class StartHandoutForm(FlaskForm):
    """Who receives the items. Which fields count depends on the kind of recipient (the service checks)."""

    kind = RadioField(_l("Loan or handover"), choices=[(k.value, _l(label)) for k, label in HANDOUT_KIND_LABELS.items()], default="loan")
    recipient_kind = SelectField(_l("To whom"), choices=[(k.value, _l(label)) for k, label in RECIPIENT_KIND_LABELS.items()], default="student")
    name = StringField(_l("Person's name"), validators=[Length(max=100)])
    user_id = SelectField(_l("Or choose a member of staff"), coerce=optional_int)
    class_name = StringField(_l("Class, when it is not in the list above"), validators=[Length(max=100)])
    department_id = SelectField(_l("Class or department"), coerce=optional_int)
    location_id = TreePickerField(_l("Room"), tree_name="locations")
    contact = StringField(_l("Phone or contact"), validators=[Length(max=100)])
    due_on = DateField(_l("Due back on"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    asset = HiddenField()  # an item to hand out first (from its page)


class ItemForm(FlaskForm):
    code = StringField(_l("Code or label address"), validators=[DataRequired(message=_l("Type or scan a label's code.")), Length(max=300)])


class ReturnForm(FlaskForm):
    code = StringField(_l("Code or label address"), validators=[DataRequired(message=_l("Type or scan a label's code.")), Length(max=300)])
    condition = SelectField(_l("Condition on return"), choices=[(c.value, _l(label)) for c, label in CONDITION_LABELS.items()], default=AssetCondition.GOOD.value)
    damage = TextAreaField(_l("Damaged? Say what is wrong (opens a damage report naming the borrower)"), validators=[Length(max=2000)])
    note = StringField(_l("Note"), validators=[Length(max=2000)])


class SignatureForm(FlaskForm):
    """The drawn signature travels as a PNG data URL made by the page's script from its canvas."""

    signer = StringField(_l("Name of whoever signs"), validators=[DataRequired(message=_l("Write the name of whoever signs (at most 100 characters).")),
                                                                 Length(max=100)])
    picture = HiddenField()
