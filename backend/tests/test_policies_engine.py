"""The policy calculator: verdicts, near misses, validity, deadlines and the next question.

Every test runs at a frozen date: TODAY (2026-11-22) decides what is in force.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.knowledge.loader import load_knowledge
from app.knowledge.policy_schema import Policy
from app.knowledge.schema import KnowledgeBase
from app.services.policies.engine import PolicyEngine
from app.services.policies.profile import ProfileError
from app.services.policies.windows import deadline, validity

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="module")
def engine(kb: KnowledgeBase) -> PolicyEngine:
    return PolicyEngine(kb)


def ids(matches: list[Any]) -> set[str]:
    return {m.policy.id for m in matches}


def policy(**overrides: Any) -> Policy:
    base: dict[str, Any] = {
        "id": "sample_policy",
        "name": "示例政策",
        "level": "区级",
        "theme": "财政支持",
        "region": "重庆市黔江区",
        "document": "示例文件",
        "issuer": "示例部门",
        "summary": "示例",
        "eligibility": "示例",
        "support": "示例",
        "materials": ["申请表"],
        "application_period": "示例",
        "channel": "示例",
        "procedure": ["提交申请"],
        "authority": "示例部门",
        "department": "economy_information",
        "phone": "12345",
        "sources": [{"title": "示例文件", "issuer": "示例部门"}],
        "reviewed_on": "2026-11-22",
        "reviewed_by": "区政务服务中心知识库审核岗",
        "verification": "unverified",
    }
    return Policy.model_validate({**base, **overrides})


# ------------------------------------------------------------ profiles → policies


@pytest.mark.parametrize(
    ("profile", "eligible", "not_offered"),
    [
        (  # 个体户、小规模纳税人、月销售额8万
            {"entity_type": "个体工商户", "taxpayer_type": "小规模纳税人", "monthly_sales": 8},
            {
                "small_scale_vat_exemption",
                "small_scale_vat_reduced_rate",
                "six_taxes_two_fees_half",
                "individual_business_income_tax_half",
            },
            {"small_low_profit_income_tax"},
        ),
        (  # 小型微利 derived from the three numbers; 一般纳税人 still gets 六税两费 through it
            {
                "entity_type": "企业",
                "taxpayer_type": "一般纳税人",
                "employees": 50,
                "total_assets": 1200,
                "taxable_income": 80,
            },
            {"small_low_profit_income_tax", "six_taxes_two_fees_half"},
            {"small_scale_vat_exemption", "small_scale_vat_reduced_rate", "individual_business_income_tax_half"},
        ),
        (  # 高新技术企业中的制造业一般纳税人
            {"certifications": ["高新技术企业"], "industrial": True, "taxpayer_type": "一般纳税人"},
            {"hnte_preferential_rate", "advanced_manufacturing_vat_credit"},
            set(),
        ),
        (  # 研发费用加计扣除：食品制造 may, 餐饮 may not (负面清单)
            {"entity_type": "企业", "industry": "food_manufacturing", "rd_activity": True},
            {"rd_expense_super_deduction"},
            set(),
        ),
        (  # 小微企业创业担保贷款：100人以下须新招用15%以上
            {"scale": "小型", "employees": 60, "key_group_hire_ratio": 20},
            {"startup_guarantee_loan_small_business", "small_micro_loan_contract_stamp_duty"},
            set(),
        ),
        (  # 超过100人的企业，8%即可
            {"scale": "小型", "employees": 150, "key_group_hire_ratio": 9},
            {"startup_guarantee_loan_small_business"},
            set(),
        ),
        (  # 高企认定：营业收入8000万元、研发占比4.5%
            {"entity_type": "企业", "years_in_business": 3, "has_ip": True, "revenue": 8000, "rd_ratio": 4.5},
            {"high_tech_enterprise_recognition"},
            set(),
        ),
        (  # 30人以下免征残保金；多于30人则只有分档减缴
            {"entity_type": "企业", "employees": 12},
            {"disability_fund_exemption_small"},
            {"disability_fund_tiered_reduction"},
        ),
        (  # 银税互动：纳税信用M级可以，C级不可以
            {"tax_credit_level": "M"},
            {"bank_tax_interaction"},
            set(),
        ),
    ],
)
def test_profiles_get_their_policies(
    engine: PolicyEngine, profile: dict[str, Any], eligible: set[str], not_offered: set[str]
) -> None:
    result = engine.match(engine.parse_profile(profile), TODAY)
    assert eligible <= ids(result.matches)
    assert not (not_offered & ids(result.matches))


def test_negative_list_industry_fails_the_rd_deduction(engine: PolicyEngine) -> None:
    profile = engine.parse_profile({"entity_type": "企业", "industry": "火锅店", "rd_activity": True})
    match = engine.evaluate(engine.get("rd_expense_super_deduction"), profile, TODAY)  # type: ignore[arg-type]
    assert match.outcome == "near_miss"
    [failed] = match.failed
    assert failed.key == "excluded_industries"
    assert "餐饮业" in failed.condition and "不符合" in failed.explanation and "餐饮业" in failed.explanation


def test_every_condition_has_a_verdict_and_a_chinese_explanation(engine: PolicyEngine) -> None:
    profile = engine.parse_profile({"entity_type": "企业", "taxpayer_type": "小规模纳税人", "monthly_sales": 12})
    match = engine.evaluate(engine.get("small_scale_vat_exemption"), profile, TODAY)  # type: ignore[arg-type]
    verdicts = {v.key: v for v in match.verdicts}
    assert verdicts["taxpayer_types"].status == "met"
    assert verdicts["taxpayer_types"].explanation.startswith("符合")
    assert verdicts["thresholds.monthly_sales"].status == "not_met"
    assert verdicts["thresholds.monthly_sales"].condition == "月销售额不超过10万元"
    assert verdicts["thresholds.monthly_sales"].explanation == "不符合：月销售额为12万元"
    assert match.outcome == "near_miss"


def test_unknown_fields_make_unknown_verdicts_not_failures(engine: PolicyEngine) -> None:
    match = engine.evaluate(engine.get("small_scale_vat_exemption"), {}, TODAY)  # type: ignore[arg-type]
    assert [v.status for v in match.verdicts] == ["unknown", "unknown"]
    assert match.outcome == "pending"
    assert match.verdicts[0].explanation == "尚不确定：还需了解增值税纳税人类型"


def test_near_misses_have_exactly_one_open_condition(engine: PolicyEngine) -> None:
    result = engine.match(engine.parse_profile({"entity_type": "企业", "scale": "小型"}), TODAY)
    assert result.near_misses
    for match in result.near_misses:
        open_ = [v for v in match.verdicts if v.status != "met"]
        assert len(open_) == 1, match.policy.id
    for match in result.matches:
        assert all(v.status == "met" for v in match.verdicts)
    # 小微企业融资 needs nothing else from a 小型企业; 知识产权质押 still needs to know about patents
    assert "sme_financing_coordination_mechanism" in ids(result.matches)
    ip = next(m for m in result.near_misses if m.policy.id == "ip_pledge_financing")
    assert ip.unknown_fields == ["has_ip"]
    assert "是否拥有有效的专利权" in ip.verdicts[-1].explanation


def test_answer_xiaowei_is_enough_for_small_and_micro_but_not_for_one_of_them(
    engine: PolicyEngine, kb: KnowledgeBase
) -> None:
    small_only = policy(id="small_only", criteria={"scales": ["小型"]})
    both = policy(id="both", criteria={"scales": ["微型", "小型"]})
    medium = policy(id="medium", criteria={"scales": ["中型"]})
    local = PolicyEngine(kb.model_copy(update={"policies": [small_only, both, medium]}))
    result = local.match(local.parse_profile({"scale": "小微企业"}), TODAY)
    assert ids(result.matches) == {"both"}
    assert {m.policy.id: m.outcome for m in result.near_misses} == {"small_only": "near_miss", "medium": "near_miss"}
    small = next(m for m in result.near_misses if m.policy.id == "small_only")
    assert small.verdicts[-1].status == "unknown" and "小型还是微型" in small.verdicts[-1].explanation
    assert next(m for m in result.near_misses if m.policy.id == "medium").failed


def test_derived_facts_are_explained(engine: PolicyEngine) -> None:
    profile = engine.parse_profile({"entity_type": "个体工商户"})
    match = engine.evaluate(engine.get("small_low_profit_income_tax"), profile, TODAY)  # type: ignore[arg-type]
    assert match.outcome == "near_miss" and match.failed
    assert "个体工商户不缴纳企业所得税" in match.failed[0].explanation
    result = engine.match(profile, TODAY)
    assert "small_low_profit" in result.derived


# ------------------------------------------------------------ validity: today decides


def test_expired_policies_are_never_offered_as_current(engine: PolicyEngine) -> None:
    # 稳岗返还 (2025) and 黔江113号 (2020) would fit these profiles if they were still in force
    profiles = [
        {"pays_unemployment_insurance": True, "layoff_rate": 1, "employees": 20},
        {"entity_type": "企业", "industrial": True},
        {"entity_type": "企业", "hires_graduates": True},
    ]
    expired = {
        "unemployment_insurance_job_retention_refund",
        "qianjiang_growth_distressed_enterprise_support",
        "one_time_job_expansion_subsidy",
        "little_giant_central_fund_2021_2025",
        "yuzhong_procurement_prepayment_2021",
    }
    for raw in profiles:
        result = engine.match(engine.parse_profile(raw), TODAY)
        offered = ids(result.matches) | ids(result.near_misses) | ids(result.pending)
        assert not offered & expired
    assert not {p.id for p in engine.current(TODAY)} & expired


def test_the_same_policies_were_current_before_they_ended(engine: PolicyEngine) -> None:
    refund = engine.parse_profile({"pays_unemployment_insurance": True, "layoff_rate": 1, "employees": 20})
    assert "unemployment_insurance_job_retention_refund" in ids(engine.match(refund, date(2025, 6, 1)).matches)
    plant = engine.parse_profile({"entity_type": "企业", "industrial": True})
    assert "qianjiang_growth_distressed_enterprise_support" in ids(engine.match(plant, date(2020, 6, 1)).matches)


def test_qianjiang_support_policy_ended_on_2020_09_30(engine: PolicyEngine) -> None:
    qianjiang = engine.get("qianjiang_growth_distressed_enterprise_support")
    assert qianjiang is not None
    assert validity(qianjiang, date(2020, 9, 30)) == "有效"
    assert validity(qianjiang, date(2020, 10, 1)) == "已失效"
    assert deadline(qianjiang, TODAY).status == "已截止"
    assert qianjiang.choose_one and len(qianjiang.support_items) == 5


def test_national_small_business_tax_policies_run_to_2027(engine: PolicyEngine) -> None:
    for policy_id in (
        "small_low_profit_income_tax",
        "small_scale_vat_exemption",
        "small_scale_vat_reduced_rate",
        "six_taxes_two_fees_half",
    ):
        found = engine.get(policy_id)
        assert found is not None and found.effective_to == date(2027, 12, 31), policy_id
        assert validity(found, TODAY) == "有效"
        assert validity(found, date(2028, 1, 1)) == "已失效"
    rd = engine.get("rd_expense_super_deduction")
    assert rd is not None and rd.effective_to is None and "100%" in rd.support


# ------------------------------------------------------------ deadline status at a frozen date


@pytest.mark.parametrize(
    ("overrides", "today", "status", "days_left"),
    [
        ({"apply_from": "2026-12-01", "apply_to": "2026-12-31"}, TODAY, "未开始", None),
        ({"apply_from": "2026-11-01", "apply_to": "2026-12-31"}, TODAY, "申报中", 39),
        ({"apply_from": "2026-11-01", "apply_to": "2026-12-07"}, TODAY, "即将截止", 15),
        ({"apply_from": "2026-11-01", "apply_to": "2026-12-08"}, TODAY, "申报中", 16),
        ({"apply_from": "2026-11-01", "apply_to": "2026-11-22"}, TODAY, "即将截止", 0),
        ({"apply_from": "2026-10-01", "apply_to": "2026-11-21"}, TODAY, "已截止", None),
        ({"apply_from": "2026-10-01"}, TODAY, "申报中", None),
        ({"year_round": True}, TODAY, "常年受理", None),
        ({"no_application": True}, TODAY, "常年受理", None),
        ({"year_round": True, "effective_to": "2026-12-01"}, TODAY, "即将截止", 9),
        ({}, TODAY, "以通知为准", None),
        ({"effective_to": "2026-11-21", "year_round": True}, TODAY, "已截止", None),
        ({"effective_from": "2027-01-01", "year_round": True}, TODAY, "未开始", None),
        ({"annual_windows": [{"start": "01-01", "end": "05-31"}]}, TODAY, "下一申报期", None),
        (
            {"annual_windows": [{"start": "01-01", "end": "05-31"}], "effective_from": "2026-06-01"},
            TODAY,
            "未开始",
            None,
        ),
        ({"annual_windows": [{"start": "01-01", "end": "05-31"}]}, date(2026, 3, 1), "申报中", 91),
        ({"annual_windows": [{"start": "01-01", "end": "05-31"}]}, date(2026, 5, 20), "即将截止", 11),
        (
            {"annual_windows": [{"start": "01-01", "end": "05-31"}], "effective_to": "2026-12-31"},
            TODAY,
            "已截止",
            None,
        ),
    ],
)
def test_deadline_status(overrides: dict[str, Any], today: date, status: str, days_left: int | None) -> None:
    result = deadline(policy(**overrides), today)
    assert result.status == status
    assert result.days_left == days_left
    assert result.text


def test_next_annual_window_is_announced(engine: PolicyEngine) -> None:
    rd = engine.get("rd_expense_super_deduction")
    assert rd is not None
    result = deadline(rd, TODAY)
    assert (
        result.status == "下一申报期" and result.opens_on == date(2027, 1, 1) and result.closes_on == date(2027, 5, 31)
    )
    assert result.text == "上年度企业所得税汇算清缴：申报期2027年1月1日至2027年5月31日"


@pytest.mark.parametrize(
    ("today", "status", "label", "closes_on"),
    [
        (date(2026, 12, 1), "下一申报期", "上年度企业所得税汇算清缴", date(2027, 5, 31)),
        (date(2026, 3, 15), "申报中", "上年度企业所得税汇算清缴", date(2026, 5, 31)),
        (date(2026, 5, 25), "即将截止", "上年度企业所得税汇算清缴", date(2026, 5, 31)),
        (date(2026, 6, 20), "下一申报期", "第二季度（上半年）企业所得税预缴申报", date(2026, 7, 15)),
        (date(2026, 7, 3), "即将截止", "第二季度（上半年）企业所得税预缴申报", date(2026, 7, 15)),
        (date(2026, 10, 9), "即将截止", "第三季度（前三季度）企业所得税预缴申报", date(2026, 10, 15)),
        (date(2026, 8, 1), "下一申报期", "第三季度（前三季度）企业所得税预缴申报", date(2026, 10, 15)),
    ],
)
def test_rd_super_deduction_has_three_windows_a_year(
    engine: PolicyEngine, today: date, status: str, label: str, closes_on: date
) -> None:
    """Claimed at 汇算清缴 (1–5月) and at the 7月/10月 预缴: on 12月1日 it is running, not 未开始 (issue 7 §4)."""
    rd = engine.get("rd_expense_super_deduction")
    assert rd is not None
    result = deadline(rd, today)
    assert (result.status, result.closes_on) == (status, closes_on)
    assert result.text.startswith(label + "：")


def test_any_open_window_makes_it_open() -> None:
    windows = [
        {"start": "01-01", "end": "03-31"},
        {"start": "03-01", "end": "06-30"},
        {"start": "09-01", "end": "09-30"},
    ]
    result = deadline(policy(annual_windows=windows), date(2026, 3, 25))
    # two windows are open; the first closes in 6 days, but the second stays open: 申报中 until 6月30日
    assert (result.status, result.closes_on) == ("申报中", date(2026, 6, 30))
    assert deadline(policy(annual_windows=windows), date(2026, 8, 1)).status == "下一申报期"
    assert deadline(policy(annual_windows=windows), date(2026, 9, 10)).status == "申报中"


def test_matches_closing_soon_come_first(kb: KnowledgeBase) -> None:
    later = policy(id="later", year_round=True, criteria={"scales": ["小型"]})
    soon = policy(id="soon", apply_from="2026-11-01", apply_to="2026-11-30", criteria={"scales": ["小型"]})
    local = PolicyEngine(kb.model_copy(update={"policies": [later, soon]}))
    result = local.match({"scale": "小型"}, TODAY)
    assert [m.policy.id for m in result.matches] == ["soon", "later"]
    assert result.matches[0].deadline.status == "即将截止"


# ------------------------------------------------------------ which question to ask next


def test_questions_are_ranked_by_how_many_policies_they_decide(kb: KnowledgeBase) -> None:
    policies = [
        policy(id="a", criteria={"scales": ["微型", "小型"]}),
        policy(id="b", criteria={"scales": ["微型", "小型"], "flags": {"has_ip": True}}),
        policy(id="c", criteria={"scales": ["中型"], "taxpayer_types": ["一般纳税人"]}),
        policy(id="d", criteria={"flags": {"loan_due": True}}),
    ]
    local = PolicyEngine(kb.model_copy(update={"policies": policies}))
    questions = local.match({}, TODAY).questions
    assert questions[0].field.id == "scale"
    assert questions[0].splits == 3 and set(questions[0].policies) == {"a", "b", "c"}
    assert [o[0] for o in questions[0].options] == ["微型", "小型", "中型", "大型"]
    assert questions[0].field.question.endswith("？")
    assert {q.field.id for q in questions[1:]} == {"has_ip", "taxpayer_type", "loan_due"}


def test_questions_that_cannot_change_the_answer_are_not_asked(kb: KnowledgeBase) -> None:
    policies = [
        policy(id="b", criteria={"scales": ["微型", "小型"], "flags": {"has_ip": True}}),
        policy(id="d", criteria={"flags": {"loan_due": True}}),
    ]
    local = PolicyEngine(kb.model_copy(update={"policies": policies}))
    # a 大型企业 is out of b whatever its patents: ask only about the loan
    questions = local.match({"scale": "大型"}, TODAY).questions
    assert [q.field.id for q in questions] == ["loan_due"]
    # nothing left to ask once everything is known
    assert local.match({"scale": "大型", "loan_due": True}, TODAY).questions == []


def test_number_questions_carry_their_thresholds(kb: KnowledgeBase) -> None:
    policies = [
        policy(id="tiny", criteria={"thresholds": {"employees": {"lte": 30}}}),
        policy(id="small", criteria={"thresholds": {"employees": {"lte": 300}}}),
    ]
    local = PolicyEngine(kb.model_copy(update={"policies": policies}))
    [question] = local.match({}, TODAY).questions
    assert question.field.id == "employees" and question.thresholds == [30.0, 300.0]
    assert question.splits == 2 and question.options == []


def test_with_the_real_catalogue_the_first_question_is_individual_or_enterprise(engine: PolicyEngine) -> None:
    questions = engine.match({}, TODAY).questions
    assert questions[0].field.id == "entity_type"
    answered = engine.match(engine.parse_profile({"entity_type": "个体工商户"}), TODAY).questions
    # a 个体工商户 is never a 小型微利企业: neither question comes back
    assert {"entity_type", "small_low_profit"}.isdisjoint(q.field.id for q in answered)
    assert answered


def test_theme_and_level_filters(engine: PolicyEngine) -> None:
    result = engine.match({}, TODAY, theme="降低融资成本")
    every = result.matches + result.near_misses + result.pending
    assert every and {m.policy.theme for m in every} == {"降低融资成本"}
    local = engine.current(TODAY, level="区级")
    assert {p.region for p in local} == {"四川省绵阳市涪城区"}  # 黔江 and 渝中 district policies have ended


# ------------------------------------------------------------ region


def test_region_of_a_policy_is_a_condition(engine: PolicyEngine) -> None:
    xian = engine.get("xian_technology_transaction_credit_loan")
    assert xian is not None
    facts = {"scale": "小型", "has_tech_contract": True}
    here = engine.evaluate(xian, engine.parse_profile(facts), TODAY)
    assert here.outcome == "near_miss" and here.failed[0].key == "region"
    assert "重庆市黔江区" in here.failed[0].explanation
    there = engine.evaluate(xian, engine.parse_profile({**facts, "region": "陕西省西安市"}), TODAY)
    assert there.outcome == "eligible"
    assert engine.evaluate(xian, engine.parse_profile({**facts, "region": "西安市"}), TODAY).outcome == "eligible"
    chongqing = engine.get("chongqing_commercial_value_credit_loan")
    assert chongqing is not None
    assert engine.evaluate(chongqing, engine.parse_profile({"scale": "小型", "region": "黔江"}), TODAY).outcome == (
        "eligible"
    )


# ------------------------------------------------------------ 政策找企业


def test_push_finds_policies_that_took_effect_since_a_date(engine: PolicyEngine) -> None:
    profile = engine.parse_profile({"entity_type": "个体工商户", "taxpayer_type": "小规模纳税人", "monthly_sales": 5})
    matches, _ = engine.push(profile, date(2023, 1, 1), TODAY)
    assert {"small_scale_vat_exemption", "six_taxes_two_fees_half", "individual_business_income_tax_half"} <= ids(
        matches
    )
    assert all(m.policy.effective_from and m.policy.effective_from >= date(2023, 1, 1) for m in matches)
    later, _ = engine.push(profile, date(2024, 1, 1), TODAY)
    assert "six_taxes_two_fees_half" not in ids(later)
    # re-based on the 增值税法 and 财政部 税务总局公告2026年第10号: in force since 2026-01-01, so pushed as new
    assert {"small_scale_vat_exemption", "small_scale_vat_reduced_rate"} <= ids(later)


def test_push_only_offers_policies_in_force(kb: KnowledgeBase) -> None:
    new = policy(id="new", effective_from="2026-11-01", year_round=True, criteria={"scales": ["小型"]})
    ended = policy(id="ended", effective_from="2026-10-01", effective_to="2026-11-10", criteria={"scales": ["小型"]})
    coming = policy(id="coming", effective_from="2026-12-01", criteria={"scales": ["小型"]})
    other = policy(id="other", effective_from="2026-11-02", criteria={"scales": ["大型"]})
    local = PolicyEngine(kb.model_copy(update={"policies": [new, ended, coming, other]}))
    matches, near = local.push({"scale": "小型"}, date(2026, 10, 1), TODAY)
    assert ids(matches) == {"new"}
    assert ids(near) == {"other"}
    assert local.push({"scale": "小型"}, date(2026, 11, 15), TODAY) == ([], [])


# ------------------------------------------------------------ profile parsing


def test_profile_accepts_what_people_type(engine: PolicyEngine) -> None:
    profile = engine.parse_profile(
        {
            "entity_type": "個體戶",
            "scale": "小微企业",
            "taxpayer_type": "小规模",
            "employees": "三十",
            "monthly_sales": "8万元",
            "rd_ratio": "百分之五",
            "industry": "火锅店",
            "region": "黔江区",
            "tax_credit_level": "b",
            "certifications": {"高新": True, "小巨人": "否"},
            "has_ip": "有",
            "years_in_business": None,
        }
    )
    assert profile == {
        "entity_type": "个体工商户",
        "scale": "小微",
        "taxpayer_type": "小规模纳税人",
        "employees": 30.0,
        "monthly_sales": 8.0,
        "rd_ratio": 5.0,
        "industry": "catering",
        "region": "重庆市黔江区",
        "tax_credit_level": "B",
        "certifications.高新技术企业": True,
        "certifications.专精特新“小巨人”企业": False,
        "has_ip": True,
    }


def test_bad_profiles_get_every_problem_in_chinese(engine: PolicyEngine) -> None:
    with pytest.raises(ProfileError) as error:
        engine.parse_profile(
            {
                "industry": "spaceship",
                "employees": -5,
                "rd_ratio": 150,
                "scale": "巨型",
                "has_ip": "maybe",
                "colour": "red",
                "certifications": ["诺贝尔奖"],
                "revenue": True,
            }
        )
    problems = error.value.problems
    assert len(problems) == 8
    text = "；".join(problems)
    for expected in (
        "未知的行业“spaceship”",
        "从业人数不能为负数",
        "不能超过100",
        "企业规模“巨型”无法识别",
        "请回答“是”或“否”",
        "未知的画像字段“colour”",
        "未知的资格“诺贝尔奖”",
        "上年营业收入须为数字",
    ):
        assert expected in text
