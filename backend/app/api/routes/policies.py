"""The policy chain (政策链): matching, search, 申报指南 and 政策找企业.

Every answer is computed at a date (``today``, default the server's date): an
expired policy is never offered as current; it only appears in the ``expired``
list of a search by name or 文号, and its guide page says so at the top.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.api import convert
from app.api.deps import CatalogDep, SettingsDep
from app.core.clock import china_today
from app.knowledge.policy_schema import LEVELS, PROFILE_FIELDS, THEMES, FieldSpec, Policy
from app.schemas import policies as out
from app.services.catalog import Catalog
from app.services.policies.profile import ProfileError
from app.services.policies.results import Deadline, PolicyMatch, QuestionSuggestion
from app.services.policies.windows import deadline, validity

router = APIRouter(tags=["policies"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "templates")
MAX_PROFILE_FIELDS = 100


def _day(value: str | None, name: str) -> date:
    if value is None or not value.strip():
        return china_today()
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise HTTPException(status_code=422, detail=f"{name} 日期格式应为 YYYY-MM-DD，如 2026-11-22") from None


def _policy_or_404(catalog: Catalog, policy_id: str) -> Policy:
    policy = catalog.policies.get(policy_id)
    if policy is None:
        raise HTTPException(status_code=404, detail=f"没有编号为“{policy_id[:64]}”的政策")
    return policy


def _filters(catalog: Catalog, theme: str | None, level: str | None, stage: str | None) -> None:
    problems = []
    if theme is not None and theme not in THEMES:
        problems.append(f"政策主题“{theme}”无法识别，可选：{'、'.join(THEMES)}")
    if level is not None and level not in LEVELS:
        problems.append(f"发文层级“{level}”无法识别，可选：{'、'.join(LEVELS)}")
    if stage is not None and stage not in catalog.stages:
        problems.append(f"生命周期阶段“{stage}”无法识别，可选：{'、'.join(catalog.stages)}")
    if problems:
        raise HTTPException(status_code=422, detail="；".join(problems))


def _profile(catalog: Catalog, raw: dict[str, Any]) -> dict[str, Any]:
    if len(raw) > MAX_PROFILE_FIELDS:
        raise HTTPException(status_code=422, detail=f"企业画像字段过多（不超过{MAX_PROFILE_FIELDS}个）")
    try:
        return catalog.policy_engine.parse_profile(raw)
    except ProfileError as error:
        raise HTTPException(status_code=422, detail="企业画像有误：" + "；".join(error.problems)) from None


def guide_path(policy_id: str) -> str:
    """The stable URL of the printable 申报指南."""
    return f"/policies/{policy_id}/guide"


def _deadline(d: Deadline) -> out.DeadlineOut:
    return out.DeadlineOut(
        status=d.status, text=d.text, opens_on=d.opens_on, closes_on=d.closes_on, days_left=d.days_left
    )


def _badges(policy: Policy, state: str) -> list[str]:
    badges = [state] if state != "有效" else []
    if policy.no_application:
        badges.append("免申即享")
    if policy.choose_one:
        badges.append("多项扶持只能选择其一")
    return badges


def _summary(policy: Policy, today: date, base_url: str) -> dict[str, Any]:
    state = validity(policy, today)
    return {
        "id": policy.id,
        "name": policy.name,
        "short_name": policy.short_name,
        "level": policy.level,
        "theme": policy.theme,
        "region": policy.region,
        "summary": policy.summary,
        "document_number": policy.document_number,
        "issuer": policy.issuer,
        "validity": state,
        "deadline": _deadline(deadline(policy, today)),
        "no_application": policy.no_application,
        "badges": _badges(policy, state),
        "guide_url": base_url + guide_path(policy.id),
        "provenance": convert.provenance(policy),
    }


def _match(m: PolicyMatch, today: date, base_url: str) -> out.PolicyMatchOut:
    return out.PolicyMatchOut(
        **_summary(m.policy, today, base_url),
        outcome=m.outcome,
        support=m.policy.support,
        conditions=[
            out.ConditionOut(
                key=v.key, fields=list(v.fields), condition=v.condition, verdict=v.status, explanation=v.explanation
            )
            for v in m.verdicts
        ],
        missing=m.unknown_fields,
        missing_labels=[PROFILE_FIELDS[f].label if f in PROFILE_FIELDS else "其他条件" for f in m.unknown_fields],
        manual_checks=list(m.policy.manual_checks),
    )


def _options(spec: FieldSpec, catalog: Catalog) -> list[out.OptionOut]:
    if spec.kind == "industry":
        return [out.OptionOut(value=i.id, label=i.name) for i in catalog.kb.industries] + [
            out.OptionOut(value="other", label="其他行业")
        ]
    return [out.OptionOut(value=v, label=label) for v, label in spec.options]


def _question(q: QuestionSuggestion) -> out.QuestionOut:
    spec = q.field
    return out.QuestionOut(
        field=spec.id,
        label=spec.label,
        question=spec.question,
        help=spec.help or None,
        type=spec.kind,
        unit=spec.unit or None,
        options=[out.OptionOut(value=v, label=label) for v, label in q.options],
        thresholds=q.thresholds,
        splits=q.splits,
        policies=q.policies,
    )


@router.get("/api/policies", response_model=list[out.PolicySummaryOut])
def list_policies(
    catalog: CatalogDep,
    settings: SettingsDep,
    theme: str | None = Query(default=None, max_length=32),
    level: str | None = Query(default=None, max_length=8),
    stage: str | None = Query(default=None, max_length=64),
    today: str | None = Query(default=None, max_length=10),
) -> list[out.PolicySummaryOut]:
    """Policies in force at ``today`` (expired ones are never listed), filtered by theme, level or stage."""
    _filters(catalog, theme, level, stage)
    day = _day(today, "today")
    return [
        out.PolicySummaryOut(**_summary(p, day, settings.base_url))
        for p in catalog.policy_engine.current(day, theme, level, stage)
    ]


@router.get("/api/policies/fields", response_model=list[out.FieldOut])
def profile_fields(catalog: CatalogDep) -> list[out.FieldOut]:
    """The enterprise profile: every field the policy calculator understands, with its question."""
    return [
        out.FieldOut(
            id=spec.id,
            label=spec.label,
            type=spec.kind,
            question=spec.question,
            help=spec.help or None,
            unit=spec.unit or None,
            options=_options(spec, catalog),
        )
        for spec in PROFILE_FIELDS.values()
    ]


@router.get("/api/policies/search", response_model=out.SearchOut)
def search_policies(
    catalog: CatalogDep,
    settings: SettingsDep,
    q: str = Query(max_length=10_000),
    today: str | None = Query(default=None, max_length=10),
) -> out.SearchOut:
    """Find policies by name, short name, 文号 or topic words; typos and 繁體 are tolerated."""
    day = _day(today, "today")
    result = catalog.policy_engine.search(q, day)

    def hits(items: list[Any]) -> list[out.SearchHitOut]:
        return [
            out.SearchHitOut(
                policy=out.PolicySummaryOut(**_summary(h.policy, day, settings.base_url)),
                score=h.score,
                matched=h.matched,
            )
            for h in items
        ]

    return out.SearchOut(
        status=result.status, topic=result.topic, results=hits(result.results), expired=hits(result.expired)
    )


@router.post("/api/policies/match", response_model=out.MatchOut)
def match_policies(body: out.MatchIn, catalog: CatalogDep, settings: SettingsDep) -> out.MatchOut:
    """Policies for a (partial) enterprise profile, condition by condition, and the questions worth asking."""
    _filters(catalog, body.theme, body.level, body.stage)
    day = _day(body.today, "today")
    profile = _profile(catalog, body.profile)
    result = catalog.policy_engine.match(
        profile, day, theme=body.theme, level=body.level, stage=body.stage, question_limit=body.question_limit
    )
    base = settings.base_url
    return out.MatchOut(
        today=day,
        profile=result.profile,
        assumptions=[f"{PROFILE_FIELDS[k].label}：{v}" for k, v in result.derived.items()],
        matches=[_match(m, day, base) for m in result.matches],
        near_misses=[_match(m, day, base) for m in result.near_misses],
        pending=[_match(m, day, base) for m in result.pending],
        questions=[_question(q) for q in result.questions],
    )


@router.post("/api/policies/push", response_model=out.PushOut)
def push_policies(body: out.PushIn, catalog: CatalogDep, settings: SettingsDep) -> out.PushOut:
    """政策找企业: policies that took effect since ``since`` and fit the profile."""
    day = _day(body.today, "today")
    since = _day(body.since, "since")
    if since > day:
        raise HTTPException(status_code=422, detail="since 不能晚于 today")
    profile = _profile(catalog, body.profile)
    matches, near = catalog.policy_engine.push(profile, since, day)
    base = settings.base_url
    return out.PushOut(
        since=since,
        today=day,
        matches=[_match(m, day, base) for m in matches],
        near_misses=[_match(m, day, base) for m in near],
    )


def _guide(catalog: Catalog, policy: Policy, day: date, base_url: str) -> out.GuideOut:
    department = catalog.departments.get(policy.department) if policy.department else None
    conditions = [c.text for c in catalog.policy_engine.conditions(policy)]
    return out.GuideOut(
        **_summary(policy, day, base_url),
        aliases=list(policy.aliases),
        document=policy.document,
        eligibility=policy.eligibility,
        support=policy.support,
        support_items=list(policy.support_items),
        choose_one=policy.choose_one,
        materials=list(policy.materials),
        application_period=policy.application_period,
        channel=policy.channel,
        procedure=list(policy.procedure),
        authority=policy.authority,
        department=convert.department(department, catalog.kb.sample_departments) if department else None,
        phone=policy.phone,
        effective_from=policy.effective_from,
        effective_to=policy.effective_to,
        apply_from=policy.apply_from,
        apply_to=policy.apply_to,
        conditions=conditions,
        manual_checks=list(policy.manual_checks),
        stages=list(policy.stages),
        notes=policy.notes,
    )


@router.get("/api/policies/{policy_id}", response_model=out.GuideOut)
def policy_guide(
    policy_id: str,
    catalog: CatalogDep,
    settings: SettingsDep,
    today: str | None = Query(default=None, max_length=10),
) -> out.GuideOut:
    """The full 申报指南 of one policy, with its validity and deadline status at ``today``."""
    policy = _policy_or_404(catalog, policy_id)
    return _guide(catalog, policy, _day(today, "today"), settings.base_url)


@router.get("/policies/{policy_id}/guide", response_class=HTMLResponse)
def policy_guide_page(
    policy_id: str,
    request: Request,
    catalog: CatalogDep,
    settings: SettingsDep,
    today: str | None = Query(default=None, max_length=10),
) -> HTMLResponse:
    """The printable 惠企政策申报指南 at a stable URL the bot sends to users."""
    day = _day(today, "today")
    policy = catalog.policies.get(policy_id)
    context: dict[str, Any] = {
        "service_center": catalog.service_center,
        "today": day.isoformat(),
        "sample_departments": catalog.kb.sample_departments,
    }
    if policy is None:
        context |= {"guide": None, "missing": policy_id[:64]}
        return templates.TemplateResponse(request, "policy_guide.html", context, status_code=404)
    context |= {"guide": _guide(catalog, policy, day, settings.base_url)}
    return templates.TemplateResponse(request, "policy_guide.html", context)
