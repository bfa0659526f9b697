"""Stocktake pages over HTTP: who sees what, the one-tap confirmation on a label's page, the typed code, closing,
the report and its corrections."""
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tagsvc.extensions import db
from tagsvc.stocktake import reconciling, services
from tagsvc.stocktake.models import Stocktake, StocktakeItem
from tests.forms_on_pages import form_values
from tests.stocktake.conftest import open_floor_stocktake, sighting


def form_on(html: str, action: str) -> dict:
    """The values of the one form on the page that posts to this address."""
    match = re.search(r'<form[^>]*action="' + re.escape(action) + r'"[^>]*>(.*?)</form>', html, re.S)
    assert match, f"no form posting to {action}"
    return form_values(match.group(1))


def counted(stocktake) -> int:
    return db.session.scalar(select(func.count(StocktakeItem.confirmed_at)).where(StocktakeItem.stocktake_id == stocktake.id))


@pytest.mark.parametrize("who, status", [("office", 200), ("keeper", 200), ("other_keeper", 404), ("staff", 404)])
def test_only_the_office_and_participants_see_a_stocktake(client, login_as, floor, stocktake, who, status):
    login_as(getattr(floor, who))
    assert client.get(f"/stocktakes/{stocktake.id}").status_code == status
    assert client.get(f"/stocktakes/{stocktake.id}/scan").status_code == status


def test_the_public_never_sees_stocktake_data(client, floor, stocktake):
    assert client.get(f"/stocktakes/{stocktake.id}").status_code == 302  # to sign in
    page = client.get(f"/t/{floor.items['301-bed1'].current_tag.code}").get_data(as_text=True)
    assert "Stocktake" not in page and "2026秋" not in page


@pytest.mark.parametrize("who", ["keeper", "staff"])
def test_only_the_office_opens_a_stocktake_from_the_page(client, login_as, floor, who):
    login_as(getattr(floor, who))
    assert client.post("/stocktakes/new", data={"name": "x"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Stocktake)) == 0


def test_the_office_opens_a_stocktake_with_keepers_of_the_scope(client, login_as, floor):
    login_as(floor.office)
    response = client.post("/stocktakes/new", data={"name": "A栋3楼", "location_id": floor.floor.id, "location_id-path": floor.floor.full_name,
                                                    "keepers_take_part": "y"})
    assert response.status_code == 302
    stocktake = db.session.scalar(select(Stocktake))
    assert stocktake.expected_count == 10
    assert {p.user.display_name for p in stocktake.participants} == {"宿管李阿姨", "教务张老师"}
    assert "10 items to confirm" in client.get(response.location).get_data(as_text=True)


def test_opening_an_overlapping_stocktake_on_the_page_names_the_other(client, login_as, floor, stocktake):
    login_as(floor.office)
    response = client.post("/stocktakes/new", data={"name": "宿舍", "department_ids": floor.dorms.id})
    assert response.status_code == 409 and "2026秋 A栋3楼盘点" in response.get_data(as_text=True)


def test_a_participant_confirms_with_one_tap_on_the_label_page(client, login_as, floor, stocktake):
    login_as(floor.keeper)
    client.get(f"/stocktakes/{stocktake.id}/scan?room={floor.rooms['301'].id}")  # "I am in 301"
    code = floor.items["301-bed1"].current_tag.code
    page = client.get(f"/t/{code}").get_data(as_text=True)
    assert "Confirm: it is here" in page and "You are in 宿舍A栋 › 3F › 301" in page
    assert counted(stocktake) == 0  # opening the page confirms nothing
    action = f"/stocktakes/{stocktake.id}/confirm"
    values = form_on(page, action)
    response = client.post(action, data=values, follow_redirects=True)
    assert "✓ 301床1 · 301: 1 of 4 · scan the next one" in response.get_data(as_text=True)
    client.post(action, data=values)  # the same form sent again (a double tap, a resend): still one
    assert counted(stocktake) == 1
    assert "Confirmed by 宿管李阿姨" in client.get(f"/t/{code}").get_data(as_text=True)


def test_a_tap_for_an_item_booked_elsewhere_says_where_the_books_put_it(client, login_as, floor, stocktake):
    login_as(floor.keeper)
    client.get(f"/stocktakes/{stocktake.id}/scan?room={floor.rooms['303'].id}")
    page = client.get(f"/t/{floor.items['301-bed2'].current_tag.code}").get_data(as_text=True)
    answer = client.post(f"/stocktakes/{stocktake.id}/confirm", data=form_on(page, f"/stocktakes/{stocktake.id}/confirm"),
                         follow_redirects=True).get_data(as_text=True)
    assert "misplaced: the books put it in 宿舍A栋 › 3F › 301" in answer
    history = client.get(f"/assets/{floor.items['301-bed2'].id}").get_data(as_text=True)
    assert "Seen in a stocktake (booked → found): 宿舍A栋 › 3F › 301 → 宿舍A栋 › 3F › 303" in history  # the books did not change


def test_the_typed_field_takes_a_whole_label_address(client, login_as, floor, stocktake):
    login_as(floor.keeper)
    page = client.get(f"/stocktakes/{stocktake.id}/scan?room={floor.rooms['302'].id}").get_data(as_text=True)
    values = form_on(page, f"/stocktakes/{stocktake.id}/confirm")
    values["code"] = f"https://tags.example.edu/t/{floor.items['302-chair'].current_tag.code}"
    answer = client.post(f"/stocktakes/{stocktake.id}/confirm", data=values, follow_redirects=True).get_data(as_text=True)
    assert "✓ 302椅子 · 302: 1 of 3" in answer
    assert re.search(r'id="missing">.*302床1.*302床2.*</ul>', answer, re.S) and "302椅子" not in answer.split('id="missing"')[1].split("</ul>")[0]


def test_a_code_of_another_format_is_answered_and_changes_nothing(client, login_as, floor, stocktake):
    login_as(floor.keeper)
    page = client.get(f"/stocktakes/{stocktake.id}/scan?room={floor.rooms['302'].id}").get_data(as_text=True)
    values = form_on(page, f"/stocktakes/{stocktake.id}/confirm") | {"code": "6901234567892"}
    answer = client.post(f"/stocktakes/{stocktake.id}/confirm", data=values, follow_redirects=True).get_data(as_text=True)
    assert "is not a label of this school" in answer and counted(stocktake) == 0


def test_a_room_outside_the_scope_is_refused_on_the_page(client, login_as, floor, stocktake):
    login_as(floor.keeper)
    page = client.get(f"/stocktakes/{stocktake.id}/scan?room={floor.other_block.id}").get_data(as_text=True)
    assert "is not part of the stocktake" in page


def test_a_room_label_page_offers_to_start_there(client, login_as, floor, stocktake):
    from tagsvc.tags.services import _issue_location_tag

    tag = _issue_location_tag(floor.rooms["302"].id)
    db.session.commit()
    login_as(floor.keeper)
    page = client.get(f"/t/{tag.code}").get_data(as_text=True)
    assert "I am in 302: start here" in page
    response = client.post(f"/stocktakes/{stocktake.id}/room", data={"room": floor.rooms["302"].id})
    assert "In 302" in client.get(response.location).get_data(as_text=True)


def test_a_participant_records_an_item_without_a_label(client, login_as, floor, stocktake):
    login_as(floor.keeper)
    page = client.get(f"/stocktakes/{stocktake.id}/scan?room={floor.rooms['303'].id}").get_data(as_text=True)
    values = form_on(page, f"/stocktakes/{stocktake.id}/findings") | {"name": "蓝色塑料椅"}
    answer = client.post(f"/stocktakes/{stocktake.id}/findings", data=values, follow_redirects=True).get_data(as_text=True)
    assert "Recorded for the office: 蓝色塑料椅" in answer
    client.post(f"/stocktakes/{stocktake.id}/findings", data=values)  # sent twice
    assert len(reconciling.reconciliation(floor.office, stocktake.id).surplus) == 1


def test_closing_with_phones_holding_confirmations_needs_the_number(client, login_as, floor, stocktake):
    services.report_device(floor.keeper, stocktake.id, "phone-1", 3)
    login_as(floor.office)
    page = client.get(f"/stocktakes/{stocktake.id}/close").get_data(as_text=True)
    assert "3 confirmations are still waiting" in page and "宿管李阿姨" in page
    refused = client.post(f"/stocktakes/{stocktake.id}/close", data={"confirmed": "yes"}, follow_redirects=True).get_data(as_text=True)
    assert "still waiting to be sent" in refused and db.session.get(Stocktake, stocktake.id).is_open
    values = form_on(page, f"/stocktakes/{stocktake.id}/close")
    assert values["pending_override"] == "3"
    client.post(f"/stocktakes/{stocktake.id}/close", data=values)
    db.session.expire_all()
    assert not db.session.get(Stocktake, stocktake.id).is_open


def test_closing_asks_first_naming_the_rooms_nobody_visited(client, login_as, floor, stocktake):
    services.confirm_in_stocktake(floor.keeper, stocktake.id, sighting(floor.items["301-bed1"], floor.rooms["301"]))
    login_as(floor.office)
    overview = client.get(f"/stocktakes/{stocktake.id}").get_data(as_text=True)
    assert f'action="/stocktakes/{stocktake.id}/close"' not in overview  # no one-tap close on the long page
    one_tap = client.post(f"/stocktakes/{stocktake.id}/close", data={})  # a form from elsewhere, without the confirmation
    assert one_tap.status_code == 200 and "2 rooms nobody has visited" in one_tap.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Stocktake, stocktake.id).is_open
    page = client.get(f"/stocktakes/{stocktake.id}/close").get_data(as_text=True)
    assert "宿舍A栋 › 3F › 302" in page and "宿舍A栋 › 3F › 303" in page and "3F › 301</li>" not in page
    assert "Close anyway" in page
    assert client.post(f"/stocktakes/{stocktake.id}/close", data=form_on(page, f"/stocktakes/{stocktake.id}/close")).status_code == 302
    db.session.expire_all()
    assert not db.session.get(Stocktake, stocktake.id).is_open


def test_keepers_cannot_close_or_correct(client, login_as, floor, stocktake):
    login_as(floor.keeper)
    assert client.get(f"/stocktakes/{stocktake.id}/close").status_code == 403
    client.post(f"/stocktakes/{stocktake.id}/close", data={"confirmed": "yes"})
    db.session.expire_all()
    assert db.session.get(Stocktake, stocktake.id).is_open
    assert client.get(f"/stocktakes/{stocktake.id}/report").status_code == 403


def test_the_report_is_corrected_on_the_page_and_downloads_as_excel(client, login_as, floor, stocktake):
    services.confirm_in_stocktake(floor.keeper, stocktake.id, sighting(floor.items["303-chair"], floor.rooms["301"]))
    services.close_stocktake(floor.office, stocktake.id)
    login_as(floor.office)
    page = client.get(f"/stocktakes/{stocktake.id}/report").get_data(as_text=True)
    assert "Match rate (账物相符率): 0.0%" in page
    assert '<option value="">— choose what to do —</option><option value="lost">Mark it lost</option>' in page  # nothing preselected
    unchosen = client.post(f"/stocktakes/{stocktake.id}/items/{db.session.scalar(select(StocktakeItem.id))}/resolve",
                           data={"resolution": "", "note": ""}, follow_redirects=True)
    assert "Choose what to do with this difference." in unchosen.get_data(as_text=True)
    item = db.session.scalar(select(StocktakeItem).where(StocktakeItem.asset_id == floor.items["303-chair"].id))
    response = client.post(f"/stocktakes/{stocktake.id}/items/{item.id}/resolve", data={"resolution": "moved", "department_id": "", "note": ""},
                           follow_redirects=True)
    assert "Done: Books moved to where it was found" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(floor.items["303-chair"]), floor.items["303-chair"].id).location.name == "301"
    workbook = load_workbook(BytesIO(client.get(f"/stocktakes/{stocktake.id}/report.xlsx").data))
    missing = [row[1] for row in workbook["Missing"].iter_rows(min_row=2, values_only=True)]
    assert len(missing) == 9 and "301床1" in missing
    printed = client.get(f"/stocktakes/{stocktake.id}/report/print").get_data(as_text=True)
    assert "监盘人" in printed and "盘点人" in printed and "负责人" in printed


def test_a_name_like_a_formula_stays_text_in_the_excel(client, login_as, floor, stocktake):
    services.record_finding(floor.keeper, stocktake.id, services.FoundThing(name='=HYPERLINK("http://x","y")', location_id=floor.rooms["301"].id))
    login_as(floor.office)
    workbook = load_workbook(BytesIO(client.get(f"/stocktakes/{stocktake.id}/report.xlsx").data))
    cell = workbook["Surplus"]["A2"]
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s"


def test_the_scanner_page_itself_stays_within_the_first_round_trips(client, login_as, floor, stocktake):
    """The page (without the decoder, which a phone keeps for a week) fits the 14 KB a slow connection brings in
    its first round trips."""
    import gzip

    login_as(floor.keeper)
    answer = client.get(f"/stocktakes/{stocktake.id}/scan?room={floor.rooms['301'].id}", headers={"Accept-Encoding": "gzip"})
    assert answer.headers["Content-Encoding"] == "gzip"
    assert len(answer.data) < 14 * 1024
    assert "301床1" in gzip.decompress(answer.data).decode()


def test_a_participant_finds_the_open_stocktake_on_their_start_page(client, login_as, floor, stocktake):
    login_as(floor.keeper)
    page = client.get("/").get_data(as_text=True)
    assert "Stocktake: 2026秋 A栋3楼盘点" in page and f"/stocktakes/{stocktake.id}/scan" in page
    services.close_stocktake(floor.office, stocktake.id)
    assert "2026秋 A栋3楼盘点" not in client.get("/").get_data(as_text=True)


def test_the_office_registers_a_found_item_from_the_report(client, login_as, floor, stocktake):
    from tagsvc.assets.models import Asset

    finding = services.record_finding(floor.keeper, stocktake.id, services.FoundThing(name="饮水机", location_id=floor.rooms["303"].id))
    services.close_stocktake(floor.office, stocktake.id)
    login_as(floor.office)
    response = client.post(f"/stocktakes/{stocktake.id}/findings/{finding.id}/resolve",
                           data={"resolution": "registered", "asset_number": "YSJ-9", "department_id": floor.dorms.id, "note": ""})
    asset = db.session.scalar(select(Asset).where(Asset.asset_number == "YSJ-9"))
    assert response.headers["Location"] == f"/assets/{asset.id}"
    assert (asset.name, asset.department_id, asset.location.name) == ("饮水机", floor.dorms.id, "303")
    assert asset.current_tag is not None  # a label to print


def test_the_label_page_names_the_room_chosen_for_its_own_stocktake(client, login_as, floor, stocktake):
    block_b = open_floor_stocktake(floor, name="B栋盘点", scope=services.Scope(location_ids=(floor.other_block.id,)))
    login_as(floor.keeper)
    bed = floor.items["302-bed1"].current_tag.code
    client.get(f"/stocktakes/{block_b.id}/scan?room={floor.other_block.id}")  # a room chosen in the other stocktake only
    page = client.get(f"/t/{bed}").get_data(as_text=True)
    assert "No room chosen" in page and "You are in" not in page
    client.get(f"/stocktakes/{stocktake.id}/scan?room={floor.rooms['302'].id}")  # and now one in this one
    assert "You are in 宿舍A栋 › 3F › 302" in client.get(f"/t/{bed}").get_data(as_text=True)
    assert "You are in 宿舍B栋" in client.get(f"/t/{floor.stranger.current_tag.code}").get_data(as_text=True)


def test_each_room_says_what_its_numbers_are_and_not_visited_only_when_nothing_was_found(client, login_as, floor, stocktake):
    services.confirm_in_stocktake(floor.keeper, stocktake.id, sighting(floor.items["301-bed1"], floor.rooms["301"]))
    login_as(floor.office)
    page = client.get(f"/stocktakes/{stocktake.id}").get_data(as_text=True)
    row_301 = re.search(r"3F › 301</a>(.*?)</tr>", page, re.S).group(1)
    assert "1 of 4 found" in row_301 and "Still missing: 3" in row_301 and "not visited" not in row_301  # (its projector too)
    row_302 = re.search(r"3F › 302</a>(.*?)</tr>", page, re.S).group(1)
    assert "not visited" in row_302 and "0 of 3 found" in row_302
