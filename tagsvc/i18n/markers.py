"""N_ marks a message for extraction without translating it: for tables of labels that are translated
where they are shown (templates call _() on them, forms wrap them in lazy_gettext)."""


def N_(message: str) -> str:
    return message
