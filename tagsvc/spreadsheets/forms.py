from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField

EXISTING_CHOICES = [("skip", _l("Leave them as they are (skip those rows)")), ("update", _l("Update them from the file"))]


class UploadForm(FlaskForm):
    file = FileField(_l("The register file (.xlsx, .xls, .ods or CSV)"))


class ImportChoicesForm(FlaskForm):
    """The choices of the review page; the mapping and the matches travel as col-<n> and match-<kind>-<n> fields."""

    existing = RadioField(_l("Assets already in the register (same asset number)"), choices=EXISTING_CHOICES, default="skip")
    valid_rows_only = BooleanField(_l("Import the valid rows even if others have problems (else nothing is imported)"))
    expand_fixed = BooleanField(_l("Fixed assets and low-value items with a quantity: one asset (and label) each"), default=True)
    expand_consumable = BooleanField(_l("Consumables with a quantity: one asset each (else one record with the quantity)"), default=False)
