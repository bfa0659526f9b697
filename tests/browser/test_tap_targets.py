"""Every link, button and labelled control on every page, for the public and each role, is at least 44 px tall on a
360 px phone: a keeper taps a link in a list, or beside a label, with a thumb. Pages come from the URL map, filled from
the sweeps' school (tests/sweeps/world.py), so a new page is measured from the day it exists."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, signed_in_page
from tests.conftest import TEST_PASSWORD
from tests.sweeps.world import build_world, page_urls

pytestmark = pytest.mark.browser
SMALLEST = 44
PAGES_AT_LEAST = {"anonymous": 10, "office": 50, "keeper": 30, "staff": 12, "repairer": 12, "district": 12}
DOWNLOADS = (".xlsx", ".pdf", ".png", ".csv", ".zip", ".json", ".svg", ".txt")

# What a thumb taps: every link, button, field and summary shown; a checkbox or radio by its label (the box itself
# is small, or hidden under a styled label); a text field's own label is not a target.
MEASURE = """(smallest) => {
  const small = [];
  const shown = (el) => { const s = getComputedStyle(el); return s.visibility !== 'hidden' && s.display !== 'none'; };
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    if (el.closest('[hidden], .visually-hidden') || !shown(el)) continue;
    let target = el;
    if (el.matches('a.row-link') && getComputedStyle(el, '::after').position === 'absolute') {
      target = el.closest('tr, li') || el;  // the whole card opens it (its ::after covers the card)
    } else if (el.matches('input[type=checkbox], input[type=radio]')) {
      target = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`)) || el;
    }
    const rects = [...target.getClientRects()].filter(r => r.width > 0 && r.height > 0);
    if (!rects.length) continue;  // not shown: inside a closed menu or fold
    const tallest = Math.max(...rects.map(r => r.height));
    if (tallest < smallest - 0.5) {
      const words = (target.innerText || el.value || el.getAttribute('aria-label') || el.name || '').trim().replace(/\\s+/g, ' ');
      small.push(`${el.tagName.toLowerCase()} “${words.slice(0, 40)}” ${Math.round(tallest)} px`);
    }
  }
  return small;
}"""


def _one_url_per_page(app, world) -> list[str]:
    urls = {}
    for endpoint, url in page_urls(app, world):
        if url.startswith("/api/v1/") or url.endswith(DOWNLOADS) or endpoint.endswith(("_xlsx", "excel", "export", "download")):
            continue  # files to download, and answers for programs
        urls.setdefault(endpoint, url)
    return list(urls.values())


@pytest.mark.parametrize("role", ["anonymous", "office", "keeper", "staff", "repairer", "district"])
def test_every_tap_target_is_44_px_tall_on_a_phone(app, browser, live_server, role):
    world = build_world()
    context = browser.new_context(**PHONE)
    context.set_default_timeout(20_000)
    page = context.new_page() if role == "anonymous" else signed_in_page(context, live_server, getattr(world, role).username, TEST_PASSWORD)
    found, measured = {}, 0
    for url in _one_url_per_page(app, world):
        response = page.goto(live_server + url)
        if response is None or response.status != 200 or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        if page.url.rstrip("/").endswith("/login") and role != "anonymous":
            continue
        measured += 1
        if small := page.evaluate(MEASURE, SMALLEST):
            found[url] = small
    context.close()
    assert measured >= PAGES_AT_LEAST[role]  # the sweep reached the role's pages, not only refusals
    assert found == {}, "\n".join(f"{url}: {'; '.join(small)}" for url, small in found.items())
