from flask import Blueprint, render_template

from tfclaims.auth.permissions import signed_in

bp = Blueprint("outcomes_plan", __name__)


@bp.get("/")
@signed_in
def list_plans():
    return render_template("errors/404.html")  # TODO helper A replaces
