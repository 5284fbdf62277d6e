"""Route one question to what answers it: one matter (索引式), a bundle (问答式) or a named policy.

Users ask about one licence far more often than about a whole bundle ("食品经营许可证要多久").
A matter named outright wins over a bundle, unless the bundle phrase found is longer and so more
specific ("开药店" does not beat "药品经营许可证", but a matter word inside a longer business name
does not make the question about that matter). A policy wins only when it is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from app.services.catalog import Catalog
from app.services.matching import BundleSearch, Candidate
from app.services.matters import MatterHit, bundles_with
from app.services.policies.results import PolicySearch
from app.services.text import normalize

Kind = Literal["matter", "bundle", "policy", "unknown", "empty"]
MATTER_SURE = 85.0
POLICY_SURE = 90.0
# What a question asks about a matter. Order matters: "能不能先办" is about doing it early, not its time.
ATTRIBUTES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "advance",
        ("能不能先", "可不可以先", "能否先", "可以先", "能先", "先办", "提前办", "还在装修", "还没装修", "装修期间"),
    ),
    ("fee", ("收费", "多少钱", "费用", "要钱", "免费", "花钱", "交钱", "收钱", "好多钱", "几多钱", "收不收")),
    ("time", ("多久", "多长时间", "几天", "几个工作日", "时限", "多少天", "多快", "办结", "要多长", "好久")),
    ("where", ("在哪", "去哪", "哪里办", "哪儿", "哪里", "窗口", "地址", "地点", "网上办", "网上申请", "线上", "电话")),
    ("materials", ("材料", "资料", "带什么", "带啥", "准备什么", "准备啥", "提交什么", "要什么东西", "要些什么")),
    ("conditions", ("条件", "要求", "资格", "符合")),
    ("basis", ("依据", "法规", "哪条规定", "法律规定")),
)


# A question about the whole business, not one licence: "一共要办哪些事", "整套流程", "这些都要办吗".
SCOPE_WORDS = (
    "哪些手续", "哪些事", "哪些证", "哪些审批", "什么手续", "啥手续", "啥子手续", "些啥手续", "整套", "全套", "一共",
    "这些都", "这些一起", "都要办", "要跑哪些", "跑哪些", "办哪些", "整些啥", "办些啥", "要办些什么",
    "流程是啥", "流程有哪些", "整哪些", "还要跟着办", "跟着办哪些", "证照有哪些", "手续有哪些", "哪些证照",
)  # fmt: skip


def attribute_of(text: str) -> str | None:
    plain = normalize(text)
    return next((name for name, words in ATTRIBUTES if any(w in plain for w in words)), None)


@dataclass(frozen=True)
class Route:
    kind: Kind
    attribute: str | None
    matter: MatterHit | None
    bundles: BundleSearch
    policy: PolicySearch


def route(catalog: Catalog, text: str, today: date) -> Route:
    matters = catalog.matter_matcher.search(text)
    bundles = catalog.bundle_matcher.search(text)
    policies = catalog.policy_engine.search(text, today)
    attribute = attribute_of(text)
    matter = matters[0] if matters and matters[0].score >= MATTER_SURE else None
    named = [*policies.results, *policies.expired]
    sure = policies.status in ("matched", "expired", "ambiguous")
    policy = next((h for h in named if h.score >= POLICY_SURE), None) if sure else None
    if policy is not None and (
        matter is None or (policy.score >= matter.score and len(policy.matched) > len(matter.phrase))
    ):
        return Route("policy", attribute, matter, bundles, policies)
    plain = normalize(text)
    if matter is not None:
        top = bundles.candidates[0] if bundles.candidates else None
        more_specific = top is not None and top.phrase in plain and len(top.phrase) > len(matter.phrase)
        asks_all = plain.rstrip("?？。.!！吗嘛呢哦 ").endswith(("要办啥", "办些啥", "要办什么", "要办哪些"))
        if asks_all or any(w in plain for w in SCOPE_WORDS):
            # The bundle that holds what was named, among the candidates or else the matter's own bundle.
            holding = [b.id for b in bundles_with(catalog.kb, matter.matter_id)]
            candidates = (
                bundles.candidates[:1]
                if bundles.status == "matched"
                else [c for c in bundles.candidates if c.bundle_id in holding]
                or [Candidate(b, 90.0, matter.phrase) for b in holding[:1]]
            )
            if candidates:
                scoped = BundleSearch("matched", candidates, bundles.topic)
                return Route("bundle", attribute, matter, scoped, policies)
        if not more_specific:
            return Route("matter", attribute, matter, bundles, policies)
    if bundles.status in ("matched", "ambiguous"):
        return Route("bundle", attribute, matter, bundles, policies)
    return Route("unknown" if bundles.status == "unknown" else "empty", attribute, matter, bundles, policies)
