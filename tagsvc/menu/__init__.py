"""The signed-in header's menu: the same for every page a person opens, so drawn once per person, language and
menu page, and only its live parts (the repair counts, the sign-out form's CSRF token) filled in per request."""
