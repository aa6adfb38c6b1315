"""Domain errors: raised by services, shown by views against the right field."""


class DomainError(Exception):
    """A rule of the programme refused the change. `field` names the form field to show it against."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class DuplicateValueError(DomainError):
    """A value that must be unique is already in use."""


class NotAllowedError(DomainError):
    """The record is in a state that does not allow the change (for example a published plan)."""
