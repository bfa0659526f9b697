"""The in-page stocktake scanner with a fake camera: Chromium plays a clip (Y4M) made here from the room's own
printed labels. It confirms every label with no tap; offline, it keeps confirming into the phone's queue, which
survives closing the page and is sent exactly once when the network comes back."""
from __future__ import annotations

import contextlib
import json
import time
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from tagsvc.config import Config
from tagsvc.extensions import db
from tagsvc.labels.pdf import LabelContent
from tagsvc.labels.png import render_pngs
from tagsvc.labels.qr import label_url, qr_matrix
from tagsvc.labels.sheets import load_sheets
from tagsvc.config import PROJECT_ROOT
from tagsvc.stocktake.models import ScanOutcome, StocktakeItem, StocktakeScan
from tests.browser.conftest import CHROMIUM, PHONE, fill_sign_in, screenshot
from tests.conftest import TEST_PASSWORD
from tests.stocktake.conftest import build_floor, open_floor_stocktake

pytestmark = pytest.mark.browser

FPS = 10
WIDTH, HEIGHT = 320, 240
LABEL_FRAMES, GAP_FRAMES, TAIL_FRAMES = 8, 4, 80  # 0.8 s each label, 0.4 s between, 8 s of nothing at the end


def label_pictures(base: str, things) -> list[Image.Image]:
    """The labels as the office prints them on the thermal roll (the project's own renderer), one picture each: an
    asset's label, or a room's label given as (code, room)."""
    sheet = load_sheets(PROJECT_ROOT / "labels")["thermal-50x30"]
    labels = []
    for thing in things:
        if isinstance(thing, tuple):
            code, room = thing
            labels.append(LabelContent(code=code, qr=qr_matrix(label_url(base, code)), name=room.name, place=room.parent.full_name))
        else:
            code = thing.current_tag.code
            labels.append(LabelContent(code=code, qr=qr_matrix(label_url(base, code)), name=thing.name, asset_number=thing.asset_number,
                                       place=thing.location.full_name))
    return [Image.open(BytesIO(png)).convert("L") for png in render_pngs(sheet, labels, Config({}).LABEL_FONT, dpi=150)]


def write_clip(path, pictures: list[Image.Image]) -> list[int]:
    """A Y4M clip: each label held up to the camera in turn, a little tilted background around it. Returns the
    frame at which each label first appears."""
    blank = Image.new("RGB", (WIDTH, HEIGHT), (96, 104, 112))
    starts, frames = [], []
    for picture in pictures:
        frame = blank.copy()
        label = picture.convert("RGB")
        label.thumbnail((WIDTH - 20, HEIGHT - 20))
        frame.paste(label, ((WIDTH - label.width) // 2, (HEIGHT - label.height) // 2))
        starts.append(len(frames))
        frames += [frame] * LABEL_FRAMES + [blank] * GAP_FRAMES
    frames += [blank] * TAIL_FRAMES
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            y, cb, cr = frame.convert("YCbCr").split()
            out.write(b"FRAME\n" + y.tobytes() + cb.resize((WIDTH // 2, HEIGHT // 2)).tobytes() + cr.resize((WIDTH // 2, HEIGHT // 2)).tobytes())
    return starts


@contextlib.contextmanager
def camera_browser(playwright, clip):
    """A Chromium whose camera is the clip (fixed at launch: one browser per clip)."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={clip}", "--no-first-run", "--disable-background-networking"])
    try:
        yield browser
    finally:
        browser.close()


def phone_signed_in(browser, base, user):
    context = browser.new_context(**PHONE, permissions=["camera"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/login")
    fill_sign_in(page, user.username, TEST_PASSWORD)
    page.wait_for_url(f"{base}/")
    return context, page


def counted(stocktake, room) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(StocktakeItem.confirmed_at)).where(
        StocktakeItem.stocktake_id == stocktake.id, StocktakeItem.expected_location_id == room.id))


@pytest.fixture
def walk(live_server):
    floor = build_floor()
    return floor, open_floor_stocktake(floor)


def test_the_camera_confirms_every_label_of_the_room_in_order_without_a_tap(playwright, live_server, walk, tmp_path):
    floor, stocktake = walk
    room = floor.rooms["301"]
    assets = [floor.items["301-bed1"], floor.items["301-bed2"], floor.items["301-chair"]]
    starts = write_clip(tmp_path / "room-301.y4m", label_pictures(live_server, assets))
    with camera_browser(playwright, tmp_path / "room-301.y4m") as browser:
        context, page = phone_signed_in(browser, live_server, floor.keeper)
        requested = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{live_server}/stocktakes/{stocktake.id}/scan?room={room.id}")
        assert page.locator("#missing li").count() == 3
        page.get_by_role("button", name="打开摄像头").click()
        page.wait_for_function("() => document.querySelectorAll('#found li').length === 3", timeout=20_000)
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '0'")
        stats = page.evaluate("window.tagsvcScanner.stats")
        screenshot(page, "stocktake-scanner-phone")
        assert [c["code"] for c in stats["confirmed"]] == [a.current_tag.code for a in assets]  # in order
        assert stats["detector"] == "zxing-wasm"  # Linux Chromium has no native detector: the vendored one
        assert any(url.endswith(".wasm") or ".wasm?" in url for url in requested)
        assert [url for url in requested if not url.startswith(live_server)] == []  # no CDN: the school's server alone
        assert page.locator("#room-tally [data-found]").inner_text() == "3"
        assert page.locator("#missing-empty").is_visible()
        # Found by the camera, each row offers its condition and a damage report without leaving the walk.
        chair = page.locator("#found li", has_text="301椅子")
        chair.locator("summary").click()
        chair.locator("select[name=condition]").select_option("poor")
        chair.get_by_role("button", name="记录状况").click()
        assert "301椅子：已记录状况" in page.locator(".flash-success").inner_text()
        assert page.locator("#found li", has_text="301椅子").locator("a", has_text="报修").count() == 1
        # How fast: the stream's own clock (video.currentTime, 0 when the fake camera began the clip) at the tick,
        # against the time the label's first frame was shown in the clip.
        fps = stats["frames"] / ((stats["confirmed"][-1]["at"] - stats["startedAt"]) / 1000)
        latencies = [c["videoTime"] - start / FPS for c, start in zip(stats["confirmed"], starts, strict=True)]
        assert max(latencies) < 1.0, latencies  # the budget: confirmed within a second of the label appearing
        print(f"\nscanner: decoder {fps:.1f} frames/s, {stats['decodeMs'] / stats['frames']:.1f} ms a frame; "
              f"label seen → confirmed {json.dumps([round(x, 2) for x in latencies])} s")
        context.close()
    assert counted(stocktake, room) == 3
    scans = db.session.scalars(select(StocktakeScan).where(StocktakeScan.stocktake_id == stocktake.id)).all()
    assert {s.method.value for s in scans} == {"camera"} and all(s.location_id == room.id for s in scans)


def test_offline_confirmations_wait_on_the_phone_and_arrive_exactly_once(playwright, school_wifi, walk, tmp_path):
    school = school_wifi.address
    floor, stocktake = walk
    from tagsvc.tags.services import _issue_location_tag

    room, next_room = floor.rooms["302"], floor.rooms["303"]
    next_room_label = _issue_location_tag(next_room.id).code
    db.session.commit()
    assets = [floor.items["302-bed1"], floor.items["302-bed2"], floor.items["302-chair"]]
    # 302's three items, then (still offline) the label on 303's door and 303's first bed.
    write_clip(tmp_path / "room-302.y4m", label_pictures(school, [*assets, (next_room_label, next_room), floor.items["303-bed1"]]))
    with camera_browser(playwright, tmp_path / "room-302.y4m") as browser:
        context, page = phone_signed_in(browser, school, floor.keeper)
        page.goto(f"{school}/stocktakes/{stocktake.id}/scan?room={room.id}")
        page.wait_for_load_state("networkidle")  # the decoder arrived while there was a network
        school_wifi.cut(context)  # the dorm basement
        page.get_by_role("button", name="打开摄像头").click()
        page.wait_for_function("() => document.querySelectorAll('#found li').length === 3", timeout=20_000)
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '4'", timeout=20_000)
        assert page.locator(".where h1").inner_text() == "宿舍A栋 › 3F › 303"  # the door's label moved them on, offline
        assert page.locator("#queue-status").inner_text() == "4 条待发送"
        screenshot(page, "stocktake-scanner-offline")
        page.close()  # closed while still offline
        assert counted(stocktake, room) == 0

        school_wifi.restore(context)
        page = context.new_page()
        page.goto(f"{school}/stocktakes/{stocktake.id}/scan?room={room.id}")
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '0'")
        assert page.locator("#queue-status").inner_text() == "已全部发送"
        page.reload()  # and once more: nothing is sent twice
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '0'")
        context.close()
    assert counted(stocktake, room) == 3 and counted(stocktake, next_room) == 1
    scans = db.session.scalars(select(StocktakeScan).where(StocktakeScan.stocktake_id == stocktake.id)).all()
    assert len(scans) == 4 and {s.outcome for s in scans} == {ScanOutcome.CONFIRMED}
    assert [s.location_id for s in sorted(scans, key=lambda s: s.scanned_at)] == [room.id] * 3 + [next_room.id]


def test_a_closed_and_reopened_page_shows_what_waits_as_found(playwright, live_server, walk, tmp_path):
    """Before the network is back, the queue already moves the items on the list (and says how many wait)."""
    floor, stocktake = walk
    room = floor.rooms["303"]
    write_clip(tmp_path / "room-303.y4m", label_pictures(live_server, [floor.items["303-bed1"]]))
    with camera_browser(playwright, tmp_path / "room-303.y4m") as browser:
        context, page = phone_signed_in(browser, live_server, floor.keeper)
        page.goto(f"{live_server}/stocktakes/{stocktake.id}/scan?room={room.id}")
        page.route("**/api/v1/stocktakes/**", lambda route: route.abort())  # the server unreachable, the page still loads
        page.get_by_role("button", name="打开摄像头").click()
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '1'", timeout=20_000)
        page.close()
        page = context.new_page()
        page.route("**/api/v1/stocktakes/**", lambda route: route.abort())
        page.goto(f"{live_server}/stocktakes/{stocktake.id}/scan?room={room.id}")
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '1'")
        assert "303床1" in page.locator("#found").inner_text()
        page.unroute("**/api/v1/stocktakes/**")
        page.evaluate("window.tagsvcScanner.flush()")
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '0'")
        context.close()
    time.sleep(0.1)
    assert counted(stocktake, room) == 1


@pytest.mark.parametrize("answer", [409, 429, 503, "no network"])
def test_a_batch_the_server_may_have_counted_is_sent_again_never_marked_refused(playwright, live_server, walk, tmp_path, answer):
    """The server receives the batch (and counts it), but the phone gets "the same batch is being received right now"
    (409 with Retry-After), "too many" (429), a 503 or no answer at all: the rows stay waiting, are sent again, and
    count once."""
    floor, stocktake = walk
    room = floor.rooms["301"]
    assets = [floor.items["301-bed1"], floor.items["301-bed2"]]
    write_clip(tmp_path / "room-301.y4m", label_pictures(live_server, assets))
    lost = {"answers": 0}

    def lose_the_first_answers(route):
        if lost["answers"] >= 2:
            return route.continue_()
        lost["answers"] += 1
        route.fetch()  # the server gets it and counts it ...
        if answer == "no network":
            return route.abort()  # ... and the answer is lost on the way back
        route.fulfill(status=answer, headers={"Retry-After": "1", "Content-Type": "application/problem+json"},
                      body=json.dumps({"status": answer, "detail": "received right now from another send"}))

    with camera_browser(playwright, tmp_path / "room-301.y4m") as browser:
        context, page = phone_signed_in(browser, live_server, floor.keeper)
        page.route("**/api/v1/stocktakes/*/confirmations", lose_the_first_answers)
        page.goto(f"{live_server}/stocktakes/{stocktake.id}/scan?room={room.id}")
        page.get_by_role("button", name="打开摄像头").click()
        page.wait_for_function("() => document.querySelectorAll('#found li').length === 2", timeout=20_000)
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '0'", timeout=20_000)
        assert "未发送" not in page.locator("#queue-status").inner_text() and lost["answers"] == 2
        refused = page.evaluate(f"ScanQueue.all({stocktake.id}).then(rows => rows.filter(r => r.refused).length)")
        context.close()
    assert refused == 0
    assert counted(stocktake, room) == 2
    scans = db.session.scalars(select(StocktakeScan).where(StocktakeScan.stocktake_id == stocktake.id)).all()
    assert len(scans) == 2  # each counted once, however often it was sent
