"""The worker's entry point: ``huey_consumer tfclaims.jobs.worker.huey`` (``make run`` starts it beside the app;
in production a service of its own, see deploy/ and the README). The task makes its own app on first use."""

import tfclaims.jobs.tasks  # noqa: F401  (registers run_job with the queue)
from tfclaims.jobs.queue import huey  # noqa: F401
