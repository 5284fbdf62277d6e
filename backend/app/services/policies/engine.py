"""The policy engine: every reviewed policy compiled once, evaluated against a profile at a given ``today``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.knowledge.policy_schema import NATIONWIDE, SERVICE_REGION, Policy
from app.knowledge.schema import KnowledgeBase
from app.services.matching import core
from app.services.policies.conditions import Condition, ConditionCompiler, Status
from app.services.policies.explanation import verdict_for
from app.services.policies.names import _SEGMENTER, _THEME_WORDS, _audience, _is_token, _phrase, _plain
from app.services.policies.profile import Profile, ProfileParser, derive
from app.services.policies.questions import suggest_questions
from app.services.policies.regions import region_status
from app.services.policies.results import (
    DEADLINE_ORDER,
    LEVEL_ORDER,
    MatchResult,
    PolicyMatch,
    PolicySearch,
    QuestionSuggestion,
    _outcome,
)
from app.services.policies.search import _Compiled, _document_keys, find_policies
from app.services.policies.windows import deadline, validity


class PolicyEngine:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.parser = ProfileParser(kb)
        self.industry_names = self.parser.industry_names
        self.departments = {d.id: d for d in kb.departments}
        compiler = ConditionCompiler(self.industry_names)
        self._compiled: dict[str, _Compiled] = {}
        for policy in kb.policies:
            names = [policy.name, *([policy.short_name] if policy.short_name else []), *policy.aliases]
            audience = _audience(policy.criteria)
            _SEGMENTER.add([*(_phrase(w) for w in [*names, *policy.keywords]), *audience])
            phrases = [(p, core(p), _plain(p)) for p in dict.fromkeys(_phrase(n) for n in [*names, policy.document])]
            words = {w for n in names for w in _SEGMENTER.cut(_phrase(n))}
            words |= {_phrase(k) for k in policy.keywords} | set(_THEME_WORDS[policy.theme]) | audience
            conditions = compiler.compile(policy.criteria)
            if policy.region != NATIONWIDE:
                region = policy.region

                def in_region(values: Mapping[str, Any], region: str = region) -> Status:
                    return region_status(region, values.get("region", SERVICE_REGION))

                conditions.insert(0, Condition("region", ("region",), f"注册地在{region}", in_region))
            self._compiled[policy.id] = _Compiled(
                policy=policy,
                conditions=conditions,
                phrases=phrases,
                tokens=frozenset(w for w in words if _is_token(w)),
                doc_keys=_document_keys(policy),
            )

    @property
    def policies(self) -> list[Policy]:
        return [c.policy for c in self._compiled.values()]

    def get(self, policy_id: str) -> Policy | None:
        compiled = self._compiled.get(policy_id)
        return None if compiled is None else compiled.policy

    # ---- evaluation

    def parse_profile(self, raw: Mapping[str, Any]) -> Profile:
        return self.parser.parse(raw)

    def conditions(self, policy: Policy) -> list[Condition]:
        return self._compiled[policy.id].conditions

    def evaluate(self, policy: Policy, profile: Mapping[str, Any], today: date) -> PolicyMatch:
        values, notes = derive(profile)
        verdicts = [verdict_for(c, values, notes, self.industry_names) for c in self.conditions(policy)]
        return PolicyMatch(
            policy=policy,
            verdicts=verdicts,
            outcome=_outcome([v.status for v in verdicts]),
            validity=validity(policy, today),
            deadline=deadline(policy, today),
        )

    def current(
        self, today: date, theme: str | None = None, level: str | None = None, stage: str | None = None
    ) -> list[Policy]:
        """Policies in force at ``today`` (已失效 and 未生效 excluded), filtered."""
        return [
            p
            for p in self.policies
            if validity(p, today) == "有效"
            and (theme is None or p.theme == theme)
            and (level is None or p.level == level)
            and (stage is None or stage in p.stages)
        ]

    def match(
        self,
        profile: Mapping[str, Any],
        today: date,
        theme: str | None = None,
        level: str | None = None,
        stage: str | None = None,
        question_limit: int = 5,
    ) -> MatchResult:
        _, notes = derive(profile)
        results = [self.evaluate(p, profile, today) for p in self.current(today, theme, level, stage)]
        eligible = sorted((m for m in results if m.outcome == "eligible"), key=self._rank)
        near = sorted((m for m in results if m.outcome == "near_miss"), key=lambda m: (bool(m.failed), *self._rank(m)))
        pending = sorted(
            (m for m in results if m.outcome == "pending"), key=lambda m: (len(m.unknown_fields), *self._rank(m))
        )
        candidates = [m for m in results if not m.failed and m.unknown_fields]
        used_notes = {
            k: v
            for k, v in notes.items()
            if k not in profile and any(k in v.fields for m in results for v in m.verdicts)
        }
        return MatchResult(
            today=today,
            profile=dict(profile),
            derived=used_notes,
            matches=eligible,
            near_misses=near,
            pending=pending,
            questions=self.questions(candidates, profile, limit=question_limit),
        )

    @staticmethod
    def _rank(match: PolicyMatch) -> tuple[int, int, int, str]:
        return (
            DEADLINE_ORDER[match.deadline.status],
            -match.met_count,
            LEVEL_ORDER[match.policy.level],
            match.policy.id,
        )

    # ---- which question to ask

    def questions(
        self, candidates: list[PolicyMatch], profile: Mapping[str, Any], limit: int = 5
    ) -> list[QuestionSuggestion]:
        """Unknown fields ranked by how many candidate outcomes their answer would change."""
        return suggest_questions(candidates, profile, self.industry_names, self.conditions, limit)

    # ---- 政策找企业

    def push(self, profile: Mapping[str, Any], since: date, today: date) -> tuple[list[PolicyMatch], list[PolicyMatch]]:
        """In-force policies that took effect in [since, today] and match the profile (and near misses)."""
        fresh = [p for p in self.current(today) if p.effective_from is not None and since <= p.effective_from <= today]
        results = [self.evaluate(p, profile, today) for p in fresh]

        def newest(m: PolicyMatch) -> tuple[int, int, int, int, str]:
            return (-(m.policy.effective_from or since).toordinal(), *self._rank(m))

        return (
            sorted((m for m in results if m.outcome == "eligible"), key=newest),
            sorted((m for m in results if m.outcome == "near_miss"), key=newest),
        )

    # ---- search by name, 文号 or topic words

    def search(self, text: str, today: date, limit: int = 10) -> PolicySearch:
        return find_policies(self._compiled, text, today, limit)
