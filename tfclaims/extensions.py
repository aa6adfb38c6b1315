"""Module-level extensions, bound to the app in create_app()."""

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


def flush_unique(message: str, field: str) -> None:
    """Flush, turning a unique-constraint failure into a message for the form, never a 500."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise DuplicateValueError(message, field=field) from exc
