from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tagsvc.forms import optional_int
from tagsvc.structure.picker import TreePickerField
from tagsvc.repairs.display import DAMAGE_KIND_LABELS, PARTY_KIND_LABELS, PRIORITY_LABELS
from tagsvc.repairs.models import Priority


class ReporterFields:
    reporter_name = StringField(_l("Your name (optional)"), validators=[Length(max=100)])
    reporter_group = StringField(_l("Class or department (optional)"), validators=[Length(max=100)])
    reporter_contact = StringField(_l("Phone or WeChat (optional)"), validators=[Length(max=100)])


class DamageReportForm(ReporterFields, FlaskForm):
    # Nothing chosen in advance: the person says what is wrong, or is asked to.
    kind = RadioField(_l("What is wrong?"), choices=[(k.value, _l(v)) for k, v in DAMAGE_KIND_LABELS.items()],
                      validators=[InputRequired(message=_l("Choose what is wrong."))])
    description = TextAreaField(_l("Describe it"), validators=[DataRequired(message=_l("Please describe what is wrong.")), Length(max=2000)])
    photos = MultipleFileField(_l("Photos (up to 3)"))


class AddToReportForm(ReporterFields, FlaskForm):
    note = TextAreaField(_l("What you saw (optional)"), validators=[Length(max=2000)])


class TriageForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[("accept", _l("Accept: it is a fault")), ("reject", _l("Reject: not a fault")), ("merge", _l("Merge into another report"))], default="accept")
    priority = SelectField(_l("Priority"), choices=[(p.value, _l(v)) for p, v in PRIORITY_LABELS.items()], default=Priority.NORMAL.value)
    assignee_id = SelectField(_l("Repairer"), coerce=optional_int)
    merge_into_id = SelectField(_l("Same fault as"), coerce=optional_int)
    note = TextAreaField(_l("Note (needed to reject)"), validators=[Length(max=2000)])


class FinishForm(FlaskForm):
    outcome = RadioField(_l("Result"), choices=[("done", _l("Repaired")), ("not_repairable", _l("Not repairable: propose disposal"))], default="done")
    note = TextAreaField(_l("What was done"), validators=[DataRequired(message=_l("Say what was done (or why it cannot be repaired).")), Length(max=2000)])
    parts_cost = DecimalField(_l("Cost of parts (yuan)"), places=2, validators=[Optional(), NumberRange(min=0, max=1000000)])
    photo = MultipleFileField(_l("Photo (optional)"))


class LiabilityForm(FlaskForm):
    party_kind = SelectField(_l("Who answers for it"), choices=[(k.value, _l(v)) for k, v in PARTY_KIND_LABELS.items()])
    person_name = StringField(_l("Student's name"), validators=[Length(max=100)])
    department_id = SelectField(_l("Class or department"), coerce=optional_int)
    location_id = TreePickerField(_l("Dorm room"), tree_name="locations")
    amount = StringField(_l("Amount to pay (yuan)"), default="0", validators=[Length(max=20)])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET report changes nothing

    start = DateField(_l("From"), validators=[InputRequired()])
    end = DateField(_l("To"), validators=[InputRequired()])
