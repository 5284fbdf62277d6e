from __future__ import annotations

import copy
from typing import Any, Dict

import pytest

from channels.wechat_menu import MenuError, load_menu, main, parse_menu


def click(name: str, key: str, payload: str = "/greet") -> Dict[str, Any]:
    return {"name": name, "type": "click", "key": key, "payload": payload}


def test_the_reviewed_menu_is_valid_and_maps_keys_to_intents() -> None:
    menu = load_menu()
    assert 1 <= len(menu.buttons) <= 3
    assert menu.payloads["APPEAL_FILE"] == "/file_appeal"
    assert menu.payloads["POLICY_MATCH"] == "/ask_policy"
    assert main(["check"]) == 0


@pytest.mark.parametrize(
    ("menu", "problem"),
    [
        ({"buttons": [click(f"b{i}", f"K{i}") for i in range(4)]}, "一级菜单最多 3 个"),
        (
            {"buttons": [{"name": "多", "sub_buttons": [click(f"s{i}", f"K{i}") for i in range(6)]}]},
            "二级菜单须为 1–5 个",
        ),
        ({"buttons": [click("键太长", "K" * 129)]}, "key 须为 1–128 字节"),
        ({"buttons": [click("一级菜单名字太长了", "K1")]}, "超过 16 字节"),
        ({"buttons": [click("a", "K1"), click("b", "K1")]}, "key K1 重复"),
        ({"buttons": [{"name": "无", "type": "click", "key": "K1"}]}, "须有 payload"),
        ({"buttons": [{"name": "链接", "type": "view", "url": "ftp://x"}]}, "http(s) url"),
        ({"buttons": [{"name": "怪", "type": "scancode_push", "key": "K"}]}, "type 须为 click 或 view"),
        ({"buttons": []}, "至少有一个"),
    ],
)
def test_menus_breaking_wechat_rules_are_refused(menu: Dict[str, Any], problem: str) -> None:
    with pytest.raises(MenuError) as error:
        parse_menu(copy.deepcopy(menu))
    assert any(problem in p for p in error.value.problems), error.value.problems


def test_wechat_json_has_no_payloads_and_keeps_views() -> None:
    menu = parse_menu(
        {"buttons": [click("办事", "GUIDE"), {"name": "官网", "type": "view", "url": "https://x.example"}]}
    )
    assert menu.wechat_json() == {
        "button": [
            {"type": "click", "name": "办事", "key": "GUIDE"},
            {"type": "view", "name": "官网", "url": "https://x.example"},
        ]
    }
