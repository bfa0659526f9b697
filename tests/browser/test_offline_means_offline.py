"""A test that takes a phone offline does it with the school_wifi fixture (tests/browser/conftest.py), never with
Playwright's offline switch alone: that switch does not reach requests passing through a service worker, and a round's
results went out "offline" in CI because of it."""
from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_test_goes_offline_with_playwrights_switch_alone():
    offenders = [
        f"{path.relative_to(TESTS)}:{number}"
        for path in sorted(TESTS.rglob("*.py"))
        if path.name not in {"conftest.py", Path(__file__).name}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.set_offline\(", line)
    ]
    assert offenders == [], f"use school_wifi.cut(context) / .restore(context) instead: {offenders}"
