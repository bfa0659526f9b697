"""The register's columns as spreadsheets name them: the header tagsvc writes (Chinese and English) and the synonyms
it recognises when reading a school's own ledger or a finance system's export (FIELD-NOTES: real column headers)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from tagsvc.i18n.markers import N_


@dataclass(frozen=True)
class Column:
    key: str
    zh: str  # the header an export writes in Chinese
    en: str  # and in English (a message id as well: the mapping page shows it translated)
    synonyms: tuple[str, ...] = ()
    kept: bool = True  # False: recognised, so not reported as unknown, but tagsvc keeps no such field


COLUMNS = (
    Column("asset_number", "资产编号", N_("Asset number"), ("资产代码", "卡片编号", "资产卡片号", "编号", "资产编码", "asset tag", "asset no", "asset id")),
    Column("name", "资产名称", N_("Name"), ("名称", "物品名称", "设备名称", "品名", "asset name")),
    Column("category", "资产分类", N_("Category"), ("分类", "分类代码", "资产类别", "类别", "分类名称", "资产分类代码")),
    Column("model", "规格型号", N_("Model / specification"), ("规格", "型号", "规格型号及参数", "specification", "model")),
    Column("brand", "品牌", N_("Brand"), ("厂牌", "生产厂家", "厂家", "manufacturer")),
    Column("unit", "计量单位", N_("Unit"), ("单位",), kept=False),
    Column("quantity", "数量", N_("Quantity"), ("数目", "qty")),
    Column("price", "单价", N_("Unit price (yuan)"), ("原值", "账面原值", "价值", "单价(元)", "单价（元）", "原值(元)", "原值（元）", "unit price", "price", "book value")),
    Column("amount", "金额", N_("Amount (yuan)"), ("总价", "金额(元)", "金额（元）", "合计", "amount", "total")),
    Column("purchase_date", "取得日期", N_("Purchase date"), ("购置日期", "入账日期", "购买日期", "购入日期", "启用日期", "acquired", "date acquired")),
    Column("department", "使用部门", N_("Department"), ("管理部门", "部门", "使用单位", "管理机构", "所属部门")),
    Column("location", "存放地点", N_("Location"), ("位置", "地点", "存放位置", "放置地点", "place")),
    Column("custodian", "使用人", N_("Custodian"), ("保管人", "责任人", "领用人", "使用者", "keeper", "user")),
    Column("status", "使用状况", N_("Status"), ("状态", "使用状态", "资产状态", "condition of use")),
    Column("supplier", "供应商", N_("Supplier"), ("供货商", "销售商", "vendor")),
    Column("invoice_number", "发票号", N_("Invoice number"), ("发票号码", "发票", "invoice")),
    Column("funding", "资金来源", N_("Funding"), ("经费来源", "经费", "资金渠道"), kept=False),
    Column("serial_number", "序列号", N_("Serial number"), ("出厂编号", "sn", "serial")),
    Column("notes", "备注", N_("Notes"), ("说明", "附注", "note", "remarks")),
)
BY_KEY = {column.key: column for column in COLUMNS}
# What an export writes, in this order: the columns the import reads back (the amount is the import's own).
EXPORT_KEYS = ("asset_number", "name", "category", "model", "brand", "quantity", "price", "purchase_date", "department", "location",
               "custodian", "status", "supplier", "invoice_number", "serial_number", "notes")


def folded(text) -> str:
    """A header or name as compared: full-width folded to half-width, case, spaces and brackets' shapes ignored
    ("单价（元）" and "单价(元)", "高一3班" and "高一(3)班" meet here)."""
    text = unicodedata.normalize("NFKC", str(text or "")).lower()
    return re.sub(r"[\s()\[\]【】{}<>《》_\-·.:：*]+", "", text)


_RECOGNISED = {}
for _column in COLUMNS:
    for _name in (_column.zh, _column.en, *_column.synonyms):
        _RECOGNISED.setdefault(folded(_name), _column.key)


def recognised(header) -> str | None:
    """The column a header names, or None."""
    return _RECOGNISED.get(folded(header))
