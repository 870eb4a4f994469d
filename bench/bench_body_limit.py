"""Request bodies over a route's limit: what the web server spends on them.

Starts the app as `make run` does with MAX_UPLOAD_MB=8, REQUEST_BODY_MAX_KB=8192 and its
own TMPDIR, then posts
to the login page (a small-form route) and to both upload routes a body at the limit
(the baseline) and one ten times the limit, with Content-Length and chunked. Prints,
per case: the answer, the web process's peak spooled bytes on disk and RSS growth,
and the ratio of the refused body's cost to the baseline's.

Usage: .venv/bin/python bench/bench_body_limit.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.launched_app import LaunchedApp
from tests.soundforge.body_probe import Peak, post_body, rss_bytes, spooled_bytes

MiB = 1024 * 1024
ROUTES = {"/login/": 8 * MiB, "/api/tracks/": 8 * MiB + 64 * 1024, "/tracks/upload": 8 * MiB + 64 * 1024}
ENV = {"MAX_UPLOAD_MB": "8", "REQUEST_BODY_MAX_KB": "8192"}


def measure(app: LaunchedApp, web: int, spool: Path, path: str, size: int, chunked: bool) -> tuple:
    before = rss_bytes(web)
    started = time.perf_counter()
    with Peak(lambda: spooled_bytes(web, spool)) as disk, Peak(lambda: rss_bytes(web)) as memory:
        status, sent = post_body(app.port, path, size, chunked=chunked)
    return status, disk.peak, max(0, memory.peak - before), time.perf_counter() - started, sent


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spool = Path(tmp) / "spool"
        spool.mkdir()
        app = LaunchedApp(Path(tmp), extra_env={**ENV, "TMPDIR": str(spool)})
        app.start()
        try:
            web = app.web_pid()
            for path, limit in ROUTES.items():
                for chunked in (False, True):
                    base = measure(app, web, spool, path, limit, chunked)
                    big = measure(app, web, spool, path, 10 * limit, chunked)
                    kind = "chunked" if chunked else "content-length"
                    base_cost, big_cost = base[1] + base[2], big[1] + big[2]
                    print(
                        f"{path:15} {kind:14} at the limit: {base[0]}, disk {base[1] / MiB:5.2f} MiB, "
                        f"RSS +{base[2] / MiB:5.2f} MiB | 10x: {big[0]} in {big[3] * 1000:6.1f} ms, "
                        f"disk {big[1] / MiB:5.2f} MiB, RSS +{big[2] / MiB:5.2f} MiB, "
                        f"the client got {big[4] / MiB:5.2f} of {10 * limit / MiB:.1f} MiB out | "
                        f"cost of 10x / cost at the limit: {big_cost / max(base_cost, 1):.3f}"
                    )
        finally:
            app.stop()


if __name__ == "__main__":
    main()
