"""Load and evaluate the whole cohort once, in a fresh process, and print what it took as one line of JSON.

``python -m bench.evaluate_once AS_OF [--database-url URL]`` (the URL defaults to ``DATABASE_URL``, which
``python -m bench`` sets, keeping a password out of the process list).

The peak memory is this process's high-water resident set, ``VmHWM`` in ``/proc/self/status``. Not
``getrusage(...).ru_maxrss``, here nor ``RUSAGE_CHILDREN`` in the parent: Linux carries the maximum over an
``exec``, so a child started by a process of 1 GB reports at least 1 GB, whatever it used itself.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from datetime import date

from bench import make_app


def peak_kib() -> int:
    """The high-water resident memory of this process, in KiB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux; outside Linux, see the note above


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.evaluate_once", description=__doc__.splitlines()[0])
    parser.add_argument("as_of", type=date.fromisoformat, help="YYYY-MM-DD")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL")

    app = make_app(args.database_url)
    from tfclaims.engine.queries import load_frames
    from tfclaims.engine.rules import evaluate

    with app.app_context():
        ready_kib = peak_kib()
        started = time.perf_counter()
        frames = load_frames()
        loaded = time.perf_counter()
        verdicts = evaluate(frames, args.as_of)
        done = time.perf_counter()
    families = verdicts.families
    claimable = families[families["claimable"].astype(bool)]
    result = {
        "families": len(families),
        "claimable": len(claimable),
        "routes": {str(k): int(v) for k, v in claimable["route"].value_counts().items()},
        "problems": len(verdicts.problems),
        "load_s": loaded - started,
        "evaluate_s": done - loaded,
        "ready_mb": ready_kib / 1024,
        "peak_mb": peak_kib() / 1024,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
