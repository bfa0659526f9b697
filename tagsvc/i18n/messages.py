"""Texts the system writes into records (a history line's "JY-2026-0003: 王小明, due back on …", a stocktake's
scope) are kept as data, a message id with its arguments, and put into words when read: in the reader's language,
not the writer's. The names inside (people, places, documents) are data and stay as they were typed.

A message is `{"id": msgid, "args": {...}}`; an argument may itself be a message, or a list (of names or messages,
joined as the reader's language lists things: "、" or ", "); a list of messages is joined by " · ".
"""
from __future__ import annotations

from flask_babel import gettext

Message = dict


def message(msgid: str, **args) -> Message:
    """A text to say later. Mark msgid with N_ where it is written, so the catalog has it."""
    return {"id": msgid, "args": {key: _storable(value) for key, value in args.items()}}


def _storable(value):
    if isinstance(value, dict | list | int | float) or value is None:
        return value
    return str(value)


def in_languages(names: dict[str, str]) -> Message:
    """A name that is not in the catalog but is given in each language (a label sheet's name from its file)."""
    return {"in_languages": dict(names)}


def say(value, separator: str = " · ") -> str:
    """The words of a message (or of a list of them) in the reader's language; plain text as it is."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return separator.join(part for part in (say(item) for item in value) if part)
    if "in_languages" in value:
        from flask_babel import get_locale

        names = value["in_languages"]
        language = str(get_locale() or "zh").split("_")[0]
        return names.get(language) or next(iter(names.values()), "")
    args = {key: _said_argument(argument) for key, argument in (value.get("args") or {}).items()}
    return gettext(value["id"], **args) if args else gettext(value["id"])


def _said_argument(argument):
    if isinstance(argument, list):
        return join_names([say(item) for item in argument])
    return say(argument) if isinstance(argument, dict) else argument


def join_names(names) -> str:
    """Names listed as the reader's language lists them: 信息中心、教务处; IT office, Academic office."""
    from flask_babel import get_locale

    names = [str(name) for name in names if name]
    return ("、" if str(get_locale() or "zh").startswith("zh") else ", ").join(names)
