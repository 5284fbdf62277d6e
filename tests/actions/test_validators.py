import pytest

from actions.common import validators


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13800138000", "13800138000"),
        ("我的电话是138 0013 8000", "13800138000"),
        ("+86 139-0000-1111", "13900001111"),
        ("１３８００１３８０００", "13800138000"),
        ("12800138000", None),
        ("1380013800", None),
        ("023-79242258", None),
        ("", None),
    ],
)
def test_mobile(text: str, expected: str | None) -> None:
    assert validators.mobile(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("91350100M000100Y43", "91350100M000100Y43"),
        ("代码是 91350100m000100y43", "91350100M000100Y43"),
        ("91350100M000100Y44", None),  # wrong check digit
        ("91350100M000100I43", None),  # I is not in the alphabet
        ("9135010", None),
    ],
)
def test_unified_social_credit_code(text: str, expected: str | None) -> None:
    assert validators.uscc(text) == expected


@pytest.mark.parametrize("text", ["跳过", "没有", "不知道", "暂无。", "无"])
def test_skip_words(text: str) -> None:
    assert validators.says_skip(text)


@pytest.mark.parametrize("text", ["91350100M000100Y43", "我们有代码但记不全了，大概是9135"])
def test_not_skip(text: str) -> None:
    assert not validators.says_skip(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("重庆市黔江区山城火锅店", "重庆市黔江区山城火锅店"),
        ("我们公司叫黔江某某食品有限公司", "黔江某某食品有限公司"),
        ("a", None),
        ("123456", None),
        ("x" * 61, None),
    ],
)
def test_enterprise_name(text: str, expected: str | None) -> None:
    assert validators.enterprise_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("王芳", "王芳"), ("我叫李明", "李明"), ("联系人是张三", "张三"), ("138", None), ("<b>", None)],
)
def test_person_name(text: str, expected: str | None) -> None:
    assert validators.person_name(text) == expected


def test_description_needs_substance_and_is_capped() -> None:
    assert validators.description("我要投诉") is None
    assert validators.description("😀😀😀") is None
    assert validators.description("用电报装两个月没办下来") == "用电报装两个月没办下来"
    assert len(validators.description("拖" * 10_000) or "") == 2000


def test_last4_and_masking() -> None:
    assert validators.last4("尾号1234") == "1234"
    assert validators.last4("12345") is None
    assert validators.mask_mobile("13800138000") == "138****8000"
