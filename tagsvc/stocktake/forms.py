from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FileField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tagsvc.forms import optional_int
from tagsvc.structure.picker import TreePickerField


class CheckboxesField(SelectMultipleField):
    """A short list to tick, rather than a multiple select that phones show badly."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OpenStocktakeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the stocktake a name.")), Length(max=200)])
    deadline = DateField(_l("Deadline (optional)"), validators=[Optional()])
    location_id = TreePickerField(_l("Place (a building, floor or room, with everything inside it)"), tree_name="locations")
    department_ids = CheckboxesField(_l("Departments"), coerce=int)
    category_id = TreePickerField(_l("Category (with its subcategories)"), tree_name="categories")
    kinds = CheckboxesField(_l("Property kinds"))
    keepers_take_part = BooleanField(_l("The keepers of the departments in scope take part"), default=True)


class AssignForm(FlaskForm):
    user_id = SelectField(_l("Person"), coerce=optional_int)
    department_id = SelectField(_l("Their part: a department"), coerce=optional_int)
    location_id = TreePickerField(_l("… or a place"), tree_name="locations")


class ConfirmItemForm(FlaskForm):
    """The one-tap button on a label's page, and the typed-code field: both carry an id made when the page was
    drawn, so a double tap or a resent form counts once."""

    code = StringField(_l("Code or label address"), validators=[DataRequired(message=_l("Type or scan a label's code.")), Length(max=300)])
    room = HiddenField()
    scan_id = HiddenField()
    method = HiddenField(default="typed")
    next = HiddenField()


class RoomForm(FlaskForm):
    class Meta:
        csrf = False  # choosing where you stand changes nothing in the books

    room = SelectField(_l("Room"), coerce=optional_int)


class FindingForm(FlaskForm):
    name = StringField(_l("What is it?"), validators=[DataRequired(message=_l("Say what the item is.")), Length(max=200)])
    code = StringField(_l("Code on its label, if it has one"), validators=[Length(max=300)])
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=2000)])
    photo = FileField(_l("Photo (optional)"))
    room = HiddenField()
    scan_id = HiddenField()


class ConditionForm(FlaskForm):
    condition = SelectField(_l("Condition"))


class CloseForm(FlaskForm):
    pending_override = IntegerField(validators=[Optional()])
    confirmed = HiddenField(default="yes")  # sent only by the confirmation page (stocktake/close.html)


class ResolveItemForm(FlaskForm):
    resolution = SelectField(_l("Decision"))
    department_id = SelectField(_l("Department"), coerce=optional_int)
    note = StringField(_l("Note"), validators=[Length(max=2000)])


class ResolveFindingForm(FlaskForm):
    resolution = SelectField(_l("Decision"))
    asset_number = StringField(_l("Asset number"), validators=[Length(max=64)])
    department_id = SelectField(_l("Department"), coerce=optional_int)
    note = StringField(_l("Note"), validators=[Length(max=2000)])
