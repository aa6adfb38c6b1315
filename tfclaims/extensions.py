"""Module-level extensions, bound to the app in create_app()."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.exc import IntegrityError

from tfclaims.db import Base
from tfclaims.errors import DuplicateValueError

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
# Rate limits on signing in (tfclaims.auth.throttle): no default limit on other pages. Its storage is
# RATELIMIT_STORAGE_URI (memory by default; Redis when tfclaims runs in several processes).
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def flush_unique(message: str, field: str) -> None:
    """Flush, turning a unique-constraint failure into a message for the form, never a 500."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise DuplicateValueError(message, field=field) from exc
