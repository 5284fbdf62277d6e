"""The 公众号 custom menu: reviewed data in knowledge/wechat_menu.yml, validated, published by API.

Limits from WeChat's "自定义菜单/创建接口": at most 3 top-level buttons, at most 5 sub-buttons each,
a top-level name of at most 16 bytes, a sub-button name of at most 60 bytes, a click key of at most
128 bytes. Each click button carries the payload the channel sends to Rasa when it is clicked.

``python -m channels.wechat_menu check`` validates; ``publish`` sends it to WeChat (make wechat-menu).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

ROOT = Path(__file__).resolve().parents[1]
MENU_FILE = ROOT / "knowledge" / "wechat_menu.yml"
MAX_TOP, MAX_SUB = 3, 5
MAX_TOP_NAME, MAX_SUB_NAME, MAX_KEY = 16, 60, 128


class MenuError(ValueError):
    """The menu file breaks WeChat's rules; ``problems`` lists every one."""

    def __init__(self, problems: List[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Menu:
    buttons: List[Dict[str, Any]]
    payloads: Dict[str, str]
    """click key → what is sent to Rasa."""

    def wechat_json(self) -> Dict[str, Any]:
        """The body of /cgi-bin/menu/create (payloads stay on our side)."""
        return {"button": [_wechat_button(b) for b in self.buttons]}


def _wechat_button(button: Dict[str, Any]) -> Dict[str, Any]:
    if button.get("sub_buttons"):
        return {"name": button["name"], "sub_button": [_wechat_button(s) for s in button["sub_buttons"]]}
    out = {"type": button["type"], "name": button["name"]}
    out.update({"key": button["key"]} if button["type"] == "click" else {"url": button["url"]})
    return out


def _check_button(button: Any, where: str, max_name: int, problems: List[str], payloads: Dict[str, str]) -> None:
    if not isinstance(button, dict):
        problems.append(f"{where}: 不是一个按钮")
        return
    name = str(button.get("name") or "")
    if not name:
        problems.append(f"{where}: 缺少 name")
    elif len(name.encode("utf-8")) > max_name:
        problems.append(f"{where}: 名称“{name}”超过 {max_name} 字节")
    kind = button.get("type")
    if kind == "click":
        key = str(button.get("key") or "")
        if not key or len(key.encode("utf-8")) > MAX_KEY:
            problems.append(f"{where}: click 按钮的 key 须为 1–{MAX_KEY} 字节")
        elif key in payloads:
            problems.append(f"{where}: key {key} 重复")
        if not str(button.get("payload") or "").strip():
            problems.append(f"{where}: click 按钮须有 payload（发给对话引擎的内容）")
        if key and not any(p.startswith(where) for p in problems):
            payloads[key] = str(button["payload"]).strip()
    elif kind == "view":
        if not str(button.get("url") or "").startswith(("http://", "https://")):
            problems.append(f"{where}: view 按钮须有 http(s) url")
    else:
        problems.append(f"{where}: type 须为 click 或 view")


def parse_menu(data: Any) -> Menu:
    problems: List[str] = []
    payloads: Dict[str, str] = {}
    buttons = data.get("buttons") if isinstance(data, dict) else None
    if not isinstance(buttons, list) or not buttons:
        raise MenuError(["buttons: 须至少有一个一级菜单"])
    if len(buttons) > MAX_TOP:
        problems.append(f"buttons: 一级菜单最多 {MAX_TOP} 个，现有 {len(buttons)} 个")
    for i, button in enumerate(buttons, start=1):
        where = f"buttons[{i}]"
        subs = button.get("sub_buttons") if isinstance(button, dict) else None
        if subs is None:
            _check_button(button, where, MAX_TOP_NAME, problems, payloads)
            continue
        name = str(button.get("name") or "")
        if not name or len(name.encode("utf-8")) > MAX_TOP_NAME:
            problems.append(f"{where}: 一级菜单名须为 1–{MAX_TOP_NAME} 字节")
        if not isinstance(subs, list) or not 1 <= len(subs) <= MAX_SUB:
            problems.append(f"{where}: 二级菜单须为 1–{MAX_SUB} 个")
            continue
        for j, sub in enumerate(subs, start=1):
            _check_button(sub, f"{where}.sub_buttons[{j}]", MAX_SUB_NAME, problems, payloads)
    if problems:
        raise MenuError(problems)
    return Menu(buttons, payloads)


def load_menu(path: Optional[Path] = None) -> Menu:
    return parse_menu(yaml.safe_load((path or MENU_FILE).read_text(encoding="utf-8")))


async def publish(menu: Menu) -> None:
    from channels.config import load_config
    from channels.wechat_api import WeChatApi
    from channels.wechat_store import make_store

    config = load_config()
    if config is None or not config.can_push:
        raise SystemExit("发布菜单需要设置 WECHAT_TOKEN、WECHAT_APP_ID、WECHAT_APP_SECRET（见 README）")
    store = make_store(config.redis_url)
    api = WeChatApi(config, store)
    try:
        await api.create_menu(menu.wechat_json())
    finally:
        await api.close()
        await store.close()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="公众号自定义菜单：校验或发布 knowledge/wechat_menu.yml")
    parser.add_argument("command", choices=["check", "publish"])
    parser.add_argument("--file", type=Path, default=MENU_FILE)
    args = parser.parse_args(argv)
    try:
        menu = load_menu(args.file)
    except MenuError as error:
        print("菜单不符合微信规则：\n" + "\n".join(f"- {p}" for p in error.problems), file=sys.stderr)
        return 1
    if args.command == "check":
        print(f"菜单有效：{len(menu.buttons)} 个一级菜单，{len(menu.payloads)} 个点击按钮。")
        return 0
    from channels.wechat_api import WeChatApiError, WeChatUnreachable

    try:
        asyncio.run(publish(menu))
    except (WeChatApiError, WeChatUnreachable) as error:
        print(f"发布失败：{error}", file=sys.stderr)
        return 1
    print("菜单已发布（微信客户端约 5 分钟内生效，重新关注可立即看到）。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
