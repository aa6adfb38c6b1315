"""Import every feature's models so SQLAlchemy and Alembic see the whole schema."""

from tfclaims.audit.models import AccessEvent, AuditEvent  # noqa: F401
from tfclaims.auth.models import SecuritySettings, User, UserRole  # noqa: F401
from tfclaims.claims.models import Allocation, Claim, ClaimLine, ClaimSettings, ClaimWindow  # noqa: F401
from tfclaims.engine.models import FamilyVerdict  # noqa: F401
from tfclaims.families.models import Attachment, Consent, Family, IdentifiedProblem, Member  # noqa: F401
from tfclaims.forecasts.models import ForecastSettings, Target  # noqa: F401
from tfclaims.imports.models import ImportBatch, ImportRow, ImportSource  # noqa: F401
from tfclaims.jobs.models import Job  # noqa: F401
from tfclaims.outcomes_plan.models import (  # noqa: F401
    Descriptor,
    Framework,
    HeadlineProblem,
    OutcomesPlan,
    PlanVersion,
    SuccessCriterion,
)
from tfclaims.pathway.models import (  # noqa: F401
    AssessedMember,
    Assessment,
    CaseAllocation,
    Contact,
    ContactMember,
    FamilyPlan,
    HelpRequest,
    OutcomeArea,
    OutcomeScore,
    PracticeStandards,
    Step,
    Supervision,
    TafMeeting,
)
from tfclaims.progress.models import (  # noqa: F401
    EmploymentSpell,
    Event,
    ManualEvidence,
    Measure,
    StatusEpisode,
)
from tfclaims.retention.models import LegalHold, RetentionRule, RetentionRun  # noqa: F401
from tfclaims.scorecard.models import (  # noqa: F401
    Indicator,
    IndicatorBenchmark,
    IndicatorComment,
    IndicatorTarget,
    IndicatorValue,
)
