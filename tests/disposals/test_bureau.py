"""Above the district's limit (TAGSVC_DISTRICT_DISPOSAL_ABOVE, 200,000 元 by default) a disposal needs the education
bureau's approval after the office's: the rules give the district that part in a school's register."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from tagsvc.accounts.models import Role
from tagsvc.assets.models import AssetStatus
from tagsvc.disposals import services
from tagsvc.disposals.models import DisposalStatus
from tagsvc.errors import ConflictError, NotFoundError, PermissionDeniedError
from tagsvc.extensions import db
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tests.disposals.conftest import propose
from tests.factories import make_asset, make_user


@pytest.fixture
def dear(school):
    """A school bus: 268,000 元, above the district's limit."""
    school.bus = make_asset(name="校车", asset_number="XC-001", department_id=school.it.id, price=Decimal("268000.00"))
    school.bureau = make_user(Role.DISTRICT, display_name="区教育局资产科张科长")
    return school


def test_above_the_limit_the_bureau_approves_after_the_office_and_only_then_the_items_go(dear):
    disposal = propose(dear, [dear.bus])
    assert disposal.bureau_needed and disposal.approvals_needed == 2
    with pytest.raises(ConflictError, match="the office decides on it first"):
        services.approve_disposal(dear.bureau, disposal.id)
    services.approve_disposal(dear.head, disposal.id)
    disposal = services.approve_disposal(dear.second, disposal.id)
    assert disposal.status == DisposalStatus.PROPOSED and disposal.waiting_for_bureau
    assert dear.bus.status != AssetStatus.DISPOSED
    assert services.waiting_for_approval(dear.head) == [] and services.waiting_for_approval(dear.bureau) == [disposal]
    with pytest.raises(ConflictError, match="waits for the education bureau"):
        services.approve_disposal(dear.head, disposal.id)
    disposal = services.approve_disposal(dear.bureau, disposal.id)
    assert disposal.status == DisposalStatus.APPROVED and disposal.bureau_approved_by_name == "区教育局资产科张科长"
    db.session.expire_all()
    assert dear.bus.status == AssetStatus.DISPOSED and dear.bus.current_tag is None
    notes = [e.note_words for e in db.session.scalars(select(LedgerEvent).where(LedgerEvent.asset_id == dear.bus.id,
                                                                                LedgerEvent.action == LedgerAction.DISPOSAL_APPROVED))]
    assert any("waits for the education bureau" in note for note in notes)


def test_the_bureau_rejects_with_a_reason_and_the_items_stay(dear):
    disposal = propose(dear, [dear.bus])
    services.approve_disposal(dear.head, disposal.id)
    services.approve_disposal(dear.second, disposal.id)
    disposal = services.reject_disposal(dear.bureau, disposal.id, "请先做技术鉴定")
    assert disposal.status == DisposalStatus.REJECTED and disposal.close_reason == "请先做技术鉴定" and disposal.closed_by_name == "区教育局资产科张科长"
    db.session.expire_all()
    assert dear.bus.status != AssetStatus.DISPOSED
    propose(dear, [dear.bus])  # free again: the school may propose it anew


def test_below_the_limit_the_bureau_is_not_asked_and_sees_nothing(dear):
    disposal = propose(dear, [dear.whiteboard])  # 24,800 元: two office approvals, no bureau
    assert not disposal.bureau_needed
    with pytest.raises(NotFoundError):
        services.get_disposal(dear.bureau, disposal.id)
    with pytest.raises(NotFoundError):
        services.approve_disposal(dear.bureau, disposal.id)
    services.approve_disposal(dear.head, disposal.id)
    assert services.approve_disposal(dear.second, disposal.id).status == DisposalStatus.APPROVED


def test_only_the_bureau_gives_the_bureaus_approval(dear):
    disposal = propose(dear, [dear.bus])
    services.approve_disposal(dear.head, disposal.id)
    services.approve_disposal(dear.second, disposal.id)
    for person in (dear.keeper, dear.staff, dear.repairer):
        with pytest.raises((PermissionDeniedError, NotFoundError)):
            services.approve_disposal(person, disposal.id)
    third = make_user(Role.ADMIN)
    with pytest.raises(ConflictError, match="waits for the education bureau"):
        services.approve_disposal(third, disposal.id)  # a third office member does not stand in for the bureau
    with pytest.raises(ConflictError, match="approved .* can no longer be withdrawn"):
        services.cancel_disposal(dear.keeper, disposal.id)


def test_the_bureau_decides_on_its_pages_and_the_record_prints_its_line(dear, client, login_as):
    disposal = propose(dear, [dear.bus])
    services.approve_disposal(dear.head, disposal.id)
    login_as(dear.second)
    approved = client.post(f"/disposals/{disposal.id}/approve", follow_redirects=True).get_data(as_text=True)
    assert f"Approved. {disposal.number} now waits for the education bureau." in approved and "waiting for the education bureau" in approved
    client.post("/logout")
    login_as(dear.bureau)
    home = client.get("/").get_data(as_text=True)
    assert "Disposals waiting for the education bureau" in home and disposal.number in home and "268,000.00" in home
    waiting = client.get("/approvals").get_data(as_text=True)
    assert disposal.number in waiting
    page = client.get(f"/disposals/{disposal.id}").get_data(as_text=True)
    assert "Approve the disposal" in page and "Reject" in page and "Cancel this disposal" not in page
    done = client.post(f"/disposals/{disposal.id}/approve", follow_redirects=True).get_data(as_text=True)
    assert f"{disposal.number} is approved" in done
    record = client.get(f"/disposals/{disposal.id}/record").get_data(as_text=True)
    assert "Education bureau (区教育局)" in record and "区教育局资产科张科长" in record
    # The bureau reads what came to it, nothing else of the school's disposals.
    cheap = propose(dear, [dear.whiteboard])
    assert client.get(f"/disposals/{cheap.id}").status_code == 404
    assert cheap.number not in client.get("/disposals").get_data(as_text=True)


def test_over_the_api_the_bureau_approves_with_its_token(dear, client):
    from tagsvc.api.tokens import create_token

    disposal = propose(dear, [dear.bus])
    services.approve_disposal(dear.head, disposal.id)
    services.approve_disposal(dear.second, disposal.id)
    _token, secret = create_token(dear.bureau, "bureau")
    read = client.get(f"/api/v1/disposals/{disposal.id}", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert read["bureau_needed"] and read["waiting_for_bureau"] and read["status"] == "proposed"
    answer = client.post(f"/api/v1/disposals/{disposal.id}/approval", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200 and answer.get_json()["status"] == "approved" and answer.get_json()["bureau_approved_by"] == "区教育局资产科张科长"


def test_the_school_office_cannot_make_bureau_accounts_but_the_command_line_can(client, login_as, runner):
    login_as(make_user(Role.ADMIN))
    form = client.get("/admin/users/new")
    assert form.status_code == 200 and 'value="keeper"' in form.get_data(as_text=True) and 'value="district"' not in form.get_data(as_text=True)
    made = runner.invoke(args=["create-admin", "zhang", "--name", "区教育局张科长", "--bureau"], input="a-long-password-1\na-long-password-1\n")
    assert made.exit_code == 0 and "education bureau account zhang" in made.output
    from tagsvc.accounts.models import User

    assert db.session.scalar(select(User).where(User.username == "zhang")).role == Role.DISTRICT
