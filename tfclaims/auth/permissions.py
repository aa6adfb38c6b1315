"""One decorator family declares who may use each route.

Every view function carries ``allowed_roles``: a frozenset of roles, or the marker ``PUBLIC`` /
``ANY_SIGNED_IN``. A test walks ``app.url_map`` and fails on any route without one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from tfclaims.auth.roles import Role
from tfclaims.extensions import login_manager

PUBLIC = "public"
ANY_SIGNED_IN = "any signed-in user"


def public(view: Callable) -> Callable:
    view.allowed_roles = PUBLIC
    return view


def signed_in(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    wrapped.allowed_roles = ANY_SIGNED_IN
    return wrapped


def roles_required(*roles: Role) -> Callable[[Callable], Callable]:
    """Only users holding at least one of ``roles`` may use the view; others get 403."""
    if not roles:
        raise ValueError("roles_required needs at least one role")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator


def can(*roles: Role) -> bool:
    """For templates: whether the signed-in user holds one of ``roles``."""
    return current_user.is_authenticated and current_user.has_role(*roles)
