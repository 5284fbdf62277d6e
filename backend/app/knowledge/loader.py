"""Read ``knowledge/`` into a validated :class:`KnowledgeBase`.

Schema errors (pydantic) and reference errors (checked here) are collected and
raised together as one :class:`KnowledgeError`, so a reviewer sees every
problem of a change at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.knowledge import deployment
from app.knowledge.conditions import condition_questions, validate_condition
from app.knowledge.policy_schema import check_policies
from app.knowledge.review import provenance_errors
from app.knowledge.schema import Bundle, KnowledgeBase, Question
from app.knowledge.yamlfile import read_yaml

DEPLOYMENT_FILES = ("service.yml", "tax_thresholds.yml", "profile_questions.yml")


class KnowledgeError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def validation_problems(error: ValidationError, prefix: str = "") -> list[str]:
    """pydantic's errors as one readable line each ("bundles.3.questions.0.type: ...")."""
    problems = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"])
        problems.append(f"{prefix}{location}: {item['msg']}")
    return problems


ALIASES_FILE = "matter_aliases.yml"


def default_knowledge_dir() -> Path:
    return deployment.default_knowledge_dir()


def _read_yaml(path: Path) -> Any:
    return read_yaml(path)


def _yaml_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yml") if p.is_file())


def knowledge_files(root: Path) -> list[Path]:
    names = ("stages.yml", "departments.yml", "industries.yml", ALIASES_FILE, *DEPLOYMENT_FILES)
    files = [root / name for name in names]
    for sub in ("materials", "matters", "bundles", "policies"):
        files.extend(_yaml_files(root / sub))
    return files


def fingerprint(root: Path) -> str:
    """Content hash of every knowledge file: the version stored with a load."""
    digest = hashlib.sha256()
    for path in knowledge_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _collect(files: Iterable[Path], key: str, problems: list[str]) -> list[Any]:
    items: list[Any] = []
    for path in files:
        data = _read_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            problems.append(f"{path.name}: 顶层须为 `{key}:` 列表")
            continue
        items.extend(data[key])
    return items


def read_raw(root: Path) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    raw: dict[str, Any] = {}
    for name in ("stages", "industries"):
        raw[name] = _collect([root / f"{name}.yml"], name, problems)
    departments = _read_yaml(root / "departments.yml") or {}
    raw["departments"] = departments.get("departments", [])
    raw["sample_departments"] = bool(departments.get("sample", False))
    raw["materials"] = _collect(_yaml_files(root / "materials"), "materials", problems)
    raw["matters"] = _with_aliases(_collect(_yaml_files(root / "matters"), "matters", problems), root, problems)
    raw["policies"] = _collect(_yaml_files(root / "policies"), "policies", problems)
    raw["bundles"] = []
    for path in _yaml_files(root / "bundles"):
        data = _read_yaml(path)
        if not isinstance(data, dict):
            problems.append(f"bundles/{path.name}: 须为一个套餐映射")
            continue
        if data.get("id") != path.stem:
            problems.append(f"bundles/{path.name}: id 须与文件名一致（{path.stem}）")
        raw["bundles"].append(data)
    return raw, problems


def _with_aliases(matters: list[Any], root: Path, problems: list[str]) -> list[Any]:
    """Attach the colloquial names of ``matter_aliases.yml`` (``{matter id: [名称, …]}``) to their matters."""
    path = root / ALIASES_FILE
    aliases = (_read_yaml(path) if path.exists() else None) or {}
    if not isinstance(aliases, dict):
        problems.append(f"{ALIASES_FILE}: 顶层须为 事项id: [俗称, …] 的映射")
        return matters
    ids = {m.get("id") for m in matters if isinstance(m, dict)}
    for matter_id in sorted(set(aliases) - ids):
        problems.append(f"{ALIASES_FILE}：事项 {matter_id} 不存在")
    return [
        {**m, "aliases": aliases.get(m.get("id"), [])} if isinstance(m, dict) and m.get("id") in aliases else m
        for m in matters
    ]


def _duplicates(kind: str, ids: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in ids:
        if item in seen:
            out.append(f"{kind} id 重复：{item}")
        seen.add(item)
    return out


def _check_bundle(bundle: Bundle, matter_ids: set[str]) -> list[str]:
    problems: list[str] = []
    where = f"套餐 {bundle.id}"
    questions: dict[str, Question] = {}
    problems += _duplicates(f"{where} 问题", [q.id for q in bundle.questions])
    for question in bundle.questions:
        if question.ask_if is not None:
            for error in validate_condition(question.ask_if, questions):
                problems.append(f"{where} 问题 {question.id} 的 ask_if：{error}")
        questions[question.id] = question
        problems += _duplicates(f"{where} 问题 {question.id} 选项", [str(o.value) for o in question.options])
    for item in bundle.matters:
        if item.matter not in matter_ids:
            problems.append(f"{where}：事项 {item.matter} 不存在")
        if item.when is not None:
            for error in validate_condition(item.when, questions):
                problems.append(f"{where} 事项 {item.matter} 的 when：{error}")
    return problems


def validate(kb: KnowledgeBase) -> list[str]:
    problems: list[str] = []
    problems += _duplicates("阶段", [s.id for s in kb.stages])
    problems += _duplicates("部门", [d.id for d in kb.departments])
    problems += _duplicates("行业", [i.id for i in kb.industries])
    problems += _duplicates("材料", [m.id for m in kb.materials])
    problems += _duplicates("事项", [m.id for m in kb.matters])
    problems += _duplicates("套餐", [b.id for b in kb.bundles])
    stages = {s.id for s in kb.stages}
    departments = {d.id for d in kb.departments}
    materials = {m.id for m in kb.materials}
    matters = {m.id: m for m in kb.matters}
    bundles = {b.id: b for b in kb.bundles}
    centers = [d.id for d in kb.departments if d.service_center]
    if len(centers) != 1:
        problems.append(f"须恰有一个 service_center 部门，现有 {len(centers)} 个")
    for topic in ("policy", "appeal"):
        owners = [d.id for d in kb.departments if topic in d.handles]
        if len(owners) != 1:
            problems.append(f"须恰有一个部门 handles {topic}，现有 {owners}")
    for industry in kb.industries:
        if industry.lead_department not in departments:
            problems.append(f"行业 {industry.id}：牵头部门 {industry.lead_department} 不存在")
        if industry.bundle not in bundles:
            problems.append(f"行业 {industry.id}：套餐 {industry.bundle} 不存在")
        elif bundles[industry.bundle].industry != industry.id:
            problems.append(f"行业 {industry.id}：套餐 {industry.bundle} 的 industry 不是它")
    for matter in kb.matters:
        if matter.stage not in stages:
            problems.append(f"事项 {matter.id}：阶段 {matter.stage} 不存在")
        if matter.department not in departments:
            problems.append(f"事项 {matter.id}：部门 {matter.department} 不存在")
        for entry in matter.materials:
            if entry.material not in materials:
                problems.append(f"事项 {matter.id}：材料 {entry.material} 不存在")
    # A material condition may refer to the questions of any bundle that uses the matter (a
    # bundle without that question simply never includes the material); a name no such
    # bundle asks is a typo.
    users: dict[str, list[Bundle]] = {}
    for bundle in kb.bundles:
        for item in bundle.matters:
            users.setdefault(item.matter, []).append(bundle)
    for matter in kb.matters:
        known = {q.id for bundle in users.get(matter.id, []) for q in bundle.questions}
        for entry in matter.materials:
            missing = condition_questions(entry.when) - known if entry.when else set()
            if missing and users.get(matter.id):
                problems.append(f"事项 {matter.id} 材料 {entry.material} 的条件引用了无套餐提问的 {sorted(missing)}")
    for bundle in kb.bundles:
        if bundle.industry is not None and bundle.industry not in {i.id for i in kb.industries}:
            problems.append(f"套餐 {bundle.id}：行业 {bundle.industry} 不存在")
        for stage in bundle.stages:
            if stage not in stages:
                problems.append(f"套餐 {bundle.id}：阶段 {stage} 不存在")
        problems += _check_bundle(bundle, set(matters))
    unused = set(matters) - set(users)
    for matter_id in sorted(unused):
        problems.append(f"事项 {matter_id} 没有被任何套餐使用")
    problems += check_policies(kb.policies, departments, {i.id for i in kb.industries}, stages)
    problems += provenance_errors(kb)
    return problems


def load_knowledge(root: Path | None = None) -> KnowledgeBase:
    root = root or default_knowledge_dir()
    try:
        raw, problems = read_raw(root)
    except yaml.YAMLError as error:
        raise KnowledgeError([f"YAML 格式错误：{error}"]) from None
    try:
        kb = KnowledgeBase.model_validate(raw)
    except ValidationError as error:
        raise KnowledgeError(problems + validation_problems(error)) from None
    problems += validate(kb)
    problems += _check_deployment(root, kb)
    if problems:
        raise KnowledgeError(problems)
    return kb.model_copy(update={"bundles": menu_order(kb)})


def _check_deployment(root: Path, kb: KnowledgeBase) -> list[str]:
    """service.yml, tax_thresholds.yml and profile_questions.yml parse; the hotlines are the service center's."""
    problems: list[str] = []
    try:
        service = deployment.read_service(root)
    except (OSError, ValidationError, yaml.YAMLError) as error:
        return _problems(error, "service.yml: ")
    try:
        deployment.read_thresholds(root)
    except (OSError, ValidationError, yaml.YAMLError) as error:
        problems += _problems(error, "tax_thresholds.yml: ")
    try:
        deployment.read_profile_questions(root)
    except (OSError, ValidationError, yaml.YAMLError) as error:
        problems += _problems(error, "profile_questions.yml: ")
    center = next((d for d in kb.departments if d.service_center), None)
    if center is not None:
        if center.name != service.center:
            problems.append(f"service.yml：center（{service.center}）须与 service_center 部门名称（{center.name}）一致")
        for hotline in service.hotlines:
            if hotline.number not in center.phone:
                problems.append(f"service.yml：{hotline.name} {hotline.number} 不在 service_center 部门的电话中")
    return problems


def _problems(error: OSError | ValidationError | yaml.YAMLError, prefix: str) -> list[str]:
    if isinstance(error, ValidationError):
        return validation_problems(error, prefix)
    return [f"{prefix}{error}"]


def menu_order(kb: KnowledgeBase) -> list[Bundle]:
    """Lifecycle bundles by stage first, then the industry bundles in the order of 附件4."""
    stage_order = {s.id: s.order for s in kb.stages}
    industry_order = {i.id: n for n, i in enumerate(kb.industries)}

    def key(bundle: Bundle) -> tuple[int, int, str]:
        if bundle.industry is None:
            return (0, min(stage_order[s] for s in bundle.stages), bundle.id)
        return (1, industry_order[bundle.industry], bundle.id)

    return sorted(kb.bundles, key=key)
