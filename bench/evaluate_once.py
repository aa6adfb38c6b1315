"""Load and evaluate the whole cohort once, in a fresh process, and print what it took as one line of JSON.

``python -m bench.evaluate_once AS_OF [--database-url URL] [--partition N] [--families K]`` (the URL defaults to
``DATABASE_URL``, which ``python -m bench`` sets, keeping a password out of the process list). The cohort is judged
in partitions of N families (``engine.queries.family_ranges``; the engine's own size by default), each let go
before the next is read, as the nightly refresh judges it; ``--families K``: only the partitions holding the first K
families (the same partitions a larger cohort begins with, to compare how the time grows).

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
    parser.add_argument("--partition", type=int, default=None, help="families per partition")
    parser.add_argument("--families", type=int, default=None, help="only the partitions of the first K families")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL")

    app = make_app(args.database_url)
    from tfclaims.engine.queries import PARTITION_FAMILIES, family_ranges, load_frames
    from tfclaims.engine.rules import evaluate

    size = args.partition or PARTITION_FAMILIES
    families = claimable = problems = 0
    routes: dict[str, int] = {}
    load_s = evaluate_s = 0.0
    with app.app_context():
        ready_kib = peak_kib()
        ranges = family_ranges(size)
        if args.families:
            ranges = ranges[: -(-args.families // size)]
        for id_range in ranges:
            started = time.perf_counter()
            frames = load_frames(id_range=id_range)
            loaded = time.perf_counter()
            verdicts = evaluate(frames, args.as_of)
            done = time.perf_counter()
            load_s += loaded - started
            evaluate_s += done - loaded
            judged = verdicts.families
            ready = judged[judged["claimable"].astype(bool)]
            families += len(judged)
            claimable += len(ready)
            problems += len(verdicts.problems)
            for route, count in ready["route"].value_counts().items():
                routes[str(route)] = routes.get(str(route), 0) + int(count)
            del frames, verdicts, judged, ready
    result = {
        "families": families,
        "claimable": claimable,
        "routes": routes,
        "problems": problems,
        "partitions": len(ranges),
        "partition": size,
        "load_s": load_s,
        "evaluate_s": evaluate_s,
        "ready_mb": ready_kib / 1024,
        "peak_mb": peak_kib() / 1024,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
