"""The office's group-robot page: add a robot, test it, read its delivery log, send again what failed."""
from __future__ import annotations

import re

from sqlalchemy import select

from tagsvc.accounts.models import Role
from tagsvc.channels.models import Channel, Delivery
from tagsvc.extensions import db
from tagsvc.repairs.models import DamageKind
from tagsvc.repairs.services import submit_report
from tests.channels.fake_robots import FakeRobot
from tests.factories import make_asset, make_department, make_user


def test_the_office_adds_a_wecom_robot_tests_it_and_reads_its_log(client, login_as):
    robot = FakeRobot("wecom")
    try:
        office = login_as(make_user(Role.ADMIN))
        make_department("教务处")
        page = client.get("/admin/channels").get_data(as_text=True)
        assert "No group yet" in page
        values = {"name": "后勤处群", "kind": "wecom", "url": robot.url, "events": ["damage_reported"], "quiet_from": "0", "quiet_until": "0"}
        added = client.post("/admin/channels", data=values, follow_redirects=True).get_data(as_text=True)
        assert "“后勤处群” added" in added and robot.key not in added  # the key is a secret: shown shortened
        channel = db.session.scalar(select(Channel))
        tested = client.post(f"/admin/channels/{channel.id}/test", follow_redirects=True).get_data(as_text=True)
        assert "The robot took the test message" in tested and len(robot.received) == 1
        robot.key = "changed"  # someone reset the robot: its news now fails
        asset = make_asset(name="投影仪", asset_number="TY-9")
        submit_report(None, asset.current_tag.code, DamageKind.BROKEN, "不亮了", client_hash="x")
        from tagsvc.channels.services import deliver

        deliver()
        log = client.get(f"/admin/channels/{channel.id}").get_data(as_text=True)
        assert "failed" in log and "93000: invalid webhook url" in log and "TY-9" in log
        robot.key = re.search(r"key=([^&]+)", channel.url).group(1)  # fixed
        client.post(f"/admin/channels/{channel.id}/resend", follow_redirects=True)
        deliver()
        assert db.session.scalar(select(Delivery)).status == "sent" and "TY-9" in str(robot.received[-1])
        assert office.is_admin
    finally:
        robot.close()


def test_a_wrong_address_is_refused_on_the_page_and_nothing_added(client, login_as):
    login_as(make_user(Role.ADMIN))
    answer = client.post("/admin/channels", data={"name": "群", "kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=t",
                                                   "events": ["damage_reported"], "quiet_from": "22", "quiet_until": "7"})
    assert answer.status_code == 400 and "signing secret" in answer.get_data(as_text=True)
    assert db.session.scalar(select(Channel)) is None


def test_only_the_office_reaches_the_group_robots(client, login_as):
    login_as(make_user(Role.KEEPER))
    assert client.get("/admin/channels").status_code == 403


def test_the_office_changes_pauses_and_removes_a_channel_keeping_its_secret_address(client, login_as):
    robot = FakeRobot("dingtalk")
    try:
        login_as(make_user(Role.ADMIN))
        academic = make_department("教务处")
        values = {"name": "后勤处群", "kind": "dingtalk", "url": robot.url, "secret": robot.secret, "events": ["damage_reported"],
                  "quiet_from": "0", "quiet_until": "0"}
        client.post("/admin/channels", data=values)
        channel = db.session.scalar(select(Channel))
        form = client.get(f"/admin/channels/{channel.id}/edit").get_data(as_text=True)
        assert "后勤处群" in form and robot.key not in form and robot.secret not in form  # never shown back
        changed = client.post(f"/admin/channels/{channel.id}/edit", data={
            "name": "教务处群", "url": "", "secret": "", "events": ["damage_reported", "transfer_waiting"], "department_ids": [str(academic.id)],
            "quiet_from": "22", "quiet_until": "7"}, follow_redirects=True)  # "active" unticked: paused
        assert changed.status_code == 200 and "“教务处群” saved" in changed.get_data(as_text=True)
        db.session.expire_all()
        assert (channel.name, channel.url, channel.secret, channel.events, channel.department_ids, channel.active) == (
            "教务处群", robot.url, robot.secret, ["damage_reported", "transfer_waiting"], [academic.id], False)
        assert "paused" in client.get("/admin/channels").get_data(as_text=True)
        # Paused: news waits for it; a wrong new address is refused and changes nothing.
        asset = make_asset(name="投影仪", asset_number="TY-9", department_id=academic.id)
        submit_report(None, asset.current_tag.code, DamageKind.BROKEN, "不亮了", client_hash="x")
        from tagsvc.channels.services import deliver

        deliver()
        assert robot.received == []
        wrong = client.post(f"/admin/channels/{channel.id}/edit", data={
            "name": "教务处群", "url": "https://example.com/hook", "events": ["damage_reported"], "quiet_from": "0", "quiet_until": "0", "active": "y"})
        assert wrong.status_code == 400 and "not a DingTalk robot" in wrong.get_data(as_text=True)
        db.session.expire_all()
        assert channel.url == robot.url and channel.active is False
        # Resumed: what waited goes.
        client.post(f"/admin/channels/{channel.id}/edit", data={"name": "教务处群", "events": ["damage_reported"], "quiet_from": "0",
                                                                "quiet_until": "0", "active": "y"})
        deliver()
        assert "TY-9" in str(robot.received)
        # Removed, with what it would lose said first.
        submit_report(None, make_asset(asset_number="TY-10", department_id=academic.id).current_tag.code, DamageKind.BROKEN, "坏", client_hash="y")
        assert "1 message still waits and will not be sent" in client.get(f"/admin/channels/{channel.id}/edit").get_data(as_text=True)
        removed = client.post(f"/admin/channels/{channel.id}/delete", follow_redirects=True).get_data(as_text=True)
        assert "“教务处群” removed. 1 message that waited will not be sent." in removed
        assert db.session.scalar(select(Channel)) is None and db.session.scalar(select(Delivery)) is None
        assert client.get(f"/admin/channels/{channel.id}/edit").status_code == 404
    finally:
        robot.close()


def test_only_the_office_changes_or_removes_a_channel(client, login_as):
    channel = Channel(name="群", kind="wecom", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", events=["damage_reported"])
    db.session.add(channel)
    db.session.commit()
    login_as(make_user(Role.KEEPER))
    for method, path in (("GET", "edit"), ("POST", "edit"), ("POST", "delete"), ("POST", "test"), ("POST", "resend"), ("GET", "")):
        answer = client.open(f"/admin/channels/{channel.id}/{path}".rstrip("/"), method=method, data={"name": "x"})
        assert answer.status_code == 403, (method, path)
    assert db.session.get(Channel, channel.id).name == "群"


def test_a_long_delivery_log_comes_a_page_at_a_time(client, login_as):
    from tagsvc.channels.models import Notice

    login_as(make_user(Role.ADMIN))
    channel = Channel(name="群", kind="wecom", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", events=["damage_reported"])
    db.session.add(channel)
    db.session.flush()
    for n in range(60):
        notice = Notice(event="damage_reported", key=f"k{n}", facts={"asset_name": f"课桌{n}", "asset_number": f"KZ-{n:03d}"})
        db.session.add(notice)
        db.session.flush()
        db.session.add(Delivery(notice_id=notice.id, channel_id=channel.id, status="failed" if n == 0 else "sent"))
    db.session.commit()
    first = client.get(f"/admin/channels/{channel.id}").get_data(as_text=True)
    assert first.count("KZ-0") == 50 and "KZ-059" in first and "KZ-009" not in first and "Page 1 of 2" in first
    assert "Send the failed ones again" in first  # the failed one is on page 2, the offer on every page
    second = client.get(f"/admin/channels/{channel.id}?page=2").get_data(as_text=True)
    assert second.count("KZ-0") == 10 and "KZ-000" in second and "Page 2 of 2" in second
