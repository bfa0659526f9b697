"""The office's new pages on a phone: the import, its review, the reports and the asset card fit a 360 px screen."""

import pytest

from tagsvc.accounts.models import Role
from tests.browser.conftest import PHONE, signed_in_page
from tests.browser.test_roles_on_phones import _problems_on
from tests.conftest import TEST_PASSWORD
from tests.factories import make_asset, make_department, make_user
from tests.spreadsheets.files import ledger_rows, ledger_xlsx

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [360, 412])
def test_the_import_and_report_pages_fit_a_phone(browser, live_server, tmp_path, width):
    office = make_user(Role.ADMIN)
    department = make_department("教务处")
    asset = make_asset(asset_number="KZ-1", department_id=department.id)
    phone = browser.new_context(**{**PHONE, "viewport": {"width": width, "height": 800}})
    page = signed_in_page(phone, live_server, office.username, TEST_PASSWORD)
    for path, item in [("/register/import", "input[name=file]"), ("/reports", ".card"), (f"/reports/departments/{department.id}", "table tbody tr"),
                       (f"/assets/{asset.id}/card", "table"), ("/disposals", "main .card")]:
        page.goto(f"{live_server}{path}")
        assert _problems_on(page, item) == [], path
    rows = ledger_rows(5)
    rows[1][8] = "不详"
    (tmp_path / "台账.xlsx").write_bytes(ledger_xlsx(rows))
    page.goto(f"{live_server}/register/import")
    page.set_input_files("input[name=file]", str(tmp_path / "台账.xlsx"))
    page.locator("#upload button[type=submit]").click()
    assert _problems_on(page, "#dry-run") == [], "review"
    phone.close()
