"""Email, when the school has an SMTP server; never required. Sending happens in a background thread so a
slow or absent mail server never slows the page that caused it; failures are logged, not shown."""
from __future__ import annotations

import logging
import smtplib
import threading
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)


def mail_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def send_mail(recipients: list[str], subject: str, body: str) -> threading.Thread | None:
    """Send a plain-text email to the recipients; returns the sending thread, or None when mail is off."""
    recipients = [r for r in recipients if r]
    if not mail_configured() or not recipients:
        return None
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM") or f"tagsvc@{config['SMTP_HOST']}"
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body)
    settings = {key: config.get(key) for key in ("SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS")}

    def deliver() -> None:
        try:
            with smtplib.SMTP(settings["SMTP_HOST"], int(settings["SMTP_PORT"] or 25), timeout=20) as smtp:
                if settings["SMTP_STARTTLS"]:
                    smtp.starttls()
                if settings["SMTP_USER"]:
                    smtp.login(settings["SMTP_USER"], settings["SMTP_PASSWORD"] or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException):
            log.exception("could not send mail %r to %s", subject, recipients)

    thread = threading.Thread(target=deliver, name="mail", daemon=True)
    thread.start()
    return thread
