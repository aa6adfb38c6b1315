"""The home page, the GOV.UK assets and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user
from sqlalchemy import text

from tfclaims.auth.permissions import public, signed_in
from tfclaims.extensions import db
from tfclaims.families import queries as family_queries

bp = Blueprint("core", __name__)


@bp.get("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    return redirect(url_for("core.home"))


@bp.get("/home")
@signed_in
def home():
    return render_template("core/home.html", counts=family_queries.register_counts())


@bp.get("/assets/<path:filename>")
@public
def assets(filename: str):
    """GOV.UK Frontend's compiled CSS, JS, fonts and images, copied from npm by `make assets`."""
    return send_from_directory(current_app.config["GOVUK_ASSETS_DIR"], filename, max_age=3600)


@bp.get("/healthz")
@public
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
