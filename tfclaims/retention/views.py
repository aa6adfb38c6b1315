"""The retention schedule, legal holds, dry runs and erasure. Thin: role, form, service, redirect."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("retention", __name__)
