"""Template translation functions bound once per render.

Flask-Babel's Jinja integration looks the translations up again for every string (several context lookups
each); a page translates dozens. Jinja's i18n extension takes `gettext` / `ngettext` from the template
context first, so a context processor can hand it functions bound to the translations found once per render.
They behave as Jinja's "newstyle" gettext: the result is autoescaped, then formatted with the keyword arguments.
"""
from __future__ import annotations

from flask_babel import get_translations
from jinja2 import pass_context
from markupsafe import Markup


def translation_functions() -> dict:
    translations = get_translations()

    @pass_context
    def gettext(context, message: str, **variables):
        text = translations.ugettext(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables if variables else text

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, **variables):
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext}
