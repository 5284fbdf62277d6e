"""``knowledge/appeal_categories.yml``: appeal categories, their time limits and routing.

Read from disk (not from the knowledge snapshot in the database) so that filing a
ticket never depends on ``make knowledge`` having run; re-read when the file changes.
Validation is strict (extra fields forbidden) and cross-checks every routing
department against ``departments.yml``; all problems are reported together.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.knowledge.loader import KnowledgeError, validation_problems
from app.knowledge.schema import Identifier, Text

Complexity = Literal["simple", "general", "complex"]
FALLBACK_CATEGORY = "other"
FILE_NAME = "appeal_categories.yml"


class AppealCategory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    name: Text
    description: Text
    keywords: list[Text] = Field(min_length=1)
    signals: list[Text] = Field(default_factory=list)
    """Generic complaint phrasing (办不下来, 没到账): counts half as much as a keyword, so the
    subject of a complaint (用电报装) decides over how it is told."""
    default_complexity: Complexity
    general_working_days: int = Field(ge=5, le=15)
    """Time limit of a 一般诉求 of this category (兜底办: 5-15 个工作日)."""
    department: Identifier
    """Routing: the department the ticket is transferred (转办) to, an id of departments.yml."""


class AppealCategoriesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    categories: list[AppealCategory] = Field(min_length=1)


@dataclass(frozen=True)
class AppealKnowledge:
    categories: tuple[AppealCategory, ...]
    department_names: dict[str, str]
    """id → name of every department in departments.yml."""

    @property
    def by_id(self) -> dict[str, AppealCategory]:
        return {c.id: c for c in self.categories}

    def find(self, key: str) -> AppealCategory | None:
        """A category by id or by name (as a person might type it)."""
        key = key.strip()
        for category in self.categories:
            if key in (category.id, category.name):
                return category
        return None

    @property
    def fallback(self) -> AppealCategory:
        return self.by_id[FALLBACK_CATEGORY]


def _read_yaml(path: Path) -> object:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_appeal_knowledge(root: Path) -> AppealKnowledge:
    """Validate ``root/appeal_categories.yml`` against the schema and ``root/departments.yml``."""
    problems: list[str] = []
    path = root / FILE_NAME
    try:
        raw = _read_yaml(path)
        departments_raw = _read_yaml(root / "departments.yml")
    except (OSError, yaml.YAMLError) as error:
        raise KnowledgeError([f"{FILE_NAME}: 无法读取（{type(error).__name__}）"]) from None
    departments: dict[str, str] = {}
    if isinstance(departments_raw, dict):
        for item in departments_raw.get("departments") or []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                departments[item["id"]] = str(item.get("name", item["id"]))
    try:
        parsed = AppealCategoriesFile.model_validate(raw)
    except ValidationError as error:
        raise KnowledgeError(problems + validation_problems(error, f"{FILE_NAME} ")) from None
    seen_ids: set[str] = set()
    seen_names: set[str] = set()
    for category in parsed.categories:
        if category.id in seen_ids:
            problems.append(f"{FILE_NAME}: 分类 id 重复：{category.id}")
        if category.name in seen_names:
            problems.append(f"{FILE_NAME}: 分类名称重复：{category.name}")
        seen_ids.add(category.id)
        seen_names.add(category.name)
        if category.department not in departments:
            problems.append(f"{FILE_NAME}: 分类 {category.id} 的转办部门 {category.department} 不在 departments.yml 中")
        if len(set(category.keywords)) != len(category.keywords):
            problems.append(f"{FILE_NAME}: 分类 {category.id} 的 keywords 有重复")
        if set(category.keywords) & set(category.signals) or len(set(category.signals)) != len(category.signals):
            problems.append(f"{FILE_NAME}: 分类 {category.id} 的 signals 有重复或与 keywords 重复")
    if FALLBACK_CATEGORY not in seen_ids:
        problems.append(f"{FILE_NAME}: 须有兜底分类 id: {FALLBACK_CATEGORY}")
    if problems:
        raise KnowledgeError(problems)
    return AppealKnowledge(categories=tuple(parsed.categories), department_names=departments)


_lock = threading.Lock()
_cache: dict[Path, tuple[tuple[int, int, int, int], AppealKnowledge]] = {}


def _stamp(root: Path) -> tuple[int, int, int, int]:
    a, b = (root / FILE_NAME).stat(), (root / "departments.yml").stat()
    return (a.st_mtime_ns, a.st_size, b.st_mtime_ns, b.st_size)


def get_appeal_knowledge(root: Path) -> AppealKnowledge:
    """The validated file, cached until it changes on disk. Raises KnowledgeError."""
    try:
        stamp = _stamp(root)
    except OSError:
        raise KnowledgeError([f"{FILE_NAME}: 文件不存在（{root}）"]) from None
    cached = _cache.get(root)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        knowledge = load_appeal_knowledge(root)
        _cache[root] = (stamp, knowledge)
        return knowledge
