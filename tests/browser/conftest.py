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


class SchoolWifi:
    """The school's network between a phone and the app: a TCP relay the test can cut. Playwright's offline mode
    does not reach a request that passes through a page's service worker (microsoft/playwright#2311): a round's
    results went out "offline" once in CI. Cut here, nothing gets through, whichever part of the browser sends it."""

    def __init__(self, server_address: str):
        import socket

        self._target = tuple(server_address.removeprefix("http://").rsplit(":", 1))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._up = True
        self._open: set = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self, *phones) -> None:
        """No network: nothing gets through, and the phones' browsers know it (navigator.onLine is false)."""
        for phone in phones:
            phone.set_offline(True)
        with self._lock:
            self._up = False
            for sock in self._open:
                self._drop(sock)
            self._open.clear()

    def restore(self, *phones) -> None:
        """The network is back: the phones' browsers hear it ("online"), as a phone does on leaving the basement."""
        with self._lock:
            self._up = True
        for phone in phones:
            phone.set_offline(False)

    def close(self) -> None:
        self.cut()
        self._listener.close()

    @staticmethod
    def _drop(sock) -> None:
        import socket

        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def _accept(self) -> None:
        import socket

        while True:
            try:
                phone_side, _ = self._listener.accept()
            except OSError:
                return  # closed at the end of the test
            with self._lock:
                if not self._up:
                    self._drop(phone_side)
                    continue
                server_side = socket.create_connection((self._target[0], int(self._target[1])))
                self._open.update((phone_side, server_side))
            for source, sink in ((phone_side, server_side), (server_side, phone_side)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            with self._lock:
                for sock in (source, sink):
                    if sock in self._open:
                        self._open.discard(sock)
                        self._drop(sock)


@pytest.fixture
def school_wifi(live_server):
    """The app reached through a network the test can cut (SchoolWifi): use `school_wifi.address` as the base."""
    wifi = SchoolWifi(live_server)
    yield wifi
    wifi.close()


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
