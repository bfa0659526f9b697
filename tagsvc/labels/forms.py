from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from tagsvc.structure.picker import TreePickerField

QR_LEVEL_CHOICES = [("M", _l("M: standard (about 15% may be damaged)")), ("H", _l("H: rough places such as dorms (about 30% may be damaged)"))]


class SheetSettingsForm(FlaskForm):
    """Which sheet, from which position, how robust a QR. Read from the query string for the preview (GET)
    and posted with a CSRF token to make the PDF."""

    sheet = SelectField(_l("Label sheet"))
    start = IntegerField(_l("First free position on the first sheet"), default=1, validators=[InputRequired(), NumberRange(min=1)])
    level = SelectField(_l("QR error correction"), choices=QR_LEVEL_CHOICES, default="M")


class RoomLabelsForm(SheetSettingsForm):
    location = TreePickerField(_l("Location"), tree_name="locations", validators=[DataRequired(message=_l("Choose the place to print room labels for."))])
    include_inside = BooleanField(_l("Also every place inside it"), default=True)


class BlankLabelsForm(SheetSettingsForm):
    count = IntegerField(_l("Number of blank labels"), default=24, validators=[InputRequired(), NumberRange(min=1, max=2000)])


class PrinterOffsetForm(FlaskForm):
    x_mm = DecimalField(_l("Move right (mm)"), places=1, validators=[InputRequired(), NumberRange(min=-15, max=15)])
    y_mm = DecimalField(_l("Move down (mm)"), places=1, validators=[InputRequired(), NumberRange(min=-15, max=15)])
