"""Channels over the API: the office adds, reads, changes, tests and removes them with the page's event names; the
robot's key never comes back; nobody else reaches them."""
from __future__ import annotations

import json

from tests.channels.fake_robots import FakeRobot


def test_the_office_manages_a_channel_over_the_api_and_its_key_never_comes_back(api, school, token_of):
    robot = FakeRobot("dingtalk")
    try:
        token = token_of(school.admin)
        body = {"name": "信息中心群", "kind": "dingtalk", "url": robot.url, "secret": robot.secret,
                "events": ["damage_reported", "disposal_waiting"], "department_ids": [school.other_asset.department_id]}
        created = api("POST", "/channels", token, json=body)
        assert created.status_code == 201, created.get_json()
        channel = created.get_json()
        assert channel["events"] == ["damage_reported", "disposal_waiting"] and channel["deliveries"] == {"sent": 0, "waiting": 0, "failed": 0}
        assert channel["quiet_from"] == 22 and channel["quiet_until"] == 7 and channel["active"] is True
        read = api("GET", f"/channels/{channel['id']}", token)
        listed = api("GET", "/channels", token)
        for answer in (created, read, listed):
            text = json.dumps(answer.get_json(), ensure_ascii=False)
            assert robot.key not in text and robot.secret not in text
        assert [c["name"] for c in listed.get_json()["items"]] == ["信息中心群"]

        tested = api("POST", f"/channels/{channel['id']}/test", token)
        assert tested.status_code == 200 and tested.get_json()["outcome"] == "sent" and len(robot.received) == 1

        changed = api("PUT", f"/channels/{channel['id']}", token, json={**body, "url": "", "secret": "", "events": ["import_done"], "active": False})
        assert changed.status_code == 200 and changed.get_json()["events"] == ["import_done"] and changed.get_json()["active"] is False
        kind_changed = api("PUT", f"/channels/{channel['id']}", token, json={**body, "kind": "wecom"})
        assert kind_changed.status_code == 422 and "keeps its kind" in kind_changed.get_json()["detail"]

        unknown_event = api("POST", "/channels", token, json={**body, "events": ["everything"]})
        assert unknown_event.status_code == 422
        assert api("GET", "/channels", token).get_json()["items"][0]["events"] == ["import_done"]  # nothing else changed

        assert api("DELETE", f"/channels/{channel['id']}", token).status_code == 204
        assert api("GET", f"/channels/{channel['id']}", token).status_code == 404
    finally:
        robot.close()


def test_nobody_but_the_office_reaches_channels(api, school, token_of):
    for person in (school.staff, school.repairer, school.keeper):
        token = token_of(person)
        assert api("GET", "/channels", token).status_code == 403
        answer = api("POST", "/channels", token, json={"name": "群", "kind": "wecom", "events": ["damage_reported"],
                                                        "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"})
        assert answer.status_code == 403
    assert api("GET", "/channels", token_of(school.admin)).get_json()["items"] == []
