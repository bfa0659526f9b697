from tagsvc.i18n.markers import N_

from tagsvc.structure.models import AssetKind, DepartmentKind, LocationKind

DEPARTMENT_KIND_LABELS = {
    DepartmentKind.OFFICE: N_("Office"),
    DepartmentKind.TEACHING_GROUP: N_("Teaching group"),
    DepartmentKind.CLASS: N_("Class"),
    DepartmentKind.DORM_BLOCK: N_("Dorm block"),
    DepartmentKind.OTHER: N_("Other"),
}

LOCATION_KIND_LABELS = {
    LocationKind.CAMPUS: N_("Campus"),
    LocationKind.BUILDING: N_("Building"),
    LocationKind.FLOOR: N_("Floor"),
    LocationKind.ROOM: N_("Room"),
    LocationKind.SPOT: N_("Bed or spot"),
}

ASSET_KIND_LABELS = {
    AssetKind.FIXED_ASSET: N_("Fixed asset"),
    AssetKind.LOW_VALUE: N_("Low-value consumable"),
    AssetKind.CONSUMABLE: N_("Consumable"),
}
