"""The anonymous scan page served from the page cache in front of Flask: the same answer, never stale, never
to someone signed in."""
import gzip

import pytest

from tagsvc.accounts.models import Role
from tagsvc.assets.models import AssetCondition, AssetStatus
from tagsvc.assets.services import AssetData, update_asset
from tests.factories import make_asset, make_department, make_user

GZIP = {"Accept-Encoding": "gzip", "Accept-Language": "zh-CN"}


@pytest.fixture
def flask_requests(app):
    """How many requests reached Flask's own handling."""
    seen = []
    app.before_request(lambda: seen.append(1))
    return seen


@pytest.fixture
def desk(app):
    return make_asset(name="课桌椅", asset_number="KZY-001", department_id=make_department("高一(3)班").id, custodian_name="赵老师")


def test_a_repeated_anonymous_scan_gets_the_same_bytes_without_flask(client, desk, flask_requests):
    url = f"/t/{desk.current_tag.code}"
    first = client.get(url, headers=GZIP)
    second = client.get(url, headers=GZIP)
    assert len(flask_requests) == 1  # the second came from the cache in front of Flask
    assert second.data == first.data and second.status_code == 200
    for header in ("Content-Type", "Content-Encoding", "Vary", "Content-Length"):
        assert second.headers[header] == first.headers[header]
    assert "课桌椅" in gzip.decompress(second.data).decode()


def test_a_change_to_the_item_shows_on_the_very_next_scan(client, desk, flask_requests):
    url = f"/t/{desk.current_tag.code}"
    client.get(url, headers=GZIP)
    update_asset(make_user(Role.ADMIN), desk.id, AssetData(asset_number="KZY-001", name="课桌椅", department_id=desk.department_id, status=AssetStatus.UNDER_REPAIR, condition=AssetCondition.FAIR))
    page = gzip.decompress(client.get(url, headers=GZIP).data).decode()
    assert "维修中" in page and len(flask_requests) == 2


def test_someone_signed_in_never_gets_the_anonymous_page(client, login_as, desk):
    url = f"/t/{desk.current_tag.code}"
    client.get(url, headers=GZIP)
    client.get(url, headers=GZIP)
    login_as(make_user(Role.STAFF))
    assert "赵老师" in client.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)


def test_each_language_and_encoding_gets_its_own_page(make_app):
    # An app of its own, with no app context held open by the test: each request then gets its own, as in
    # production (Flask-Babel keeps the language on the app context).
    app = make_app()
    with app.app_context():
        url = f"/t/{make_asset(name='课桌椅').current_tag.code}"
    client = app.test_client()
    client.get(url, headers=GZIP)
    english = client.get(url, headers={"Accept-Encoding": "gzip", "Accept-Language": "en-GB"})
    assert "Asset number" in gzip.decompress(english.data).decode()
    plain = client.get(url, headers={"Accept-Language": "zh-CN"})
    assert "Content-Encoding" not in plain.headers and "资产编号" in plain.get_data(as_text=True)
    client.set_cookie("lang", "en")
    chosen = client.get(url, headers=GZIP)
    assert "Asset number" in gzip.decompress(chosen.data).decode()


def test_unknown_codes_and_other_addresses_still_reach_flask(client, desk, flask_requests):
    assert client.get("/t/ZZZZZZZZ", headers=GZIP).status_code == 404
    assert client.get("/t/ZZZZZZZZ", headers=GZIP).status_code == 404
    assert client.get(f"/t/{desk.current_tag.code}?x=1", headers=GZIP).status_code == 200
    assert len(flask_requests) == 3
