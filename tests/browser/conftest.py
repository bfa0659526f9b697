"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the app served on localhost."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tagsvc import create_app
from tests.conftest import _test_config

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# A phone: 360 px wide, touch, and the WeChat in-app browser's user agent.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
        "Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560 WeChat/arm64"
    ),
}


@pytest.fixture(scope="session")
def playwright():
    """One Playwright for the whole run (a second one in the same thread is refused): tests that need a Chromium
    started with other flags (a fake camera) launch it from here."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    )
    yield browser
    browser.close()


@pytest.fixture
def live_server(database_url, tmp_path):
    """The app on a free localhost port, in a thread, on this test's database."""
    app = create_app(_test_config(database_url, tmp_path, WTF_CSRF_ENABLED=True, PUBLIC_BASE_URL=None, DEFAULT_LANGUAGE="zh"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Requests the browser started before the test ended finish before the database is emptied: a request still
    # reading while the cleanup's TRUNCATE waits was a deadlock on PostgreSQL (seen once in CI).
    server.daemon_threads, server.block_on_close = False, True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ctx = app.app_context()
    ctx.push()
    yield f"http://127.0.0.1:{server.server_port}"
    ctx.pop()
    server.shutdown()
    server.server_close()  # joins the request threads still running
    thread.join()


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    context.set_default_timeout(10_000)
    yield context
    context.close()


def screenshot(page, name: str) -> None:
    """A picture for people to look at, not a verdict: a long page on a busy machine may take a while to paint (a
    10 s limit once failed the API reference on a phone in CI), so it gets a minute, and if even that runs out the
    test's own assertions still decide and the missing picture is reported as a warning."""
    import warnings

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True, timeout=60_000)
    except PlaywrightTimeout:
        warnings.warn(f"screenshot {name} not taken: the page did not paint within a minute", stacklevel=2)


def fill_sign_in(page, username: str, password: str) -> None:
    """On the sign-in page (in either language): type the account and submit."""
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").click()


def signed_in_page(context, base: str, username: str, password: str):
    """A new page in this browser context, signed in as this person and on their start page."""
    page = context.new_page()
    page.goto(f"{base}/login")
    fill_sign_in(page, username, password)
    page.wait_for_url(f"{base}/")
    return page
