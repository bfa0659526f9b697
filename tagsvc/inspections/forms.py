from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tagsvc.stocktake.forms import CheckboxesField
from tagsvc.structure.picker import TreePickerField


class PlanForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the plan a name (up to 200 characters).")), Length(max=200)])
    target_kind = RadioField(_l("What is checked"), validators=[InputRequired(message=_l("Choose what is checked and how often."))])
    category_id = TreePickerField(_l("Category (its items, and those of the categories below it)"), tree_name="categories")
    asset_numbers = TextAreaField(_l("Items: their asset numbers, one a line"), validators=[Length(max=40_000)])
    location_ids = CheckboxesField(_l("Rooms, or buildings and floors for every room in them"), coerce=int)
    checklist = TextAreaField(_l("Checklist: one line each"), validators=[DataRequired(message=_l("A plan needs at least one checklist line.")),
                                                                           Length(max=10_000)])
    frequency = SelectField(_l("How often"))
    starts_on = DateField(_l("From"), validators=[InputRequired(message=_l("Say from which day the plan runs."))])
    ends_on = DateField(_l("Until (optional; a one-off round: the day it is done by)"), validators=[Optional()])
    inspector_ids = CheckboxesField(_l("Inspectors"), coerce=int)
    department_ids = CheckboxesField(_l("… and the people of these departments"), coerce=int)
    service_years = IntegerField(_l("Years of service of an item (optional; e.g. 10 for a dry-powder extinguisher)"),
                                 validators=[Optional(), NumberRange(min=1, max=50, message=_l("Years of service: from 1 to 50, or empty."))])
    replace_warning_days = IntegerField(_l("Tell the office this many days before an item's service ends"), default=60,
                                        validators=[Optional(), NumberRange(min=0, max=365, message=_l("Warn from 0 to 365 days before an item's service ends."))])
    version = HiddenField()
