"""The Data Protection Officer's pages: subject access, the pseudonymised export, records of processing."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dataprotection", __name__)
