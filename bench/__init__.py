"""Scale and speed measurements of tfclaims on a synthetic cohort (``make bench``): figures, not pass/fail tests.

- ``bench.cohort``: ``generate(connection, families, seed)`` bulk-inserts a deterministic synthetic cohort.
- ``python -m bench``: migrates a database, generates the cohort, and prints the time and peak memory of
  evaluating the whole cohort and the time to render a family page.
- ``python -m bench.evaluate_once``: one load and evaluation of the cohort in a fresh process, for its peak memory.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def normalise_url(url: str) -> str:
    """As ``tfclaims.config`` reads ``DATABASE_URL``: ``postgres://`` and ``postgresql://`` name psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_app(url: str):
    """The tfclaims app on the benchmark's database, with CSRF off so the test client can sign in."""
    from tfclaims import create_app

    return create_app(
        {
            "TFCLAIMS_ENV": "development",
            "SQLALCHEMY_DATABASE_URI": normalise_url(url),
            "SECRET_KEY": "bench-not-a-secret",
            "WTF_CSRF_ENABLED": False,
        }
    )
