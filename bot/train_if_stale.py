"""Train the Rasa model only when what it is trained from changed.

The fingerprint covers the config, the domain, the training data, the jieba
dictionary, our NLU component and the locked package versions; it is stored
next to the model, so a fresh clone (no model) always trains.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Iterable, List

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "current.tar.gz"
STAMP = ROOT / "models" / "current.fingerprint"


def inputs() -> List[Path]:
    files: Iterable[Path] = [
        ROOT / "config.yml",
        *sorted((ROOT / "domain").glob("*.yml")),
        ROOT / "requirements.txt",
        *sorted((ROOT / "data").rglob("*.yml")),
        *sorted((ROOT / "bot" / "jieba").glob("*")),
        *sorted((ROOT / "bot" / "nlu").glob("*.py")),
    ]
    return [f for f in files if f.is_file()]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in inputs():
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def main() -> int:
    wanted = fingerprint()
    if MODEL.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        print("模型已是最新，无需训练。")
        return 0
    print("训练数据或配置有变化，开始训练模型……", flush=True)
    rasa = Path(sys.executable).with_name("rasa")
    result = subprocess.run(  # noqa: S603 - fixed argument list
        [str(rasa), "train", "--domain", "domain", "--fixed-model-name", "current", "--out", "models", "--force"],
        cwd=ROOT,
    )
    if result.returncode != 0:
        return result.returncode
    STAMP.write_text(wanted + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
