import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.assets.models import Asset
from tagsvc.ledger.services import history_of
from tests.factories import make_asset, make_department, make_user


def _form(**overrides):
    data = {"asset_number": "JJ-2026-0100", "name": "书柜", "status": "in_use", "condition": "good", "category_id": "", "department_id": "", "location_id": ""}
    data.update(overrides)
    return data


@pytest.mark.parametrize("url", ["/assets", "/assets/new", "/assets/1", "/assets/1/edit", "/assets/1/replace-tag", "/admin/users", "/admin/departments", "/admin/locations", "/admin/categories", "/account/password"])
def test_office_pages_need_sign_in(client, app, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_list_shows_assets_with_count_and_pages(client, login_as, app):
    app.config["ASSETS_PER_PAGE"] = 2
    for i in range(3):
        make_asset(asset_number=f"L-{i}", name=f"课桌椅{i}")
    login_as(make_user(Role.STAFF))
    first = client.get("/assets").get_data(as_text=True)
    assert "3 assets" in first and "课桌椅0" in first and "课桌椅2" not in first and "Page 1 of 2" in first
    second = client.get("/assets?page=2").get_data(as_text=True)
    assert "课桌椅2" in second and "课桌椅0" not in second


def test_search_by_exact_tag_code_opens_the_asset(client, login_as, app):
    asset = make_asset()
    login_as(make_user(Role.STAFF))
    response = client.get(f"/assets?q={asset.current_tag.code.lower()}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/assets/{asset.id}")


def test_empty_search_result_says_so(client, login_as, app):
    make_asset(name="书柜")
    login_as(make_user(Role.STAFF))
    assert "No asset matches this search" in client.get("/assets?q=投影").get_data(as_text=True)


def test_bad_filter_values_do_not_break_the_list(client, login_as, app):
    login_as(make_user(Role.STAFF))
    assert client.get("/assets?department=abc&status=nonsense&page=-3&sort=evil").status_code == 200


def test_admin_creates_an_asset_with_a_photo(client, login_as, session, app):
    login_as(make_user(Role.ADMIN))
    photo = io.BytesIO()
    Image.new("RGB", (800, 600), "red").save(photo, format="JPEG")
    photo.seek(0)
    response = client.post("/assets/new", data=_form(price="880.00", photo=(photo, "desk.jpg")), content_type="multipart/form-data")
    assert response.status_code == 302
    asset = session.scalar(select(Asset).where(Asset.asset_number == "JJ-2026-0100"))
    assert asset.photo and str(asset.price) == "880.00"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is registered with label code" in page and asset.current_tag.code[:4] in page
    assert client.get(f"/photos/{asset.photo}").mimetype == "image/jpeg"


def test_duplicate_asset_number_is_shown_on_the_form_and_nothing_is_added(client, login_as, session, app):
    make_asset(asset_number="JJ-2026-0100")
    login_as(make_user(Role.ADMIN))
    response = client.post("/assets/new", data=_form())
    assert response.status_code == 409
    assert "Asset number JJ-2026-0100 is already in the register." in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Asset.id))) == 1


@pytest.mark.parametrize("field, value", [("asset_number", ""), ("name", ""), ("price", "abc"), ("price", "-5"), ("status", "stolen"), ("purchase_date", "2026-13-40")])
def test_malformed_form_is_refused_with_a_message(client, login_as, session, app, field, value):
    login_as(make_user(Role.ADMIN))
    response = client.post("/assets/new", data=_form(**{field: value}))
    assert response.status_code == 400 and 'class="field-error"' in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Asset.id))) == 0


def test_text_file_posing_as_photo_is_refused(client, login_as, session, app):
    login_as(make_user(Role.ADMIN))
    fake = (io.BytesIO(b"not an image"), "photo.jpg")
    response = client.post("/assets/new", data=_form(photo=fake), content_type="multipart/form-data")
    assert response.status_code == 400 and "not a photo we can read" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Asset.id))) == 0


def test_edit_saves_and_the_history_shows_the_change(client, login_as, app):
    asset = make_asset(name="书柜")
    login_as(make_user(Role.ADMIN))
    response = client.post(f"/assets/{asset.id}/edit", data=_form(asset_number=asset.asset_number, name="五层书柜", condition="fair"))
    assert response.status_code == 302
    page = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "五层书柜" in page and "书柜 → 五层书柜" in page and "Good → Fair, shows wear" in page


def test_keeper_cannot_edit_another_departments_asset_over_http(client, login_as, session, app):
    asset = make_asset(name="书柜", department_id=make_department().id)
    login_as(make_user(Role.KEEPER, departments=[make_department()]))
    response = client.post(f"/assets/{asset.id}/edit", data=_form(asset_number=asset.asset_number, name="改名"))
    assert response.status_code == 403
    session.expire_all()
    assert session.get(Asset, asset.id).name == "书柜"


def test_keeper_edits_own_departments_asset(client, login_as, session, app):
    mine = make_department()
    asset = make_asset(name="书柜", department_id=mine.id)
    login_as(make_user(Role.KEEPER, departments=[mine]))
    response = client.post(f"/assets/{asset.id}/edit", data=_form(asset_number=asset.asset_number, name="新书柜", department_id=str(mine.id),
                                                                   price=str(asset.price)))  # the read-only value, as the page sends it
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Asset, asset.id).name == "新书柜"


@pytest.mark.parametrize("role", [Role.STAFF, Role.REPAIRER])
def test_readers_are_turned_away_from_the_create_form(client, login_as, app, role):
    login_as(make_user(role))
    response = client.get("/assets/new")
    assert response.status_code == 403
    assert "Only the logistics office and department keepers can register assets." in response.get_data(as_text=True)


@pytest.mark.parametrize("role, status", [(Role.ADMIN, 200), (Role.STAFF, 200), (Role.REPAIRER, 200), ("other_keeper", 403), ("own_keeper", 200)])
def test_who_may_read_an_asset(client, login_as, app, role, status):
    department = make_department()
    asset = make_asset(department_id=department.id)
    if role == "other_keeper":
        user = make_user(Role.KEEPER, departments=[make_department()])
    elif role == "own_keeper":
        user = make_user(Role.KEEPER, departments=[department])
    else:
        user = make_user(role)
    login_as(user)
    assert client.get(f"/assets/{asset.id}").status_code == status


def test_replace_label_asks_first_then_issues_a_new_code(client, login_as, app):
    asset = make_asset()
    old = asset.current_tag.code
    login_as(make_user(Role.ADMIN))
    assert "Replace the label of" in client.get(f"/assets/{asset.id}/replace-tag").get_data(as_text=True)
    assert len(history_of(asset.id)) == 2  # asking changed nothing
    response = client.post(f"/assets/{asset.id}/replace-tag")
    assert response.status_code == 302
    page = client.get(f"/t/{old}").get_data(as_text=True)
    assert "This label was replaced" in page


def test_staff_cannot_replace_a_label(client, login_as, app):
    asset = make_asset()
    login_as(make_user(Role.STAFF))
    assert client.post(f"/assets/{asset.id}/replace-tag").status_code == 403
    assert len(history_of(asset.id)) == 2
