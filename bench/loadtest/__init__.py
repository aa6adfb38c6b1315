"""The load test (``make loadtest``): a realistic mix of users against gunicorn, with figures and targets.

- ``bench.loadtest.data``: fills a migrated database with the synthetic cohort (``bench.cohort``) and what the mix
  needs: coordinators, managers and claims officers with a known password, an open claim window and a target.
- ``bench.loadtest.locustfile``: the Locust users (coordinators, managers, a claims officer), every page and form
  named, every answer checked; it stops itself after a fixed number of requests.
- ``python -m bench.loadtest`` (``bench/loadtest/__main__.py``): starts a private PostgreSQL 15 (or a SQLite file),
  migrates, generates, refreshes the verdicts, starts gunicorn (4 workers) and the huey worker on loopback, runs
  Locust headless and prints requests per second, p50/p95/p99 per page, the errors, the machine's load and whether
  the targets are met. Nothing is left running, even on failure.
"""
