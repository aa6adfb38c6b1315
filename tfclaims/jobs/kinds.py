"""Every kind of job, registered by importing the feature module that defines it (``@services.runner(kind)``)."""

import tfclaims.claims.jobs  # noqa: F401
import tfclaims.engine.jobs  # noqa: F401
import tfclaims.imports.jobs  # noqa: F401
import tfclaims.retention.jobs  # noqa: F401
import tfclaims.scorecard.jobs  # noqa: F401
