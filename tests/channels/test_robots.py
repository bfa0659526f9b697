"""Sending to a WeCom group robot and a DingTalk custom robot, against local servers that answer as they do."""
from __future__ import annotations

import pytest

from tagsvc.channels.robots import MARKDOWN_BYTES, Outcome, Robot, check_robot, send, split_markdown
from tagsvc.errors import ValidationError
from tests.channels.fake_robots import FakeRobot


@pytest.fixture(params=["wecom", "dingtalk"])
def robot(request):
    fake = FakeRobot(request.param)
    yield fake
    fake.close()


def _robot(fake: FakeRobot, **changes) -> Robot:
    values = {"kind": fake.kind, "url": fake.url, "secret": fake.secret if fake.kind == "dingtalk" else ""}
    values.update(changes)
    return Robot(**values)


def test_a_message_reaches_the_robot_as_markdown(app, robot):
    answer = send(_robot(robot), "新报修", "### 新报修\n课桌椅（KZY-0001）· 教学楼 › 301\n[去处理](https://school.example/repairs/1)")
    assert answer.outcome == Outcome.SENT
    (message,) = robot.received
    assert message["msgtype"] == "markdown" and "课桌椅（KZY-0001）" in str(message["markdown"])


def test_a_wrong_key_or_signature_is_refused_for_good_with_the_robots_words(app, robot):
    wrong = _robot(robot, url=robot.url.replace(robot.key, "not-the-key")) if robot.kind == "wecom" else _robot(robot, secret="SECwrong")
    answer = send(wrong, "t", "x")
    assert answer.outcome == Outcome.REFUSED and answer.errcode == (93000 if robot.kind == "wecom" else 310000) and answer.detail
    assert robot.received == []


def test_the_21st_message_in_a_minute_is_rate_limited_not_refused(app, robot):
    answers = [send(_robot(robot), "t", f"第 {n} 条") for n in range(21)]
    assert [a.outcome for a in answers] == [Outcome.SENT] * 20 + [Outcome.RATE_LIMITED]
    assert answers[-1].retry_after == (600 if robot.kind == "dingtalk" else 60) and len(robot.received) == 20


def test_a_robot_down_or_unreachable_is_unavailable_to_try_again(app, robot):
    robot.down_until = robot.clock() + 120
    assert send(_robot(robot), "t", "x").outcome == Outcome.UNAVAILABLE
    robot.close()
    answer = send(_robot(robot), "t", "x", timeout=2)
    assert answer.outcome == Outcome.UNAVAILABLE and answer.detail


def test_a_long_digest_is_split_between_lines_within_the_limit():
    lines = [f"- 课桌椅（KZY-{n:04d}）· 本部校区 › 教学楼 › 3F › 301 · 桌腿松了" for n in range(300)]
    text = "\n".join(lines)
    parts = split_markdown(text)
    assert len(parts) > 1 and all(len(part.encode()) <= MARKDOWN_BYTES for part in parts)
    assert "".join(parts) == text  # nothing lost, nothing cut inside a line
    long_line = "损" * 3000  # 9,000 bytes on one line: cut between characters
    assert "".join(split_markdown(long_line)) == long_line and all(len(p.encode()) <= MARKDOWN_BYTES for p in split_markdown(long_line))


@pytest.mark.parametrize(("kind", "url", "secret", "message"), [
    ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "", "not a WeCom robot's address"),
    ("wecom", "https://evil.example/cgi-bin/webhook/send?key=k", "", "not a WeCom robot's address"),
    ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "", "has no key"),
    ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", "", "signing secret"),
    ("slack", "https://hooks.slack.com/x", "", "WeCom, DingTalk or an email list"),
])
def test_an_address_that_is_not_the_robots_is_refused_with_what_to_fix(app, kind, url, secret, message):
    with pytest.raises(ValidationError, match=message):
        check_robot(Robot(kind, url, secret))


def test_the_robots_own_addresses_are_accepted(app):
    check_robot(Robot("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"))
    check_robot(Robot("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=abc", "SECabc"))
