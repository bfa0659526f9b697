"""The header menu of signed-in pages, drawn from a small in-process memo.

Rendering the menu (a dozen translated links built with url_for) cost more than the rest of a label's page for
staff. Its key is everything it shows apart from the two live parts, which are placeholders filled per request: the
counts (they change with every report) and the CSRF token (signed per request). An entry is never stale: a new
name, role, department or language makes a new key; old entries just age out.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from flask import render_template, request
from flask_babel import get_locale, gettext as _, ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from tagsvc.approvals.services import waiting_count
from tagsvc.repairs.services import repair_counts

# HTML comments: nothing a person types can produce them in the page (their text is escaped).
COUNTS_PLACEHOLDER = "<!--menu:counts-->"
CSRF_PLACEHOLDER = "<!--menu:csrf-->"
APPROVALS_PLACEHOLDER = "<!--menu:approvals-->"
# The menu's pages: on one of them the menu names it instead of linking it, so the page is part of the key.
MENU_ENDPOINTS = frozenset({"home.index", "assets.index", "labels.print_assets", "repairs.queue", "repairs.mine", "stocktake.index", "transfers.index",
                            "approvals.index", "loans.index", "disposals.index", "reports.summary", "spreadsheets.upload",
                            "structure.departments", "structure.tree", "accounts.users", "channels.index", "accounts.password", "api_pages.token_list", "district.overview", "district.season_list",
                            "transfers.school_index", "schools.settings", "inspections.index"})


class _Memo:
    def __init__(self, max_entries: int = 1024) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key, make) -> str:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = make()
        with self._lock:
            self._entries[key] = value
            if len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value


_memo = _Memo()


def signed_in_menu() -> Markup:
    user = current_user._get_current_object()  # the proxy looks the user up again on every attribute
    page = request.path if request.endpoint in MENU_ENDPOINTS else ""
    key = (str(get_locale()), user.id, user.display_name, user.role, user.can_create_assets, request.script_root, page)
    menu = _memo.get_or_make(key, lambda: render_template("_menu.html", counts=Markup(COUNTS_PLACEHOLDER), csrf=Markup(CSRF_PLACEHOLDER),
                                                          approvals=Markup(APPROVALS_PLACEHOLDER)))
    menu = menu.replace(COUNTS_PLACEHOLDER, counts_badges(user)).replace(CSRF_PLACEHOLDER, generate_csrf())
    if APPROVALS_PLACEHOLDER in menu:
        menu = menu.replace(APPROVALS_PLACEHOLDER, approvals_badge(user))
    return Markup(menu)


def approvals_badge(user) -> str:
    """What waits for this person on the approvals page (transfers, arrivals, disposals, overdue loans)."""
    waiting = waiting_count(user)
    # The badge says what it counts in words: phones never show a title.
    text = _("%(n)d waiting for you", n=waiting)
    return f' <span class="badge">{escape(text)}</span>' if waiting else ""


def counts_badges(user) -> str:
    """New reports (for the office) or newly assigned orders (for a repairer), and overdue ones."""
    pending = repair_counts(user)
    badges = ""
    if pending and pending.new:
        text = (ngettext("%(num)d new report", "%(num)d new reports", pending.new) if user.is_admin
                else ngettext("%(num)d new order", "%(num)d new orders", pending.new))
        badges += f' <span class="badge">{escape(text)}</span>'
    if pending and pending.overdue:
        late = _("%(n)d overdue", n=pending.overdue)
        badges += f' <span class="badge badge-late">{escape(late)}</span>'
    return badges
