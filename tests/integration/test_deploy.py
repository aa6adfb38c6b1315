"""deploy/: the Dockerfile, the compose file, the entrypoint, gunicorn's settings, the systemd units and the settings
example. No Docker daemon runs here, so the commands the image and the units run are run without Docker: the
entrypoint starts gunicorn (migrating first) and the huey worker for real, against a temporary SQLite database and,
when redis-server is installed, a private Redis; the backup unit's command line makes a backup; the compose file
and the units are checked by their own tools when those are installed."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
ENTRYPOINT = DEPLOY / "entrypoint.sh"
UNITS = DEPLOY / "systemd"
VENV_BIN = Path(sys.executable).parent
SECRET = "0123456789abcdef" * 4


# --- helpers -----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(tmp: Path, **extra: str) -> dict[str, str]:
    """A production environment of its own: nothing inherited from the test run but the basics."""
    env = {
        "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp),
        "LANG": "C.UTF-8",
        "MPLCONFIGDIR": str(tmp / "matplotlib"),
        "TFCLAIMS_ENV": "production",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": f"sqlite:///{tmp / 'tfclaims.sqlite'}",
        "JOBS_URL": f"sqlite:///{tmp / 'jobs.sqlite'}",
        "COUNCIL_NAME": "Testshire County Council",
        "COUNCIL_CODE": "E10000098",
        "TRUSTED_PROXIES": "1",
    }
    env.update(extra)
    return env


def start(argv: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
    """Stop a process this test started (its own session), as docker stop and systemctl stop do."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
            pytest.fail(f"pid {proc.pid} did not stop within {timeout} s of signal {sig}")
    return proc.returncode


def wait_for_text(log: Path, text: str, proc: subprocess.Popen, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = log.read_text(errors="replace")
        if text in content:
            return content
        if proc.poll() is not None:
            pytest.fail(f"the process ended ({proc.returncode}) before logging {text!r}:\n{content[-3000:]}")
        time.sleep(0.2)
    pytest.fail(f"no {text!r} within {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> tuple[int, bytes]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server ended ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            return get(url)
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


def env_example() -> dict[str, str]:
    """deploy/tfclaims.env.example's assignments, read as systemd's EnvironmentFile and compose's env_file read it."""
    values = {}
    for line in (DEPLOY / "tfclaims.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def settings_the_code_reads() -> set[str]:
    """Every environment variable tfclaims (the package), the entrypoint and gunicorn's settings read."""
    names: set[str] = set()
    python = re.compile(r"""os\.environ(?:\.get)?[\(\[]\s*["']([A-Z][A-Z0-9_]+)["']""")
    for path in [*(REPO / "tfclaims").rglob("*.py"), DEPLOY / "gunicorn.conf.py"]:
        names |= set(python.findall(path.read_text()))
    names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)[:}]", ENTRYPOINT.read_text()))
    return names - {"FLASK_APP", "PYTHONPATH", "TFCLAIMS_ENV_FILE"}  # the entrypoint's own


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A SQLite database at this release's head, migrated through the entrypoint's `flask` passthrough."""
    tmp = tmp_path_factory.mktemp("migrated")
    done = subprocess.run([str(ENTRYPOINT), "flask", "db", "upgrade"], env=app_env(tmp), cwd=tmp,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return tmp


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A private redis-server on a free port (the compose file's broker), when it is installed."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    import redis

    tmp = tmp_path_factory.mktemp("redis")
    port = free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 20
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                stop(proc)
                pytest.fail("redis-server did not start")
            time.sleep(0.1)
    yield url
    stop(proc)


# --- the settings example -----------------------------------------------------------------------------------------


def test_env_example_documents_every_setting_the_app_reads():
    text = (DEPLOY / "tfclaims.env.example").read_text()
    lines = text.splitlines()
    values = env_example()
    read = settings_the_code_reads()
    assert {"SECRET_KEY", "DATABASE_URL", "JOBS_URL", "COUNCIL_CODE", "COUNCIL_NAME", "TRUSTED_PROXIES",
            "PSEUDONYMISATION_KEY", "TFCLAIMS_ENV", "WEB_CONCURRENCY", "WORKER_PROCESSES"} <= read
    for name in sorted(read):
        if name == "TFCLAIMS_TODAY":
            assert name not in values, "the example must never set a fixed date: production refuses it"
            assert name in text
            continue
        where = [i for i, line in enumerate(lines) if re.match(rf"^(# )?{name}=", line)]
        assert where, f"{name} is read by tfclaims but not in deploy/tfclaims.env.example"
        # Documented: a comment right above it (or above the block of settings it belongs to).
        above = lines[: where[0]]
        while above and re.match(r"^[A-Z_]+=", above[-1]):
            above.pop()
        assert above and above[-1].startswith("# ") and len(above[-1]) > 10, f"{name} has no comment above it"
    assert values["TFCLAIMS_ENV"] == "production"
    assert values["SECRET_KEY"] == "", "the example must not carry a secret that a council could leave in place"
    assert "$" not in "".join(values.values()), "compose would read a $ in an env file as a variable"


def test_env_example_values_are_accepted_by_the_app(monkeypatch, tmp_path):
    from tfclaims.config import load_config

    for name in settings_the_code_reads():
        monkeypatch.delenv(name, raising=False)
    for name, value in env_example().items():
        monkeypatch.setenv(name, value)
    with pytest.raises(Exception, match="SECRET_KEY"):
        load_config(str(tmp_path))  # as the example ships: refused until a key is set
    monkeypatch.setenv("SECRET_KEY", SECRET)
    config = load_config(str(tmp_path))
    assert config["TFCLAIMS_ENV"] == "production"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["TRUSTED_PROXIES"] == 1
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert config["JOBS_IMMEDIATE"] is False
    assert config["SIGN_IN_RATE_LIMITS"] is True


# --- compose ----------------------------------------------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def resolved_environment(service: dict) -> dict[str, str]:
    """What a service's container gets: its env_file (the example, copied to tfclaims.env), then `environment`."""
    assert service.get("env_file") == "tfclaims.env"
    env = dict(env_example())
    env["POSTGRES_PASSWORD"] = "secret123"
    for name, value in service["environment"].items():
        env[name] = re.sub(r"\$\{POSTGRES_PASSWORD(:\?[^}]*)?\}", "secret123", str(value))
    return env


def test_compose_runs_postgres_redis_web_and_one_scheduling_worker():
    services = compose()["services"]
    assert set(services) == {"db", "redis", "web", "worker"}
    db, redis_, web, worker = (services[name] for name in ("db", "redis", "web", "worker"))
    assert db["image"].startswith("postgres:15")
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert redis_["image"].startswith("redis:7")
    assert any(volume.endswith(":/data") for volume in redis_["volumes"])
    assert web["command"] == ["web"] and worker["command"] == ["worker"]  # the worker runs the schedule
    for service in (web, worker):
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).resolve() == (
            DEPLOY / "Dockerfile")
        assert service["restart"] == "unless-stopped"
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert web["depends_on"]["redis"]["condition"] == "service_healthy"
    # The worker starts when the web app is ready, i.e. migrated (its /readyz checks the migration head).
    assert worker["depends_on"]["web"]["condition"] == "service_healthy"
    assert web["ports"] == ["127.0.0.1:8000:8000"], "only the reverse proxy on the host reaches gunicorn"
    assert set(compose()["volumes"]) >= {"db", "redis"}


def test_compose_passes_every_setting_to_the_web_app_and_the_worker():
    services = compose()["services"]
    web, worker = resolved_environment(services["web"]), resolved_environment(services["worker"])
    assert web == worker, "the web app and the worker must share the database, the queue and the settings"
    assert web["DATABASE_URL"] == "postgresql+psycopg://tfclaims:secret123@db:5432/tfclaims"
    assert web["JOBS_URL"] == "redis://redis:6379/0"
    assert web["RATELIMIT_STORAGE_URI"].startswith("redis://redis:6379/")
    db = services["db"]["environment"]
    assert (db["POSTGRES_USER"], db["POSTGRES_DB"]) == ("tfclaims", "tfclaims")
    for name in settings_the_code_reads() - {"TFCLAIMS_TODAY", "TFCLAIMS_BIND"}:
        assert name in web, f"{name} does not reach the containers"


def compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_file_is_valid_for_docker_compose(tmp_path):
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor docker-compose is installed")
    folder = tmp_path / "deploy"
    folder.mkdir()
    shutil.copy(DEPLOY / "compose.yaml", folder)
    example = (DEPLOY / "tfclaims.env.example").read_text()
    (folder / "tfclaims.env").write_text(example)
    # Without a database password: refused, saying what to do.
    refused = subprocess.run([*command, "--env-file", "tfclaims.env", "config"], cwd=folder, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode != 0
    assert "set POSTGRES_PASSWORD in tfclaims.env" in refused.stdout + refused.stderr
    (folder / "tfclaims.env").write_text(example.replace("\nPOSTGRES_PASSWORD=\n", "\nPOSTGRES_PASSWORD=pw1\n"))
    done = subprocess.run([*command, "--env-file", "tfclaims.env", "config"], cwd=folder, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load(done.stdout)
    web = config["services"]["web"]["environment"]
    assert web["DATABASE_URL"] == "postgresql+psycopg://tfclaims:pw1@db:5432/tfclaims"
    assert web["SECRET_KEY"] == "" and web["COUNCIL_NAME"] == "Brackenshire County Council"
    assert config["services"]["worker"]["environment"] == web


# --- the Dockerfile -----------------------------------------------------------------------------------------------


def dockerfile_stages() -> list[tuple[str, list[str]]]:
    """(FROM line, instructions) per stage, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (DEPLOY / "Dockerfile").read_text())
    stages: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("FROM "):
            stages.append((line, []))
        else:
            stages[-1][1].append(line)
    return stages


def dockerignored(path: str) -> bool:
    patterns = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    return any(fnmatch.fnmatch(path, p) or path.startswith(p.rstrip("/") + "/") for p in patterns)


def image_layout(tmp: Path) -> Path:
    """/app as the Dockerfile makes it, without Docker: its COPY instructions carried out into tmp/app (what
    .dockerignore leaves out left out), and the assets stage's output (the same files as `make assets`, tested
    below)."""
    (_, _), (_, app) = dockerfile_stages()
    root = tmp / "app"
    root.mkdir()
    for line in app:
        if not line.startswith("COPY ") or "--from" in line:
            continue
        *sources, target = shlex.split(line)[1:]
        for source in sources:
            # Docker's rules: a file into a folder (target ending in /) keeps its name; a folder's contents go in.
            into = root / target
            if (REPO / source).is_file():
                into = into / Path(source).name if target.endswith("/") else into
                into.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / source, into)
                continue
            for path in (REPO / source).rglob("*"):
                parts = path.relative_to(REPO).parts
                if path.is_file() and not any(dockerignored("/".join(parts[:n])) for n in range(1, len(parts) + 1)):
                    (into / path.relative_to(REPO / source)).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, into / path.relative_to(REPO / source))
    shutil.copytree(REPO / "tfclaims" / "assets_build", root / "tfclaims" / "assets_build")
    return root


def test_dockerfile_builds_a_non_root_debian_image_running_the_entrypoint():
    (assets_from, assets), (app_from, app) = dockerfile_stages()
    assert re.match(r"FROM node:\S+-bookworm\S* AS assets$", assets_from)
    assert app_from == "FROM python:3.11-slim-bookworm"
    users = [line for line in app if line.startswith("USER ")]
    assert users and users[-1] not in ("USER root", "USER 0", "USER 0:0")
    env = " ".join(line for line in app if line.startswith("ENV "))
    assert "PYTHONPATH=/app" in env and "TFCLAIMS_ENV=production" in env and "/opt/venv/bin" in env
    assert "WORKDIR /app" in app
    installs = [line for line in app if "pip install" in line]
    assert len(installs) == 1 and re.search(r"pip install \.(\s|$)", installs[0]), "pip install . without extras"
    assert 'ENTRYPOINT ["/app/deploy/entrypoint.sh"]' in app
    assert 'CMD ["web"]' in app
    health = next(line for line in app if line.startswith("HEALTHCHECK "))
    assert "http://127.0.0.1:8000/readyz" in health
    assert "postgresql-client" in " ".join(app), "pg_dump for `flask tfclaims backup`"


def test_dockerfile_copies_what_the_app_reads_beside_its_package():
    (_, _), (_, app) = dockerfile_stages()
    copies = [shlex.split(line)[1:] for line in app if line.startswith("COPY ") and "--from" not in line]
    copied = {}
    for *sources, target in copies:
        for source in sources:
            assert (REPO / source).exists(), f"COPY {source}: not in the repository"
            assert not dockerignored(source), f"COPY {source}: left out by .dockerignore"
            copied[source] = target
    # tfclaims runs from its checkout: create_app reads templates/ and migrations/ beside the package.
    for needed in ("pyproject.toml", "README.md", "tfclaims", "templates", "migrations", "deploy/entrypoint.sh",
                   "deploy/gunicorn.conf.py"):
        assert needed in copied, f"the image lacks {needed}"
    assert "COPY --from=assets /build/assets_build ./tfclaims/assets_build" in app
    for secret in ("instance", ".venv", "node_modules", "deploy/tfclaims.env", ".git", "x/cohort.sqlite"):
        assert dockerignored(secret), f".dockerignore lets {secret} into the build context"


def test_dockerfile_assets_stage_copies_what_make_assets_copies(tmp_path):
    built = REPO / "tfclaims" / "assets_build"
    if not (REPO / "node_modules" / "govuk-frontend").exists() or not (built / "govuk-frontend.min.css").exists():
        pytest.skip("make assets has not run here")
    (_, assets), _ = dockerfile_stages()
    assert "COPY package.json package-lock.json ./" in assets
    assert any(line.startswith("RUN npm ci") for line in assets)
    (tmp_path / "node_modules").symlink_to(REPO / "node_modules")
    for line in assets:
        if line.startswith("RUN ") and not line.startswith("RUN npm"):
            subprocess.run(["/bin/sh", "-ec", line[4:]], cwd=tmp_path, check=True)

    def tree(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    assert tree(tmp_path / "assets_build") == tree(built)


# --- gunicorn and the entrypoint ----------------------------------------------------------------------------------


def test_gunicorn_settings(monkeypatch):
    from gunicorn.config import Config

    for name in ("WEB_CONCURRENCY", "TFCLAIMS_BIND", "GUNICORN_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    config = Config()
    namespace: dict = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    for name, value in namespace.items():
        if name in config.settings:
            config.set(name, value)
        else:
            assert name.startswith("__") or name == "os", f"gunicorn has no setting {name}"
    assert config.workers == 4
    assert config.bind == ["0.0.0.0:8000"]
    assert 30 <= config.timeout <= 120
    assert config.accesslog is None, "gunicorn's access log would print query strings (searched names)"
    assert config.errorlog == "-"
    assert config.control_socket_disable is True  # no socket in a read-only home


def test_entrypoint_refuses_an_unknown_command(tmp_path):
    done = subprocess.run([str(ENTRYPOINT), "serve"], env=app_env(tmp_path), capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 64
    assert "use web, worker, worker-no-schedule or flask" in done.stderr
    assert os.stat(ENTRYPOINT).st_mode & stat.S_IXUSR


def test_entrypoint_reads_an_env_file_and_finds_the_checkouts_virtualenv(tmp_path):
    """What an administrator runs without Docker: `sudo -u tfclaims env TFCLAIMS_ENV_FILE=/etc/tfclaims/tfclaims.env
    /opt/tfclaims/deploy/entrypoint.sh flask ...`. A copy of the entrypoint in a checkout whose .venv has a stand-in
    flask that writes down what it was given."""
    (tmp_path / "deploy").mkdir()
    shutil.copy(ENTRYPOINT, tmp_path / "deploy" / "entrypoint.sh")
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    stand_in = 'env > "$OUT"; echo "cwd=$(pwd)" >> "$OUT"; echo "args=$*" >> "$OUT"'
    for name, body in (("python", "exit 0"), ("flask", stand_in)):
        (venv / name).write_text(f"#!/bin/sh\n{body}\n")
        (venv / name).chmod(0o755)
    settings = tmp_path / "tfclaims.env"
    settings.write_text((DEPLOY / "tfclaims.env.example").read_text() + "\nSECRET_KEY=from-the-file\n")
    out = tmp_path / "out"
    env = {"PATH": "/usr/bin:/bin", "OUT": str(out), "TFCLAIMS_ENV_FILE": str(settings), "COUNCIL_CODE": "E06000001"}
    done = subprocess.run([str(tmp_path / "deploy" / "entrypoint.sh"), "flask", "tfclaims", "backup", "--to", "/b"],
                          env=env, cwd="/", capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    lines = out.read_text().splitlines()
    given = dict(line.split("=", 1) for line in lines if "=" in line)
    assert given["args"] == "tfclaims backup --to /b"
    assert given["cwd"] == str(tmp_path)  # the checkout, whatever the caller's folder
    assert given["PATH"].startswith(f"{venv}:")
    assert given["PYTHONPATH"] == str(tmp_path)
    assert given["COUNCIL_NAME"] == "Brackenshire County Council"  # spaces kept
    assert given["SIGN_IN_LIMIT_PER_ADDRESS"] == "30 per minute;300 per hour"
    assert given["SECRET_KEY"] == "from-the-file"  # the last line wins, as in systemd
    assert given["COUNCIL_CODE"] == "E06000001"  # the environment wins over the file
    assert given["TFCLAIMS_ENV"] == "production" and given["FLASK_APP"] == "tfclaims"
    settings.write_text("COUNCIL NAME=x\n")
    done = subprocess.run([str(tmp_path / "deploy" / "entrypoint.sh"), "flask"], env=env, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 78 and "line 1: not a setting" in done.stderr


@pytest.mark.slow
def test_entrypoint_web_stops_when_the_app_cannot_start(tmp_path):
    env = app_env(tmp_path, TFCLAIMS_BIND=f"127.0.0.1:{free_port()}")
    del env["SECRET_KEY"]
    done = subprocess.run([str(ENTRYPOINT), "web"], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0
    assert "SECRET_KEY is not set" in done.stderr
    assert "Listening at" not in done.stderr  # gunicorn never started


@pytest.mark.slow
@pytest.mark.parametrize(("layout", "queue"), [("image", "sqlite"), ("checkout", "redis")])
def test_entrypoint_web_migrates_then_serves_with_gunicorn(tmp_path, layout, queue, request):
    """The web command, run from the image's /app as the Dockerfile lays it out (only what it copies), or from the
    checkout; huey on its SQLite file or on Redis."""
    port = free_port()
    extra = {"TFCLAIMS_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"}
    if queue == "redis":
        extra["JOBS_URL"] = request.getfixturevalue("redis_url")
    entrypoint = ENTRYPOINT
    if layout == "image":
        if not (REPO / "tfclaims" / "assets_build" / "govuk-frontend.min.css").exists():
            pytest.skip("make assets has not run here")
        root = image_layout(tmp_path)
        entrypoint = root / "deploy" / "entrypoint.sh"
        assert not (root / "tests").exists() and not (root / "tfclaims" / "__pycache__").exists()
        # The image's PYTHONPATH=/app (set by the entrypoint too) wins over the installed package.
        where = subprocess.run([sys.executable, "-c", "import tfclaims; print(tfclaims.__file__)"], cwd=tmp_path,
                               env={**app_env(tmp_path), "PYTHONPATH": str(root)}, capture_output=True, text=True)
        assert where.stdout.strip() == str(root / "tfclaims" / "__init__.py"), where.stderr
    log = tmp_path / "web.log"
    proc = start([str(entrypoint), "web"], app_env(tmp_path, **extra), log, cwd=tmp_path)
    try:
        status, body = wait_for_http(f"http://127.0.0.1:{port}/readyz?q=Smith", proc, log)
        # Ready: the database answers, it is at this release's migration head (the entrypoint migrated a new
        # database), and the queue answers.
        assert status == 200, body
        checks = {"database": "ok", "migrations": "ok", "job queue": "ok"}
        assert json.loads(body) == {"status": "ready", "checks": checks}
        status, _ = get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200
        status, page = get(f"http://127.0.0.1:{port}/sign-in")  # the templates
        assert status == 200 and b'href="/assets/govuk-frontend.min.css"' in page
        status, css = get(f"http://127.0.0.1:{port}/assets/govuk-frontend.min.css")  # GOV.UK Frontend built in
        assert status == 200 and len(css) > 10_000
    finally:
        code = stop(proc)
    output = log.read_text()
    assert code == 0, output[-3000:]
    assert "tfclaims: migrating the database" in output and "Running upgrade" in output
    assert output.count("Booting worker with pid") == 2  # WEB_CONCURRENCY
    assert "running in production on SQLite" in output
    requests = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(r.get("route") == "/readyz" and r.get("status") == 200 for r in requests)
    assert "Smith" not in output, "no access log with the query string"
    assert "Shutting down: Master" in output
    assert "control socket" not in output.lower()


@pytest.mark.slow
@pytest.mark.parametrize(("command", "queue", "periodic"), [
    ("worker", "sqlite", "enabled"),
    ("worker-no-schedule", "sqlite", "disabled"),
    ("worker", "redis", "enabled"),
])
def test_entrypoint_worker_runs_queued_jobs(tmp_path, migrated, command, queue, periodic, request):
    jobs_url = request.getfixturevalue("redis_url") if queue == "redis" else f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    env = app_env(migrated, JOBS_URL=jobs_url, WORKER_PROCESSES="3")
    log = tmp_path / "worker.log"
    proc = start([str(ENTRYPOINT), command], env, log, cwd=tmp_path)
    try:
        output = wait_for_text(log, "Periodic tasks are ", proc)
        assert f"Periodic tasks are {periodic}." in output
        assert "Huey consumer started with 3 process" in output
        assert "tfclaims.jobs.tasks.run_job" in output  # the worker module registers the job task
        # What the web app does: queue a job on the same JOBS_URL. The worker makes its app and runs it (a job id
        # that does not exist is nothing to do).
        queued = subprocess.run([sys.executable, "-c", "from tfclaims.jobs.tasks import run_job; run_job(987654)"],
                                env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert queued.returncode == 0, queued.stderr
        output = wait_for_text(log, "executed in", proc)
        assert "Executing tfclaims.jobs.tasks.run_job" in output
    finally:
        code = stop(proc)
    assert code == 0
    assert "Shutting down gracefully" in log.read_text()  # TERM is the graceful signal


# --- systemd ------------------------------------------------------------------------------------------------------


def unit(name: str) -> dict[str, list[str]]:
    """A unit's settings, name -> values (a setting can repeat)."""
    settings: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


SERVICES = ["tfclaims-web.service", "tfclaims-worker.service", "tfclaims-worker-extra@.service",
            "tfclaims-backup.service"]


def test_systemd_units_run_the_entrypoint_hardened():
    assert sorted(p.name for p in UNITS.iterdir()) == sorted([*SERVICES, "tfclaims-backup.timer"])
    commands = {name: unit(name)["ExecStart"][0] for name in SERVICES}
    assert commands["tfclaims-web.service"] == "/opt/tfclaims/deploy/entrypoint.sh web"
    assert commands["tfclaims-worker.service"] == "/opt/tfclaims/deploy/entrypoint.sh worker"  # with the schedule
    assert commands["tfclaims-worker-extra@.service"] == "/opt/tfclaims/deploy/entrypoint.sh worker-no-schedule"
    assert "entrypoint.sh flask tfclaims backup --to" in commands["tfclaims-backup.service"]
    for name in SERVICES:
        settings = unit(name)
        assert settings["User"] == ["tfclaims"]
        assert settings["EnvironmentFile"] == ["/etc/tfclaims/tfclaims.env"]
        assert settings["WorkingDirectory"] == ["/opt/tfclaims"]  # the checkout; its .venv is found by entrypoint.sh
        for hardening in ("NoNewPrivileges", "PrivateTmp", "ProtectHome"):
            assert settings[hardening] == ["yes"], (name, hardening)
        assert settings["ProtectSystem"] == ["strict"]
        assert "/opt/tfclaims/instance" in settings["ReadWritePaths"]
        if name != "tfclaims-backup.service":
            assert settings["Restart"] == ["on-failure"]
            assert settings["WantedBy"] == ["multi-user.target"]
    assert "/var/backups/tfclaims" in unit("tfclaims-backup.service")["ReadWritePaths"]
    timer = unit("tfclaims-backup.timer")
    assert timer["OnCalendar"] == ["*-*-* 01:30:00 Europe/London"] and timer["Persistent"] == ["true"]
    # The programs the entrypoint runs, in the checkout's virtualenv.
    for program in ("gunicorn", "huey_consumer", "flask"):
        assert (VENV_BIN / program).exists(), program


def test_systemd_units_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    for path in UNITS.iterdir():  # /opt/tfclaims is this checkout here
        (tmp_path / path.name).write_text(path.read_text().replace("/opt/tfclaims", str(REPO)))
    names = sorted(str(p) for p in tmp_path.iterdir())
    done = subprocess.run(["systemd-analyze", "verify", *names], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stdout + done.stderr


def systemd_unescaped(value: str) -> str:
    return value.replace("$$", "$").replace("%%", "%")


@pytest.mark.slow
def test_backup_unit_command_makes_a_new_backup_and_prunes_old_ones(tmp_path, migrated):
    backups = tmp_path / "backups"
    backups.mkdir()
    settings = unit("tfclaims-backup.service")

    def command(value: str) -> list[str]:
        value = systemd_unescaped(value).replace("/var/backups/tfclaims", str(backups))
        return shlex.split(value.replace("/opt/tfclaims/deploy/entrypoint.sh", str(ENTRYPOINT)))

    old = backups / "tfclaims-2020-01-01T023000Z.dump"
    old.write_bytes(b"old")
    os.utime(old, (time.time() - 20 * 86400,) * 2)
    kept = backups / "notes.txt"
    kept.write_text("not a backup")
    os.utime(kept, (time.time() - 20 * 86400,) * 2)
    for attempt in range(2):  # two runs in a row: two files, never one overwritten
        done = subprocess.run(command(settings["ExecStart"][0]), env=app_env(migrated), cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        if attempt == 0:
            time.sleep(1.1)  # the file name has the second
    made = sorted(backups.glob("tfclaims-2*Z.dump"))
    assert len(made) == 3
    for path in made[1:]:
        assert re.fullmatch(r"tfclaims-\d{4}-\d\d-\d\dT\d{6}Z\.dump", path.name)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_bytes().startswith(b"SQLite format 3")
    pruned = subprocess.run(command(settings["ExecStartPost"][0]), capture_output=True, text=True, timeout=30)
    assert pruned.returncode == 0, pruned.stderr
    assert not old.exists() and kept.exists()
    assert len(list(backups.glob("tfclaims-*.dump"))) == 2
