"""Finding policies by name, short name, 文号 or topic words, as people type them."""

from __future__ import annotations

from datetime import date

import pytest

from app.knowledge.loader import load_knowledge
from app.services.policies.engine import PolicyEngine

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def engine() -> PolicyEngine:
    return PolicyEngine(load_knowledge())


@pytest.mark.parametrize(
    ("query", "policy_id"),
    [
        ("六税两费", "six_taxes_two_fees_half"),
        ("银税互动", "bank_tax_interaction"),
        ("研发加计扣除", "rd_expense_super_deduction"),
        ("高企认定", "high_tech_enterprise_recognition"),
        ("无还本续贷", "no_principal_repayment_renewal"),
        ("小微企业所得税", "small_low_profit_income_tax"),
        ("技术交易信用贷", "xian_technology_transaction_credit_loan"),
        ("请问六税两费怎么享受？", "six_taxes_two_fees_half"),
        ("小型微利企业所得税忧惠", "small_low_profit_income_tax"),  # 忧 for 优
        ("六说两费", "six_taxes_two_fees_half"),  # 说 for 税
        ("银税互懂", "bank_tax_interaction"),  # 懂 for 动
        ("六稅兩費", "six_taxes_two_fees_half"),  # 繁體
        ("ｙｉｎ税互动", None),  # full-width junk does not crash
    ],
)
def test_short_names_typos_and_traditional_characters(engine: PolicyEngine, query: str, policy_id: str | None) -> None:
    result = engine.search(query, TODAY)
    if policy_id is None:
        assert result.status in ("unknown", "related", "ambiguous", "matched")
        return
    assert result.status == "matched", query
    assert result.results[0].policy.id == policy_id


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("财政部 税务总局公告2023年第19号", {"small_scale_vat_exemption", "small_scale_vat_reduced_rate"}),
        (
            "2023年第12号",
            {"small_low_profit_income_tax", "individual_business_income_tax_half", "six_taxes_two_fees_half"},
        ),
        ("财金〔2020〕21号", {"startup_guarantee_loan_individual", "startup_guarantee_loan_small_business"}),
        ("财金[2020]21号", {"startup_guarantee_loan_individual", "startup_guarantee_loan_small_business"}),
        ("国科发火(2016)32号", {"high_tech_enterprise_recognition"}),
    ],
)
def test_document_numbers_in_any_bracket_style(engine: PolicyEngine, query: str, expected: set[str]) -> None:
    result = engine.search(query, TODAY)
    assert result.status == "matched"
    top = {h.policy.id for h in result.results if h.score == 100}
    assert top == expected


def test_expired_policies_appear_only_in_the_expired_list(engine: PolicyEngine) -> None:
    for query in ("稳岗返还", "稳岗反还", "失业保险稳岗返还", "人社部发〔2025〕18号"):
        result = engine.search(query, TODAY)
        assert result.status == "expired", query
        assert [h.policy.id for h in result.expired] == ["unemployment_insurance_job_retention_refund"]
        assert all(h.validity == "有效" for h in result.results)
        assert result.expired[0].deadline.status == "已截止"
    qianjiang = engine.search("黔江经信发〔2020〕113号", TODAY)
    assert qianjiang.status == "expired"
    assert qianjiang.expired[0].policy.id == "qianjiang_growth_distressed_enterprise_support"
    assert engine.search("成长型困难型企业扶持", TODAY).expired[0].validity == "已失效"


def test_a_name_asked_before_it_ended_is_current(engine: PolicyEngine) -> None:
    result = engine.search("稳岗返还", date(2025, 6, 1))
    assert result.status == "matched"
    assert result.results[0].policy.id == "unemployment_insurance_job_retention_refund"
    assert result.expired == []


def test_topic_words_find_related_policies_in_force(engine: PolicyEngine) -> None:
    loans = engine.search("有什么贷款政策", TODAY)
    assert loans.status == "related"
    assert {h.policy.theme for h in loans.results} == {"降低融资成本"}
    assert all(h.validity == "有效" for h in loans.results)
    individual = engine.search("个体户有什么优惠", TODAY)
    assert individual.results[0].policy.id in (
        "individual_business_income_tax_half",
        "key_groups_self_employment_tax_credit",
    )


def test_two_policies_with_one_name_are_ambiguous(engine: PolicyEngine) -> None:
    result = engine.search("创业担保贷款", TODAY)
    assert result.status == "ambiguous"
    assert {h.policy.id for h in result.results[:2]} == {
        "startup_guarantee_loan_individual",
        "startup_guarantee_loan_small_business",
    }


@pytest.mark.parametrize("query", ["", "   ", "政策", "有什么政策", "我想了解一下惠企政策"])
def test_nothing_specific_asked(engine: PolicyEngine, query: str) -> None:
    assert engine.search(query, TODAY).status == "empty"


@pytest.mark.parametrize("query", ["殡葬服务", "<script>alert(1)</script>", "'; DROP TABLE policies; --", "😀" * 50])
def test_unrelated_queries_find_nothing(engine: PolicyEngine, query: str) -> None:
    result = engine.search(query, TODAY)
    assert result.status in ("unknown", "empty")
    assert result.results == []


def test_very_long_query_is_cut_not_fatal(engine: PolicyEngine) -> None:
    result = engine.search("六税两费" + "啊" * 10_000, TODAY)
    assert result.results[0].policy.id == "six_taxes_two_fees_half"
