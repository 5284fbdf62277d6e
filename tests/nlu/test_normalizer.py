import pytest

from bot.nlu.normalizer import normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("企業註銷要辦什麼手續", "企业注销要办什么手续"),
        ("我想開個火鍋店", "我想开个火锅店"),
        ("ＡＢＣ１２３　火锅店", "ABC123 火锅店"),
        ("", ""),
        ("😀开店", "😀开店"),
    ],
)
def test_normalize_keeps_length(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected
    assert len(normalize_text(raw)) == len(raw)
