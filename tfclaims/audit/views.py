from flask import Blueprint, render_template

from tfclaims.auth.permissions import roles_required
from tfclaims.auth.roles import Role

bp = Blueprint("audit", __name__)


@bp.get("/")
@roles_required(Role.MANAGER, Role.ADMINISTRATOR)
def list_events():
    return render_template("errors/404.html")  # TODO helper B replaces
