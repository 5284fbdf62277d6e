"""``python -m bench.nlu_variants``: what the char n-gram featurizer and the lookup tables cost.

Trains NLU-only models of config.yml and of variants without them in a temporary directory
(config.yml and data/ are not touched), serves each with ``rasa run`` and measures the model's
size, the server's resident memory, /model/parse latency and intent accuracy on the held-out
sentences of tests/e2e/test_nlu_heldout.py. Prints a table and writes results/bench/nlu-*.json.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, List

import psutil
import yaml

from bench.load import percentile
from bench.report import RESULTS
from bench.stack import TOKEN
from tests.e2e.test_nlu_heldout import HELD_OUT
from tests.stack import BIN, ROOT, free_port

Variant = Callable[[Dict[str, Any]], Dict[str, Any]]


def _without_char_ngrams(config: Dict[str, Any]) -> Dict[str, Any]:
    config["pipeline"] = [c for c in config["pipeline"] if c.get("analyzer") not in ("char", "char_wb")]
    return config


def _without_lookups(config: Dict[str, Any]) -> Dict[str, Any]:
    for component in config["pipeline"]:
        if component["name"] == "RegexFeaturizer":
            component["use_lookup_tables"] = False
    return config


def _char_bigrams(config: Dict[str, Any]) -> Dict[str, Any]:
    for component in config["pipeline"]:
        if component.get("analyzer") == "char_wb":
            component["max_ngram"] = 2
    return config


VARIANTS: Dict[str, Variant] = {
    "baseline": lambda config: config,  # config.yml as it is
    "no-char-ngrams": _without_char_ngrams,
    "char-1-2": _char_bigrams,
    "no-lookup-features": _without_lookups,
}


def _parse(url: str, text: str) -> Dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - our own loopback server
        f"{url}/model/parse?token={TOKEN}",
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own loopback server
        return dict(json.loads(response.read()))


def _wait(url: str, process: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("rasa run exited")
        try:
            with urllib.request.urlopen(f"{url}/status?token={TOKEN}", timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


def measure(project: Path, name: str, config: Dict[str, Any], rounds: int) -> Dict[str, Any]:
    config_path = project / f"config-{name}.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    subprocess.run(  # noqa: S603 - fixed argument list
        [
            *[str(BIN / "rasa"), "train", "nlu", "--config", str(config_path), "--nlu", "data/nlu"],
            *["--out", "models", "--fixed-model-name", name],
        ],
        cwd=project,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    train_seconds = time.monotonic() - started
    model = project / "models" / f"{name}.tar.gz"
    if not model.exists():  # Rasa may normalise the fixed name; take what this training wrote
        model = max((project / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [str(BIN / "rasa"), "run", "--enable-api", "--auth-token", TOKEN, "--port", str(port), "--model", str(model)]
    server = subprocess.Popen(args, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        _wait(url, server)
        process = psutil.Process(server.pid)
        ready_rss = process.memory_info().rss
        latencies: List[float] = []
        correct = 0
        for _ in range(rounds):
            for text, intent in HELD_OUT:
                start = time.perf_counter()
                parsed = _parse(url, text)
                latencies.append((time.perf_counter() - start) * 1000)
                correct += parsed["intent"]["name"] == intent
        peak_rss = process.memory_info().rss
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "variant": name,
        "train_s": round(train_seconds, 1),
        "model_mb": round(model.stat().st_size / 1e6, 1),
        "rss_ready_mb": round(ready_rss / 1e6, 1),
        "rss_after_mb": round(peak_rss / 1e6, 1),
        "parse_p50_ms": round(percentile(latencies, 0.5), 1),
        "parse_p95_ms": round(percentile(latencies, 0.95), 1),
        "held_out_accuracy": round(correct / (rounds * len(HELD_OUT)), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the held-out sentences per variant")
    parser.add_argument("--only", nargs="*", choices=list(VARIANTS), help="measure only these variants")
    args = parser.parse_args()
    base = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-nlu-") as tmp:
        project = Path(tmp)
        for entry in ("data", "bot", "domain"):
            (project / entry).symlink_to(ROOT / entry)
        for name, variant in VARIANTS.items():
            if args.only and name not in args.only:
                continue
            print(f"训练并测量 {name} ……", flush=True)
            rows.append(measure(project, name, variant(copy.deepcopy(base)), args.rounds))
    keys = list(rows[0]) if rows else []
    print("  ".join(f"{key:>18}" for key in keys))
    for row in rows:
        print("  ".join(f"{row[key]!s:>18}" for key in keys))
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"nlu-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"已写入 {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
