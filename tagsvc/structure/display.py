from flask_babel import lazy_gettext as _l

from tagsvc.structure.models import AssetKind, DepartmentKind, LocationKind

DEPARTMENT_KIND_LABELS = {
    DepartmentKind.OFFICE: _l("Office"),
    DepartmentKind.TEACHING_GROUP: _l("Teaching group"),
    DepartmentKind.CLASS: _l("Class"),
    DepartmentKind.DORM_BLOCK: _l("Dorm block"),
    DepartmentKind.OTHER: _l("Other"),
}

LOCATION_KIND_LABELS = {
    LocationKind.CAMPUS: _l("Campus"),
    LocationKind.BUILDING: _l("Building"),
    LocationKind.FLOOR: _l("Floor"),
    LocationKind.ROOM: _l("Room"),
    LocationKind.SPOT: _l("Bed or spot"),
}

ASSET_KIND_LABELS = {
    AssetKind.FIXED_ASSET: _l("Fixed asset"),
    AssetKind.LOW_VALUE: _l("Low-value consumable"),
    AssetKind.CONSUMABLE: _l("Consumable"),
}
