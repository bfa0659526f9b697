"""Sending one message to a group robot, and reading its answer.

WeCom (企业微信) group robot: POST JSON to its webhook (…/cgi-bin/webhook/send?key=KEY); markdown up to 4,096 bytes.
DingTalk (钉钉) custom robot: POST JSON to …/robot/send?access_token=T with `timestamp` (milliseconds) and `sign`, the
base64 of HMAC-SHA256 keyed with the secret over `timestamp + "\\n" + secret`. Both answer HTTP 200 with an `errcode`
(0 is success), also when they refuse; both take at most 20 messages a minute (WeCom 45009; DingTalk 130101 and a
10-minute block). An answer is one of: sent, rate limited (send later), refused for good (a wrong key or signature:
the office must fix the channel), or unavailable (network, timeout, 5xx: send again later).
An email list is a channel too: its "address" is the list of email addresses, its messages go through the school's
SMTP server as plain text (the same limits keep one rule).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, quote_plus, urlencode, urlsplit

from flask_babel import gettext as _

from tagsvc.errors import ValidationError

MARKDOWN_BYTES = 4096  # WeCom's limit for markdown; DingTalk's is larger, the same keeps one rule
PER_MINUTE = 20  # both robots
DINGTALK_BLOCK_SECONDS = 600  # DingTalk blocks a robot for 10 minutes after the 21st message in a minute
HOSTS = {"wecom": "qyapi.weixin.qq.com", "dingtalk": "oapi.dingtalk.com"}
PATHS = {"wecom": "/cgi-bin/webhook/send", "dingtalk": "/robot/send"}
KEYS = {"wecom": "key", "dingtalk": "access_token"}
RATE_LIMITED = {"wecom": {45009}, "dingtalk": {130101}}


class Outcome(StrEnum):
    SENT = "sent"
    RATE_LIMITED = "rate_limited"  # over 20 a minute: send again after `retry_after` seconds
    REFUSED = "refused"  # for good: a wrong key, signature or message; sending again changes nothing
    UNAVAILABLE = "unavailable"  # network, timeout, a 5xx: send again later


@dataclass(frozen=True)
class Robot:
    kind: str  # "wecom" or "dingtalk"
    url: str  # the webhook address, with its key or access token
    secret: str = ""  # DingTalk's signing secret (SEC…)


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    errcode: int | None = None
    detail: str = ""
    retry_after: int | None = None  # seconds


KINDS = ("wecom", "dingtalk", "email")
_EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")


def email_addresses(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\s]+", text) if part.strip()]


def check_robot(robot: Robot) -> None:
    """Refuse an address that is not the robot's own (https, its host and path, its key), with what to fix. A test
    robot on this machine (http on a loopback address) is accepted with any path."""
    if robot.kind == "email":
        _check_email_list(robot.url)
        return
    if robot.kind not in HOSTS:
        raise ValidationError(_("Choose WeCom, DingTalk or an email list."))
    parts = urlsplit(robot.url.strip())
    key = parse_qs(parts.query).get(KEYS[robot.kind], [""])[0]
    local = _loopback(parts.hostname or "")
    if not local and (parts.scheme != "https" or parts.hostname != HOSTS[robot.kind] or parts.path != PATHS[robot.kind]):
        raise ValidationError(_("That is not a %(robot)s robot's address: it starts with https://%(host)s%(path)s?%(key)s=",
                                robot=_robot_name(robot.kind), host=HOSTS[robot.kind], path=PATHS[robot.kind], key=KEYS[robot.kind]))
    if not key:
        raise ValidationError(_("The address has no %(key)s: copy the whole address the robot's settings show.", key=KEYS[robot.kind]))
    if robot.kind == "dingtalk" and not robot.secret.strip():
        raise ValidationError(_("A DingTalk robot needs its signing secret (加签, it starts with SEC)."))


def _check_email_list(text: str) -> None:
    from tagsvc.mail import mail_configured

    addresses = email_addresses(text)
    if not addresses:
        raise ValidationError(_("Write the email addresses of the list, separated by commas."))
    wrong = [a for a in addresses if not _EMAIL.fullmatch(a)]
    if wrong:
        raise ValidationError(_("Not an email address: %(addresses)s", addresses=", ".join(wrong[:3])))
    if len(addresses) > 50:
        raise ValidationError(_("At most 50 addresses in a list: use the group's own list address."))
    if not mail_configured():
        raise ValidationError(_("Email is not set up on this server (TAGSVC_SMTP_HOST): ask the administrator, or use a group robot."))


def _robot_name(kind: str) -> str:
    return _("WeCom") if kind == "wecom" else _("DingTalk")


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def dingtalk_signature(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def address(robot: Robot, now: float | None = None) -> str:
    """Where this message goes: DingTalk's address carries the time and the signature."""
    if robot.kind != "dingtalk":
        return robot.url
    timestamp = int((now if now is not None else time.time()) * 1000)
    separator = "&" if "?" in robot.url else "?"
    return f"{robot.url}{separator}{urlencode({'timestamp': timestamp})}&sign={quote_plus(dingtalk_signature(robot.secret, timestamp))}"


def body(robot: Robot, title: str, markdown: str) -> dict:
    if robot.kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": markdown}}
    return {"msgtype": "markdown", "markdown": {"title": title, "text": markdown}}


def send(robot: Robot, title: str, markdown: str, timeout: float = 10, at: float | None = None) -> Answer:
    """Send one markdown message (at most MARKDOWN_BYTES: see split_markdown) and read the robot's answer. `at`:
    the time to sign with (a timestamp; now by default)."""
    if len(markdown.encode()) > MARKDOWN_BYTES:
        raise ValueError("split the message first")
    if robot.kind == "email":
        return _send_email(robot, title, markdown)
    request = urllib.request.Request(address(robot, at), data=json.dumps(body(robot, title, markdown), ensure_ascii=False).encode(),
                                     headers={"Content-Type": "application/json; charset=utf-8"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # an address check_robot accepted
            answer = json.loads(response.read().decode() or "{}")
    except urllib.error.HTTPError as error:
        return Answer(Outcome.UNAVAILABLE, detail=f"HTTP {error.code}")
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        return Answer(Outcome.UNAVAILABLE, detail=str(getattr(error, "reason", error)))
    except ValueError:
        return Answer(Outcome.UNAVAILABLE, detail="not JSON")
    errcode = answer.get("errcode")
    detail = str(answer.get("errmsg") or "")
    if errcode == 0:
        return Answer(Outcome.SENT, errcode=0)
    if errcode in RATE_LIMITED[robot.kind]:
        return Answer(Outcome.RATE_LIMITED, errcode=errcode, detail=detail,
                      retry_after=DINGTALK_BLOCK_SECONDS if robot.kind == "dingtalk" else 60)
    if errcode is None:
        return Answer(Outcome.UNAVAILABLE, detail=detail or "no errcode")
    return Answer(Outcome.REFUSED, errcode=errcode, detail=detail)


_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")


def plain_text(markdown: str) -> str:
    """The message as an email's text: headings without their marks, a link as its words and its address."""
    lines = [line.lstrip("#").strip() if line.startswith("#") else line for line in markdown.splitlines()]
    return _LINK.sub(lambda link: f"{link.group(1)}: {link.group(2)}", "\n".join(lines))


def _send_email(robot: Robot, title: str, markdown: str) -> Answer:
    import smtplib

    from tagsvc.mail import deliver_mail

    try:
        deliver_mail(email_addresses(robot.url), title, plain_text(markdown))
    except smtplib.SMTPRecipientsRefused as error:
        refused = ", ".join(error.recipients)
        return Answer(Outcome.REFUSED, errcode=550, detail=f"refused: {refused}")
    except (OSError, smtplib.SMTPException) as error:
        return Answer(Outcome.UNAVAILABLE, detail=str(error) or type(error).__name__)
    return Answer(Outcome.SENT, errcode=0)


def split_markdown(text: str, limit: int = MARKDOWN_BYTES) -> list[str]:
    """Parts of at most `limit` bytes, cut between lines (a line longer than that between characters): a digest
    too long for one message goes as several, nothing lost."""
    parts, current = [], ""
    for line in text.splitlines(keepends=True):
        while len(line.encode()) > limit:
            head = line.encode()[:limit].decode(errors="ignore")
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
            line = line[len(head):]
        if len((current + line).encode()) > limit:
            parts.append(current)
            current = ""
        current += line
    if current or not parts:
        parts.append(current)
    return parts
