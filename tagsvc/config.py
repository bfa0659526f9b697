"""Configuration read from environment variables, with safe defaults for development.

Every setting is listed in README.md; keep the two in step.
"""
from __future__ import annotations

from datetime import timedelta

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("TAGSVC_INSTANCE_DIR", PROJECT_ROOT / "instance"))

# The placeholder a careless production deployment would ship with; refused at start-up.
INSECURE_SECRET_KEYS = {"", "dev", "change-me", "secret"}


class ConfigurationError(RuntimeError):
    """The app cannot start with these settings."""


def _dev_secret_key() -> str:
    """Keep one random key per checkout so sign-ins survive a restart of the dev server."""
    key_file = INSTANCE_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


class Config:
    def __init__(self, environ: dict[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.ENV_NAME = env.get("TAGSVC_ENV", "development")
        self.SQLALCHEMY_DATABASE_URL = env.get(
            "TAGSVC_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'tagsvc.db'}"
        )
        self.SECRET_KEY = env.get("TAGSVC_SECRET_KEY") or (
            "" if self.ENV_NAME == "production" else _dev_secret_key()
        )
        # Printed into every QR label: the address phones will open. Without it (development)
        # links are built from the address the office used to reach the app.
        self.PUBLIC_BASE_URL = env.get("TAGSVC_PUBLIC_BASE_URL", "").rstrip("/") or None
        self.DEFAULT_LANGUAGE = env.get("TAGSVC_DEFAULT_LANGUAGE", "zh")
        self.SCHOOL_NAME = env.get("TAGSVC_SCHOOL_NAME", "")
        self.BABEL_DEFAULT_TIMEZONE = env.get("TAGSVC_TIMEZONE", "Asia/Shanghai")
        self.UPLOAD_DIR = Path(env.get("TAGSVC_UPLOAD_DIR", INSTANCE_DIR / "uploads"))
        self.LABELS_DIR = Path(env.get("TAGSVC_LABELS_DIR", PROJECT_ROOT / "labels"))
        # A font with Chinese glyphs whose outlines reportlab can embed (TrueType; Noto CJK's CFF outlines it cannot).
        self.LABEL_QR_LEVEL = env.get("TAGSVC_LABEL_QR_LEVEL", "M")  # L, M, Q or H
        # An all-upper-case URL fits QR alphanumeric mode (fewer modules). Turn off only if the base URL has a
        # path whose case matters.
        self.LABEL_QR_UPPERCASE = env.get("TAGSVC_LABEL_QR_UPPERCASE", "1").lower() not in ("0", "false", "no")
        self.LABEL_FONT = Path(env.get("TAGSVC_LABEL_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"))
        # Label PDFs are kept here for a week, for downloading again.
        self.PRINT_DIR = Path(env.get("TAGSVC_PRINT_DIR", INSTANCE_DIR / "print"))
        # Where photos, label PDFs and uploaded registers are kept: empty, the two folders above (one server);
        # "database", in the database (several app servers share them). See tagsvc/storage.
        self.STORAGE_URL = env.get("TAGSVC_STORAGE_URL", "")
        # Print jobs with more labels than this are drawn in the background, with a progress page.
        self.LABEL_INLINE_MAX = int(env.get("TAGSVC_LABEL_INLINE_MAX", "500"))
        # The job queue: empty for the embedded one (a SQLite file beside the database, or TAGSVC_QUEUE_FILE), or a
        # redis:// address for production and several app servers (see docs/decisions/0001-job-queue.md).
        self.QUEUE_URL = env.get("TAGSVC_QUEUE_URL", "")
        self.QUEUE_FILE = env.get("TAGSVC_QUEUE_FILE", "")
        self.JOB_LEASE_SECONDS = int(env.get("TAGSVC_JOB_LEASE_SECONDS", "120"))
        # Behind a reverse proxy (nginx, Caddy): how many proxies to trust for the client's address, which
        # rate-limits anonymous damage reports per phone. 0 when the app faces clients directly.
        self.TRUSTED_PROXIES = int(env.get("TAGSVC_TRUSTED_PROXIES", "0"))
        # Email (optional): new damage reports go to REPAIR_NOTIFY (comma-separated addresses).
        self.SMTP_HOST = env.get("TAGSVC_SMTP_HOST", "")
        self.SMTP_PORT = int(env.get("TAGSVC_SMTP_PORT", "25"))
        self.SMTP_USER = env.get("TAGSVC_SMTP_USER", "")
        self.SMTP_PASSWORD = env.get("TAGSVC_SMTP_PASSWORD", "")
        self.SMTP_STARTTLS = env.get("TAGSVC_SMTP_STARTTLS", "0").lower() in ("1", "true", "yes")
        self.MAIL_FROM = env.get("TAGSVC_MAIL_FROM", "")
        # Sent by the job queue's worker; when the mail server is away, tried again this often (twelve tries).
        self.MAIL_RETRY_SECONDS = float(env.get("TAGSVC_MAIL_RETRY_SECONDS", "300"))
        self.REPAIR_NOTIFY = [a.strip() for a in env.get("TAGSVC_REPAIR_NOTIFY", "").split(",") if a.strip()]
        self.MAX_UPLOAD_MB = int(env.get("TAGSVC_MAX_UPLOAD_MB", "15"))
        # The largest register file the import reads (a 100,000-row .xlsx is about 8 MB).
        self.IMPORT_MAX_MB = int(env.get("TAGSVC_IMPORT_MAX_MB", "20"))
        # Imports of more rows than this run in the background, with a page that follows them.
        self.IMPORT_INLINE_MAX = int(env.get("TAGSVC_IMPORT_INLINE_MAX", "5000"))
        # A damage report carries up to three photos of MAX_UPLOAD_MB each, plus the form.
        self.MAX_CONTENT_LENGTH = (max(3 * self.MAX_UPLOAD_MB, self.IMPORT_MAX_MB) + 1) * 1024 * 1024
        self.ASSETS_PER_PAGE = int(env.get("TAGSVC_ASSETS_PER_PAGE", "50"))
        # A disposal (报废) worth more than this many yuan in book value needs a second office approver; up to it,
        # one (the office head). Schools set their own rule's limit (e.g. 20,000 元).
        # The fixed-asset threshold (事业单位财务规则 art. 41: a unit value of 1,000 元 or more): an item at or above it is
        # suggested as a fixed asset, below it as low-value; an import without categories files its rows by it.
        self.FIXED_ASSET_THRESHOLD = int(env.get("TAGSVC_FIXED_ASSET_THRESHOLD", "1000"))
        self.DISPOSAL_SECOND_APPROVAL_ABOVE = int(env.get("TAGSVC_DISPOSAL_SECOND_APPROVAL_ABOVE", "20000"))
        # Above this book value (yuan) a disposal also needs the education bureau's approval, after the office's.
        self.DISTRICT_DISPOSAL_ABOVE = int(env.get("TAGSVC_DISTRICT_DISPOSAL_ABOVE", "200000"))
        # Four eyes: whoever proposed a disposal never approves it. A school whose office is one person turns this on;
        # the disposal's record then says the proposer approved it.
        self.DISPOSAL_SELF_APPROVAL = env.get("TAGSVC_DISPOSAL_SELF_APPROVAL", "0") == "1"
        # The JSON API (/api/v1): requests a token or a signed-in person may make (a moving window), the same for
        # an address without either, where the counts are kept, the largest JSON body and page it takes.
        self.API_RATE_LIMIT = env.get("TAGSVC_API_RATE_LIMIT", "600/minute")
        self.API_ANONYMOUS_RATE_LIMIT = env.get("TAGSVC_API_ANONYMOUS_RATE_LIMIT", "120/minute")
        self.API_RATE_LIMIT_STORAGE = env.get("TAGSVC_API_RATE_LIMIT_STORAGE", "memory://")
        self.API_MAX_BODY_BYTES = int(env.get("TAGSVC_API_MAX_BODY_KB", "256")) * 1024
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.ENV_NAME == "production"
        self.REMEMBER_COOKIE_SECURE = self.ENV_NAME == "production"
        # "Remember me" keeps a sign-in for 30 days (accounts.services.SIGN_IN_LIFETIME ends it then anyway), never
        # sent by another site's page, never read by a script.
        self.REMEMBER_COOKIE_DURATION = timedelta(days=30)
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.WTF_CSRF_TIME_LIMIT = None  # a form left open on a phone all lesson still submits
        self.TESTING = False
        self.SEND_FILE_MAX_AGE_DEFAULT = 7 * 24 * 3600
        # Flask-Compress: the scan page budget is measured compressed.
        # The stocktake scanner's decoder too: its wasm is 1.1 MB, 460 KB gzipped, once per phone (kept 7 days).
        self.COMPRESS_MIMETYPES = ["text/html", "text/css", "application/json", "image/svg+xml", "text/javascript", "application/javascript",
                                  "application/wasm"]
        self.COMPRESS_ALGORITHM = ["gzip"]
        # Static files are sent as streams; tagsvc compresses them whole (the "static" endpoint), in gzip as the rest.
        self.COMPRESS_ALGORITHM_STREAMING = ["gzip"]
        self.COMPRESS_MIN_SIZE = 500

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}


def validate_config(config) -> None:
    """Refuse to run production on development defaults."""
    if config.get("ENV_NAME") != "production":
        return
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if secret in INSECURE_SECRET_KEYS or len(secret) < 24:
        problems.append("TAGSVC_SECRET_KEY must be set to a random value of at least 24 characters")
    base = config.get("PUBLIC_BASE_URL") or ""
    if not base:
        problems.append("TAGSVC_PUBLIC_BASE_URL must be set to the address printed on labels")
    elif not base.startswith(("http://", "https://")):
        problems.append("TAGSVC_PUBLIC_BASE_URL must start with http:// or https://")
    if problems:
        raise ConfigurationError("Refusing to start in production: " + "; ".join(problems))
