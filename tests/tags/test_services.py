import pytest

from tagsvc.tags.services import CODE_ALPHABET, CODE_LENGTH, format_code, look_up_tag, new_tag_code, normalize_code
from tagsvc.assets.services import replace_tag
from tagsvc.accounts.models import Role
from tests.factories import make_asset, make_user


def test_new_tag_code_is_eight_symbols_without_look_alikes():
    codes = {new_tag_code() for _ in range(2000)}
    assert len(codes) == 2000  # 40 random bits: no collisions in a small sample
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert not set(code) & set("01IO")
        assert set(code) <= set(CODE_ALPHABET)
    assert len(CODE_ALPHABET) ** CODE_LENGTH >= 2**40


@pytest.mark.parametrize("typed", ["k7qm4xh2", "K7QM-4XH2", " k7qm 4xh2 ", "K7QM_4XH2"])
def test_normalize_code_accepts_any_case_and_separators(typed):
    assert normalize_code(typed) == "K7QM4XH2"


@pytest.mark.parametrize("typed", ["", "K7QM4XH", "K7QM4XH22", "K7QM4XH0", "K7QMOXH2", "../etc/pa"])
def test_normalize_code_rejects_what_cannot_be_a_code(typed):
    assert normalize_code(typed) is None


def test_format_code_groups_four_and_four():
    assert format_code("K7QM4XH2") == "K7QM-4XH2"


def test_new_asset_gets_a_current_tag(app):
    asset = make_asset()
    found = look_up_tag(asset.current_tag.code.lower())
    assert found.tag.asset_id == asset.id and found.tag.is_current and found.current is None


def test_replaced_tag_still_resolves_and_points_to_the_current_one(app):
    admin = make_user(Role.ADMIN)
    asset = make_asset()
    old_code = asset.current_tag.code
    new_tag = replace_tag(admin, asset.id)
    found = look_up_tag(old_code)
    assert found.tag.code == old_code and not found.tag.is_current
    assert found.current.code == new_tag.code != old_code
    assert look_up_tag(new_tag.code).tag.is_current


def test_issuing_a_tag_keeps_its_label_qr_matrix(app):
    from tagsvc.labels.qr import QrMatrix, label_url, qr_matrix

    tag = make_asset().current_tag
    assert tag.qr_text == label_url("https://tags.example.edu", tag.code) == f"HTTPS://TAGS.EXAMPLE.EDU/T/{tag.code}"
    assert tag.qr_level == "M" and QrMatrix.parse(tag.qr_matrix) == qr_matrix(tag.qr_text, "M")


def test_kept_matrix_is_replaced_when_the_public_url_changes(app, session):
    from tagsvc.tags.services import tag_qr

    tag = make_asset().current_tag
    app.config["PUBLIC_BASE_URL"] = "https://zichan.school.cn"
    matrix = tag_qr(tag)
    session.commit()
    assert tag.qr_text == f"HTTPS://ZICHAN.SCHOOL.CN/T/{tag.code}" and tag.qr_matrix == matrix.serialize()


def test_a_one_off_error_correction_level_does_not_replace_the_kept_matrix(app):
    from tagsvc.tags.services import tag_qr

    tag = make_asset().current_tag
    kept = tag.qr_matrix
    rough = tag_qr(tag, level="H")
    assert rough.size > 25 and tag.qr_matrix == kept and tag.qr_level == "M"
