"""Configuration from the environment, with safe defaults.

- ``DATABASE_URL``: SQLAlchemy URL; SQLite in ``instance/tfclaims.sqlite`` when unset.
- ``SECRET_KEY``: required when ``TFCLAIMS_ENV=production``; in development one is generated once and kept in
  ``instance/secret_key``.
- ``TFCLAIMS_ENV``: ``development`` (default), ``production`` or ``testing``.
- ``COUNCIL_NAME``: shown in the header and on exports.
- ``TFCLAIMS_TODAY``: a fixed "today" (YYYY-MM-DD) for the demo and tests (``tfclaims.clock``); refused in
  production.
- ``PSEUDONYMISATION_KEY``: the council's secret for the pseudonymised export (keyed hashes of people and families);
  required in production for that export, which is refused without it. Never exported or logged.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from tfclaims.clock import parse_today


class ConfigurationError(RuntimeError):
    """The app cannot start safely with this configuration."""


def _secret_key(instance_path: Path, env: str) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if env == "production":
        raise ConfigurationError(
            "SECRET_KEY is not set. In production tfclaims needs a long random SECRET_KEY in the environment, "
            "for example: export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; tfclaims uses psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    instance_path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_path / 'tfclaims.sqlite'}"


def _fixed_today(value, env: str):
    """The demo's and tests' fixed date, checked: never in production, always a real date."""
    if value in (None, ""):
        return None
    if env == "production":
        raise ConfigurationError(
            "TFCLAIMS_TODAY is set, but a fixed date is for the demo and tests only: in production tfclaims uses "
            "the real date. Unset TFCLAIMS_TODAY."
        )
    try:
        return parse_today(value)
    except ValueError as exc:
        raise ConfigurationError(f"TFCLAIMS_TODAY must be a date written YYYY-MM-DD, not {value!r}") from exc


def _flag(value: str | None, *, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    env = (overrides or {}).get("TFCLAIMS_ENV") or os.environ.get("TFCLAIMS_ENV", "development")
    path = Path(instance_path)
    production = env == "production"
    config = {
        "TFCLAIMS_ENV": env,
        "SQLALCHEMY_DATABASE_URI": _database_url(path),
        # Statement parameters (names, NHS numbers, notes) never in an error's text or a log (see tfclaims.logs).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        # A signed-in session ends after this long without a request, and this long after signing in whatever.
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "30")),
        "SESSION_LIFETIME_HOURS": int(os.environ.get("SESSION_LIFETIME_HOURS", "8")),
        "WTF_CSRF_TIME_LIMIT": None,
        "COUNCIL_NAME": os.environ.get("COUNCIL_NAME", "Brackenshire County Council"),
        "COUNCIL_CODE": os.environ.get("COUNCIL_CODE", "E10000099"),
        "LOCKOUT_THRESHOLD": 5,
        # Failed sign-in attempts (wrong password or code) allowed per client address and per email address typed,
        # before the 429 page; counted in RATELIMIT_STORAGE_URI. The test suite signs in a great deal from one
        # address: the limits are off there unless a test turns them on.
        "SIGN_IN_RATE_LIMITS": _flag(os.environ.get("SIGN_IN_RATE_LIMITS"), default=env != "testing"),
        "SIGN_IN_LIMIT_PER_ADDRESS": os.environ.get("SIGN_IN_LIMIT_PER_ADDRESS", "30 per minute;300 per hour"),
        "SIGN_IN_LIMIT_PER_ACCOUNT": os.environ.get("SIGN_IN_LIMIT_PER_ACCOUNT", "10 per minute"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_KEY_PREFIX": "tfclaims",
        # A shared store that is down: count in memory meanwhile rather than refuse every sign-in.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Argon2 checks at once per process, and how long a sign-in waits for one before "the service is busy".
        "PASSWORD_HASH_CONCURRENCY": int(os.environ.get("PASSWORD_HASH_CONCURRENCY", "2")),
        "PASSWORD_HASH_WAIT_SECONDS": float(os.environ.get("PASSWORD_HASH_WAIT_SECONDS", "5")),
        "LOCKOUT_MINUTES": 15,
        "PAGE_SIZE": 25,
        # The largest request body accepted (uploads): larger ones are refused before they are read.
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        # Partner files (tfclaims.imports): the largest file and the most rows read, the match probabilities at
        # which a row is matched automatically and sent to review, and the days the values of a row that matched no
        # one are kept (to be matched by a later import or reviewed) before they are deleted.
        "IMPORT_MAX_BYTES": int(os.environ.get("IMPORT_MAX_BYTES", str(50 * 1024 * 1024))),
        "IMPORT_MAX_ROWS": int(os.environ.get("IMPORT_MAX_ROWS", "500000")),
        "IMPORT_AUTO_PROBABILITY": float(os.environ.get("IMPORT_AUTO_PROBABILITY", "0.99")),
        "IMPORT_REVIEW_PROBABILITY": float(os.environ.get("IMPORT_REVIEW_PROBABILITY", "0.5")),
        "IMPORT_UNMATCHED_DAYS": int(os.environ.get("IMPORT_UNMATCHED_DAYS", "90")),
        # The pseudonymised export's key (tfclaims.dataprotection): empty means none set; outside production the
        # export then derives a development key from SECRET_KEY, in production it refuses to export.
        "PSEUDONYMISATION_KEY": os.environ.get("PSEUDONYMISATION_KEY", ""),
        # How many reverse proxies (load balancer, TLS terminator) stand in front of tfclaims and set
        # X-Forwarded-For and X-Forwarded-Proto: trusted for the client's address (the sign-in limits per address)
        # and scheme. 0 (the default) trusts none, which is right when tfclaims is reached directly.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Run background jobs at once in the process that asks for them, with no worker (tests set it too).
        "JOBS_IMMEDIATE": _flag(os.environ.get("JOBS_IMMEDIATE"), default=False),
    }
    if os.environ.get("TFCLAIMS_TODAY"):
        config["TFCLAIMS_TODAY"] = os.environ["TFCLAIMS_TODAY"]
    if overrides:
        config.update(overrides)
    config["TFCLAIMS_TODAY"] = _fixed_today(config.get("TFCLAIMS_TODAY"), env)
    # A partner file and the form around it fit in a request.
    config["MAX_CONTENT_LENGTH"] = max(config["MAX_CONTENT_LENGTH"], config["IMPORT_MAX_BYTES"] + 1024 * 1024)
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = _secret_key(path, env)
    return config
