#!/bin/sh
# Starts one tfclaims process: the Docker image's entrypoint, and what the systemd units in deploy/systemd/ run.
#
#   entrypoint.sh web [gunicorn options]     migrate the database (flask db upgrade), then serve the app with
#                                           gunicorn and deploy/gunicorn.conf.py (4 workers on 0.0.0.0:8000)
#   entrypoint.sh worker [huey options]      the background job worker, with huey's periodic scheduler (the
#                                           nightly jobs): run exactly one of these for a database
#   entrypoint.sh worker-no-schedule [...]   an extra worker (another machine, or more capacity): no scheduler
#   entrypoint.sh flask ARGS...              an admin command, e.g. `flask tfclaims backup --to /backups/FILE`
#
# Settings come from the environment (deploy/tfclaims.env.example lists them), and from the file named by
# TFCLAIMS_ENV_FILE when it is set (KEY=value lines, as systemd's EnvironmentFile; the environment wins). Also:
#   TFCLAIMS_MIGRATE=0   `web` starts without migrating (several web machines on one database: migrate once, from
#                        one of them, before starting the others)
#   WORKER_PROCESSES     job-running processes per worker (default 2)
#   WEB_CONCURRENCY, TFCLAIMS_BIND, GUNICORN_LOG_LEVEL, GUNICORN_CMD_ARGS: see deploy/gunicorn.conf.py
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
root=$(dirname -- "$here")

if [ -n "${TFCLAIMS_ENV_FILE:-}" ]; then
    # What the environment already sets stays; otherwise the file's last line for a name wins (as in systemd).
    preset=" $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' | tr '\n' ' ') "
    number=0
    while IFS= read -r line || [ -n "$line" ]; do
        number=$((number + 1))
        case "$line" in
            '' | '#'* | ';'*) continue ;;
        esac
        name=${line%%=*}
        case "$name" in
            "$line" | '' | [0-9]* | *[!A-Za-z0-9_]*)
                echo "tfclaims: $TFCLAIMS_ENV_FILE, line $number: not a setting (NAME=value)" >&2
                exit 78
                ;;
        esac
        case "$preset" in
            *" $name "*) ;;
            *) export "$line" ;;
        esac
    done <"$TFCLAIMS_ENV_FILE"
fi

# tfclaims runs from its checkout, the templates and migrations beside the package: /app in the image,
# /opt/tfclaims under systemd. A checkout's virtualenv (.venv) comes first on PATH when there is one.
cd "$root"
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
if [ -x "$root/.venv/bin/python" ]; then
    PATH="$root/.venv/bin:$PATH"
fi
export PATH FLASK_APP="${FLASK_APP:-tfclaims}"

command=${1:-web}
if [ $# -gt 0 ]; then
    shift
fi

worker() {
    # TERM (docker stop, systemctl stop) lets running jobs finish for up to 60 seconds; a job cut short is retried.
    # Processes, not threads: judging the cohort is CPU-bound Python, and the nightly refresh's partitions are
    # judged in parallel only by separate processes.
    exec huey_consumer tfclaims.jobs.worker.huey --worker-type process \
        --workers "${WORKER_PROCESSES:-2}" \
        --graceful-signal TERM --shutdown-timeout 60 "$@"
}

case "$command" in
    web)
        if [ "${TFCLAIMS_MIGRATE:-1}" != "0" ]; then
            echo "tfclaims: migrating the database (flask db upgrade)" >&2
            flask db upgrade
        fi
        exec gunicorn --config "$here/gunicorn.conf.py" "$@" 'tfclaims:create_app()'
        ;;
    worker)
        worker "$@"
        ;;
    worker-no-schedule)
        worker --no-periodic "$@"
        ;;
    flask)
        exec flask "$@"
        ;;
    *)
        echo "tfclaims: unknown command '$command': use web, worker, worker-no-schedule or flask ..." >&2
        exit 64
        ;;
esac
