"""gunicorn's settings for tfclaims (deploy/entrypoint.sh web): ``gunicorn --config deploy/gunicorn.conf.py
'tfclaims:create_app()'``. The environment can override: ``WEB_CONCURRENCY`` (workers), ``GUNICORN_CMD_ARGS``
(any option, e.g. ``--bind 127.0.0.1:8000``), and options given after ``entrypoint.sh web``."""

import os

# Behind the council's reverse proxy or load balancer (which terminates TLS): 0.0.0.0 inside a container; on a
# machine of its own, bind to 127.0.0.1:8000 when the proxy runs on the same machine.
bind = os.environ.get("TFCLAIMS_BIND", "0.0.0.0:8000")

# Processes, not threads: the rule engine is CPU-bound Python. Four suit two to four cores; the app is stateless
# (signed-cookie sessions, the cohort's verdicts stored in the database), so any worker serves any request.
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"

# Long work (claim packs, the nightly refresh) runs as background jobs on the worker, not in the request. The
# longest request left, building a draft claim of 5,000 families, takes about 8 seconds: 60 leaves room.
timeout = 60
graceful_timeout = 30
keepalive = 5

# Recycle a worker now and then, so that memory one large request took is given back.
max_requests = 2000
max_requests_jitter = 200

# The heartbeat file on memory, not on the container's overlay file system.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# No access log from gunicorn: the app writes one JSON line per request (tfclaims.logs: time, request id, user id,
# route, status, duration) without the query string, which can carry a searched name. gunicorn's own access log
# would print the query string. Its error log (start, stop, worker timeouts) goes to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

proc_name = "tfclaims-web"

# No control socket (gunicorn 25+ would make one in $XDG_RUNTIME_DIR or ~/.gunicorn, which the image and the systemd
# units keep read-only): signals do the same (HUP reloads, TERM stops gracefully).
control_socket_disable = True


def post_worker_init(worker):
    """Each worker reads today's stored verdicts into its memory before its first request (about a second for
    10,000 families), so no user waits for it. A worker that cannot still serves: its first request reads them.

    Then everything the worker holds so far (the app, its libraries, today's verdicts: some 300,000 objects) is
    moved out of the garbage collector's sight with ``gc.freeze()``: otherwise each full collection walks them all,
    150 to 200 ms added to whichever request happened to trigger it. They are still freed when no longer used."""
    import gc

    try:
        from tfclaims.web import warm_up

        warmed = warm_up(worker.wsgi)
    except Exception:  # noqa: BLE001 - never stop a worker from serving for want of a warm cache
        worker.log.warning("tfclaims: could not read today's verdicts before the first request", exc_info=True)
    else:
        worker.log.info("tfclaims: today's verdicts %s", "read" if warmed else "not stored yet")
    gc.collect()
    gc.freeze()
