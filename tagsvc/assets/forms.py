from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, DateField, DecimalField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from tagsvc.assets.display import CONDITION_LABELS, STATUS_LABELS
from tagsvc.assets.models import AssetCondition, AssetStatus
from tagsvc.assets.services import AssetQuery
from tagsvc.forms import optional_int
from tagsvc.structure.picker import TreePickerField
from tagsvc.i18n.markers import N_


class AssetForm(FlaskForm):
    asset_number = StringField(_l("Asset number"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    category_id = TreePickerField(_l("Category"), tree_name="categories")
    brand = StringField(_l("Brand"), validators=[Length(max=100)])
    model = StringField(_l("Model / specification"), validators=[Length(max=200)])
    serial_number = StringField(_l("Serial number"), validators=[Length(max=100)])
    department_id = SelectField(_l("Department"), coerce=optional_int)
    location_id = TreePickerField(_l("Location"), tree_name="locations")
    custodian_name = StringField(_l("Custodian"), validators=[Length(max=100)])
    custodian_phone = StringField(_l("Custodian's phone"), validators=[Length(max=40)])
    status = SelectField(_l("Status"), choices=[(s.value, _l(label)) for s, label in STATUS_LABELS.items()], default=AssetStatus.IN_USE.value)
    condition = SelectField(
        _l("Condition"), choices=[(c.value, _l(label)) for c, label in CONDITION_LABELS.items()], default=AssetCondition.GOOD.value
    )
    purchase_date = DateField(_l("Purchase date"), validators=[Optional()])
    price = DecimalField(_l("Price (yuan)"), places=2, validators=[Optional(), NumberRange(min=0, max=9_999_999_999)])
    supplier = StringField(_l("Supplier"), validators=[Length(max=200)])
    invoice_number = StringField(_l("Invoice number"), validators=[Length(max=100)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=4000)])
    photo = FileField(_l("Photo"), validators=[FileAllowed(["jpg", "jpeg", "png", "webp", "heic", "heif"], _l("Only JPEG, PNG, WebP and HEIC photos are accepted."))])
    # Edit only: the version the form was opened on and the values it showed then, so that a change someone else
    # saved meanwhile is shown to the person instead of being overwritten unseen.
    version = HiddenField()
    original = HiddenField()
    opened_at = HiddenField()


class AssetFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Search"))
    department = SelectField(_l("Department"), coerce=optional_int)
    location = TreePickerField(_l("Location"), tree_name="locations")
    category = TreePickerField(_l("Category"), tree_name="categories")
    status = SelectField(_l("Status"))
    never_printed = BooleanField(_l("Label never printed"))
    sort = SelectField(_l("Sort by"))


SORT_LABELS = {
    "number": N_("Asset number"),
    "name": N_("Name"),
    "-updated": N_("Recently changed"),
}


def asset_filter_from_args(args, per_page: int) -> tuple[AssetFilterForm, AssetQuery]:
    """The asset list's filters read from a query string; an unknown value means "no filter" rather than an
    error page, so an old bookmark still opens."""
    from flask_babel import gettext as _

    from tagsvc.structure.services import all_departments

    form = AssetFilterForm(args)
    form.department.choices = [("", _("All departments"))] + [(str(d.id), d.name) for d in all_departments()]
    form.status.choices = [("", _("Any status"))] + [(s.value, _(label)) for s, label in STATUS_LABELS.items()]
    form.sort.choices = [(key, _(label)) for key, label in SORT_LABELS.items()]
    form.validate()

    def valid(field):
        return field.data if not field.errors else None

    status = args.get("status")
    query = AssetQuery(
        text=args.get("q", ""),
        department_id=valid(form.department),
        location_id=valid(form.location),
        category_id=valid(form.category),
        status=AssetStatus(status) if status in AssetStatus._value2member_map_ else None,
        never_printed=bool(form.never_printed.data),
        sort=args.get("sort", "number"),
        page=args.get("page", 1, type=int) or 1,
        per_page=args.get("per_page", type=int) or per_page,
        import_run=args.get("import", type=int),
    )
    return form, query


def active_filter_count(form: AssetFilterForm) -> int:
    """How many filters narrow the list (the search words are shown in their own box)."""
    narrowing = [form.department, form.location, form.category, form.status, form.never_printed]
    count = sum(1 for field in narrowing if field.data and not field.errors)
    return count + (1 if form.sort.data not in (None, "", "number") else 0)
