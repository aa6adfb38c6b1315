"""The worker's entry point: ``huey_consumer tfclaims.jobs.worker.huey`` (``make run`` starts it beside the app;
in production a service of its own, see deploy/ and the README). It runs the queued jobs and the schedule (the
nightly verdict refresh and retention list, the sweep of stuck jobs: ``schedule.py``; the features' own periodic
tasks). Every task the app may queue must be registered here, before the consumer starts, or the consumer cannot
read its messages: hence every kind of job, and the modules that define them. The tasks make their own app on first
use."""

import tfclaims.jobs.kinds  # noqa: F401  (every kind of job, and the features' own tasks)
import tfclaims.jobs.schedule  # noqa: F401  (the periodic tasks)
import tfclaims.jobs.tasks  # noqa: F401  (registers run_job with the queue)
from tfclaims.jobs.queue import huey  # noqa: F401
