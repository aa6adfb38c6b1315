from flask import Blueprint, render_template

from tfclaims.auth.permissions import signed_in

bp = Blueprint("families", __name__)


@bp.get("/")
@signed_in
def list_families():
    return render_template("errors/404.html")  # TODO replaced
