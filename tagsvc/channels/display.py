"""The words for the news a group can hear of, and a message shown as a group shows it."""
import re

from markupsafe import Markup, escape

from tagsvc.i18n.markers import N_

EVENT_LABELS = {
    "damage_reported": N_("New damage reports"),
    "repair_assigned": N_("Repairs assigned"),
    "repair_overdue": N_("Repairs overdue"),
    "transfer_waiting": N_("Transfers waiting for a decision"),
    "disposal_waiting": N_("Disposals waiting for approval"),
    "loan_overdue": N_("Loans overdue (daily)"),
    "stocktake_due": N_("Stocktakes due in 3 days"),
    "import_done": N_("Imports finished"),
    "inspection_overdue": N_("Safety inspection rounds not done (daily)"),
}
DELIVERY_STATUS_LABELS = {"waiting": N_("waiting"), "sent": N_("sent"), "failed": N_("failed")}
KIND_LABELS = {"wecom": N_("WeCom"), "dingtalk": N_("DingTalk"), "email": N_("Email list")}


def shortened(url: str) -> str:
    """A webhook address without most of its key (it is a secret: whoever has it can post to the group). An email
    list's addresses as they are."""
    if "://" not in url:
        return url
    head, separator, key = url.partition("key=") if "key=" in url else url.partition("access_token=")
    return f"{head}{separator}{key[:4]}…" if separator else url[:40]


_LINK = re.compile(r"\[([^\]]*)\]\(((?:https?://|/)[^)\s]*)\)")


def as_the_group_reads_it(markdown: str) -> Markup:
    """The little markdown tagsvc's messages use (a heading, list lines, links), as HTML: everything escaped first,
    only links to web pages made links."""
    html, in_list = [], False
    for line in markdown.splitlines():
        text = _LINK.sub(lambda link: f'<a href="{link.group(2)}">{link.group(1)}</a>', str(escape(line)))
        if line.startswith("- "):
            html.append(("" if in_list else "<ul>") + f"<li>{text[2:]}</li>")
            in_list = True
            continue
        if in_list:
            html.append("</ul>")
            in_list = False
        if line.startswith("#"):
            html.append(f"<p><strong>{text.lstrip('#').strip()}</strong></p>")
        elif line.strip():
            html.append(f"<p>{text}</p>")
    if in_list:
        html.append("</ul>")
    return Markup("".join(html))
