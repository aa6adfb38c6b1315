"""The roles of tfclaims and what each is called on screen."""

from enum import StrEnum


class Role(StrEnum):
    COORDINATOR = "coordinator"
    PRACTITIONER = "practitioner"
    CLAIMS_OFFICER = "claims_officer"
    AUDITOR = "auditor"
    MANAGER = "manager"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.COORDINATOR: "Programme coordinator",
    Role.PRACTITIONER: "Early help practitioner",
    Role.CLAIMS_OFFICER: "Claims officer",
    Role.AUDITOR: "Internal auditor",
    Role.MANAGER: "Manager",
    Role.ADMINISTRATOR: "Administrator",
}


# The roles that may open family records (the family page's readers): granting one gives access to personal data.
SEES_PERSONAL_DATA = frozenset({Role.COORDINATOR, Role.PRACTITIONER, Role.CLAIMS_OFFICER, Role.AUDITOR, Role.MANAGER})
