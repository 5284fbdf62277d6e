import pytest

from app.services.text import chinese_to_number, normalize, numbers_in


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三十", 30),
        ("十", 10),
        ("十二", 12),
        ("一百二十", 120),
        ("一百零八", 108),
        ("两千五", 2500),
        ("一千零五", 1005),
        ("一万二", 12000),
        ("三万五千", 35000),
        ("1.5", 1.5),
        ("120", 120),
        ("一二〇", 120),
    ],
)
def test_chinese_numerals(text: str, value: float) -> None:
    assert chinese_to_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "平方米", "十点"])
def test_not_a_number(text: str) -> None:
    assert chinese_to_number(text) is None


def test_numbers_in_text_with_spans() -> None:
    assert numbers_in("面积两百平，12间房") == [(200.0, 2, 4), (12.0, 6, 8)]
    assert numbers_in("投资2万，面积1.5万平方米") == [(20000.0, 2, 4), (15000.0, 7, 11)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("企業註銷要辦什麼手續", "企业注销要办什么手续"),
        ("我想開個火鍋店", "我想开个火锅店"),
        ("ＡＢＣ１２３　火锅店", "abc123 火锅店"),
        ("  多个   空格  ", "多个 空格"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected
