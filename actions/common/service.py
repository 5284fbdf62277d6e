"""The deployment's service region and fallback hotlines, read by the action server itself.

``utter_service_unavailable`` is shown exactly when the backend cannot be reached, so the hotline
it names cannot come from the backend: the action server reads the small ``knowledge/service.yml``
(``KNOWLEDGE_DIR``, default: the repository's ``knowledge/``) once, validates it here, and the session
start puts the numbers into slots the responses use. The backend validates the same file on
``make knowledge`` (``backend/app/knowledge/deployment.py``); both read the file, neither copies it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, List, Optional

import yaml

ROOT = Path(__file__).resolve().parents[2]


class ServiceFileError(ValueError):
    """knowledge/service.yml is missing or malformed: the action server refuses to start."""


@dataclass(frozen=True)
class Hotline:
    name: str
    number: str
    appeal: bool


@dataclass(frozen=True)
class Service:
    region: str
    center: str
    hotlines: List[Hotline]

    @property
    def hotline_text(self) -> str:
        """企业诉求专线 023-79242258，政务服务便民热线 12345."""
        return "，".join(f"{h.name} {h.number}" for h in self.hotlines)

    @property
    def appeal_hotline_text(self) -> str:
        line = next(h for h in self.hotlines if h.appeal)
        return f"{line.name} {line.number}"


def knowledge_dir() -> Path:
    return Path(os.environ.get("KNOWLEDGE_DIR") or ROOT / "knowledge")


def _text(data: Any, key: str, where: str) -> str:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ServiceFileError(f"{where}：缺少 {key}")
    return value.strip()


def parse(data: Any, where: str = "service.yml") -> Service:
    if not isinstance(data, dict):
        raise ServiceFileError(f"{where}：须为一个映射")
    raw = data.get("hotlines")
    if not isinstance(raw, list) or not raw:
        raise ServiceFileError(f"{where}：hotlines 须为非空列表")
    hotlines = [
        Hotline(_text(h, "name", where), _text(h, "number", where), bool(h.get("appeal", False)))
        for h in raw
        if isinstance(h, dict)
    ]
    if len(hotlines) != len(raw) or sum(h.appeal for h in hotlines) != 1:
        raise ServiceFileError(f"{where}：hotlines 每项须有 name、number，且恰有一条 appeal: true")
    return Service(region=_text(data, "region", where), center=_text(data, "center", where), hotlines=hotlines)


@lru_cache
def load(root: Optional[Path] = None) -> Service:
    path = (root or knowledge_dir()) / "service.yml"
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as error:
        raise ServiceFileError(f"无法读取 {path}：{error}") from error
    return parse(data, str(path))
