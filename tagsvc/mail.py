"""Email, when the school has an SMTP server; never required. A message is handed to the job queue when the
transaction that caused it commits (none when it rolls back), and the queue's worker sends it, again later when the
mail server is away: a slow or absent mail server never slows the page that caused it, and a restart loses nothing."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_PENDING = "mail_after_commit"


def mail_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def send_mail(recipients: list[str], subject: str, body: str) -> bool:
    """Send a plain-text email to the recipients once the current transaction commits. Returns whether one was
    queued (not when mail is off or nobody is to receive it)."""
    from tagsvc.extensions import db

    recipients = [r for r in recipients if r]
    if not mail_configured() or not recipients:
        return False
    db.session.connection()  # within a transaction, whose end (below) forgets the message unless it committed
    db.session.info.setdefault(_PENDING, []).append((recipients, subject, body))
    return True


@event.listens_for(Session, "after_commit")
def _queue_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    if pending and has_app_context():
        from tagsvc.jobs import enqueue, mail_task

        for recipients, subject, body in pending:
            enqueue(mail_task, recipients, subject, body)


@event.listens_for(Session, "after_transaction_end")
def _forget_unless_committed(session: Session, transaction) -> None:
    """The outermost transaction ended and its commit did not take them (after_commit runs first): it rolled back,
    what caused them did not happen. A savepoint's end (a notice told twice) changes nothing."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_PENDING, None)


def deliver_mail(recipients: list[str], subject: str, body: str) -> None:
    """Send now (the queue's worker). Raises when the server cannot be reached or refuses, for the queue to try again."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM") or f"tagsvc@{config['SMTP_HOST']}"
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25), timeout=20) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)
