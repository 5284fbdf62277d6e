"""The reference: Rasa's own ``rasa init`` bot, trained once per Rasa version and cached.

The cache key is a fingerprint of the Rasa version and of the scaffold ``rasa init`` copies, so
the stock model is trained again only when either changes (training costs minutes on 2 cores).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "models" / "bench-stock"
BIN = Path(sys.executable).parent


def _scaffold() -> Path:
    import rasa.cli.scaffold

    return Path(rasa.cli.scaffold.scaffold_path())


def fingerprint() -> str:
    """Rasa's version plus every file of the scaffold ``rasa init`` copies."""
    import rasa

    digest = hashlib.sha256(rasa.__version__.encode())
    scaffold = _scaffold()
    for path in sorted(scaffold.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(scaffold)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def stock_model() -> Path:
    """The cached stock model, trained by ``rasa init --no-prompt`` in a temporary directory if missing."""
    target = CACHE / f"stock-{fingerprint()}.tar.gz"
    if target.exists():
        return target
    print("训练参照用的 rasa init 标准机器人（只在 Rasa 版本变化时训练一次）……", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-stock-") as tmp:
        project = Path(tmp) / "stock"
        project.mkdir()
        log = Path(tmp) / "init.log"
        with log.open("wb") as output:
            done = subprocess.run(  # noqa: S603 - fixed argument list
                [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)],
                cwd=project,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        if done.returncode != 0:
            raise RuntimeError("rasa init failed:\n" + log.read_text("utf-8", "replace")[-3000:])
        trained = sorted((project / "models").glob("*.tar.gz"))
        if not trained:
            raise RuntimeError("rasa init did not produce a model")
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        shutil.copyfile(trained[-1], partial)
        partial.replace(target)
    return target


if __name__ == "__main__":
    print(stock_model())
