"""Two people editing one asset: the second sees what the first changed and decides, instead of overwriting it."""
from __future__ import annotations

import threading

import pytest

from tagsvc.accounts.models import Role
from tagsvc.assets.models import Asset
from tagsvc.assets.services import AssetData, comparable_values, merge_edits
from tagsvc.extensions import db
from tagsvc.ledger.models import LedgerAction
from tagsvc.ledger.services import history_of
from tests.conftest import TEST_PASSWORD
from tests.factories import make_asset, make_department, make_user
from tests.forms_on_pages import form_values


@pytest.fixture
def two_editors(app):
    department = make_department("总务处")
    office, keeper = make_user(Role.ADMIN, username="office"), make_user(Role.KEEPER, departments=[department], username="keeper")
    asset = make_asset(office, department_id=department.id, custodian_name="赵老师", name="书柜")
    clients = []
    for user in (office, keeper):
        client = app.test_client()
        client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
        clients.append(client)
    return asset, clients


def _opened_form(client, asset_id: int) -> dict[str, str]:
    return form_values(client.get(f"/assets/{asset_id}/edit").get_data(as_text=True))


def test_a_change_saved_meanwhile_is_taken_over_and_mine_is_kept(two_editors):
    asset, (office, keeper) = two_editors
    office_form, keeper_form = _opened_form(office, asset.id), _opened_form(keeper, asset.id)
    assert keeper_form["version"] == "1"
    assert office.post(f"/assets/{asset.id}/edit", data={**office_form, "custodian_name": "钱老师"}).status_code == 302
    answer = keeper.post(f"/assets/{asset.id}/edit", data={**keeper_form, "name": "五层书柜"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "Someone else changed this asset after you opened it" in page
    assert "Custodian" in page.split("since you had not changed these")[1].split("</p>")[0]
    db.session.expire_all()
    assert db.session.get(Asset, asset.id).name == "书柜"  # nothing of the keeper's saved yet
    merged = form_values(page)
    assert merged["custodian_name"] == "钱老师" and merged["name"] == "五层书柜" and merged["version"] == "2"
    assert keeper.post(f"/assets/{asset.id}/edit", data=merged).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Asset, asset.id)
    assert (saved.name, saved.custodian_name, saved.version) == ("五层书柜", "钱老师", 3)


def test_a_field_both_changed_is_shown_with_what_is_saved(two_editors):
    asset, (office, keeper) = two_editors
    office_form, keeper_form = _opened_form(office, asset.id), _opened_form(keeper, asset.id)
    office.post(f"/assets/{asset.id}/edit", data={**office_form, "custodian_name": "钱老师"})
    page = keeper.post(f"/assets/{asset.id}/edit", data={**keeper_form, "custodian_name": "孙老师"}).get_data(as_text=True)
    assert "You both changed these" in page and "saved now: 钱老师" in page
    assert form_values(page)["custodian_name"] == "孙老师"  # the person's own entry stays in the form


def test_merge_edits_takes_theirs_keeps_mine_and_names_conflicts():
    original = comparable_values(AssetData(asset_number="A-1", name="书柜", custodian_name="赵"))
    mine = AssetData(asset_number="A-1", name="五层书柜", custodian_name="孙", brand="")
    theirs = AssetData(asset_number="A-2", name="书柜", custodian_name="钱")
    merge = merge_edits(original, mine, theirs)
    assert merge.taken_over == ("asset_number",) and merge.conflicts == ("custodian_name",)


def test_two_editors_saving_at_the_same_moment_never_lose_one_silently(app, two_editors):
    """Both forms opened on version 1 and sent at once: one is saved, the other is told (409), on SQLite and, with
    TAGSVC_TEST_DATABASE_URL, on PostgreSQL, where the two writes really run in parallel."""
    asset, (office, keeper) = two_editors
    forms = [_opened_form(office, asset.id), _opened_form(keeper, asset.id)]
    changes = [{"custodian_name": "钱老师"}, {"name": "五层书柜"}]
    barrier, statuses = threading.Barrier(2), {}

    def save(index: int, client) -> None:
        barrier.wait()
        statuses[index] = client.post(f"/assets/{asset.id}/edit", data={**forms[index], **changes[index]}).status_code

    threads = [threading.Thread(target=save, args=(i, c)) for i, c in enumerate((office, keeper))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses.values()) == [302, 409]
    db.session.expire_all()
    saved = db.session.get(Asset, asset.id)
    updates = [e for e in history_of(asset.id) if e.action == LedgerAction.UPDATED]
    assert saved.version == 2 and len(updates) == 1
    assert (saved.custodian_name == "钱老师") != (saved.name == "五层书柜")  # exactly one of the two changes, and it says so


def test_two_programs_changing_at_the_same_moment(app):
    """The same race through the API: one 200, one 412 with the current state."""
    department = make_department("信息中心")
    office = make_user(Role.ADMIN, username="office2")
    asset = make_asset(office, department_id=department.id)
    from tagsvc.api.tokens import create_token

    tokens = [create_token(office, "a")[1], create_token(office, "b")[1]]
    barrier, statuses = threading.Barrier(2), []

    def change(token: str, body: dict) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.patch(f"/api/v1/assets/{asset.id}", json=body, headers={"Authorization": f"Bearer {token}", "If-Match": '"1"'}).status_code)

    threads = [threading.Thread(target=change, args=(tokens[0], {"brand": "爱普生"})), threading.Thread(target=change, args=(tokens[1], {"model": "CB-X06"}))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 412]
    db.session.expire_all()
    assert db.session.get(Asset, asset.id).version == 2
