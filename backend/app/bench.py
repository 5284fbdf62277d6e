"""``python -m app.bench``: latency of the knowledge API, in process, on the configured database.

Prints figures; asserts nothing (speed targets live here, not in the tests).
"""

from __future__ import annotations

import logging
import statistics
import time
import tracemalloc
from collections.abc import Callable

from fastapi.testclient import TestClient

from app.main import create_app

ROUNDS = 200
SENTENCES = [
    "我想在黔江开一家火锅店，需要办哪些手续",
    "開個藥店要辦什麼",
    "我想开个殡葬服务公司要办什么手续",
    "买了几辆货车跑运输，要办什么证",
    "公司不开了怎么注销",
]
ANSWERS = {"entity_type": "individual", "on_site_production": True, "sells_alcohol": True, "area": 120}


def measure(name: str, call: Callable[[int], object]) -> None:
    samples = []
    for n in range(ROUNDS):
        start = time.perf_counter()
        call(n)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{name:<28} p50 {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms   max {samples[-1]:7.2f} ms")


def main() -> None:
    tracemalloc.start()
    app = create_app()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with TestClient(app) as client:
        client.get("/api/bundles/search", params={"q": "预热"})  # first call builds the index
        print(f"{ROUNDS} rounds each, in process (no network):")
        measure("bundle search", lambda n: client.get("/api/bundles/search", params={"q": SENTENCES[n % 5]}))
        measure(
            "guide advance",
            lambda n: client.post("/api/guide/advance", json={"bundle_id": "catering", "text": SENTENCES[0]}),
        )
        measure(
            "checklist (JSON)",
            lambda n: client.post("/api/guide/checklist", json={"bundle_id": "catering", "answers": ANSWERS}),
        )
        measure(
            "checklist page (HTML)",
            lambda n: client.get("/guide/checklist/catering", params={k: str(v).lower() for k, v in ANSWERS.items()}),
        )
    _current, peak = tracemalloc.get_traced_memory()
    print(f"peak Python memory during the run: {peak / 1_048_576:.1f} MiB")


if __name__ == "__main__":
    main()
