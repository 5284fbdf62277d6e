"""``make wechat-sim``: try the 公众号 in a terminal, without a WeChat account.

This plays WeChat's server: each line you type is signed (and, in safe mode, encrypted) exactly as
WeChat sends it to ``/webhooks/wechat/webhook``; the passive reply is shown as WeChat would show it,
and answers pushed through 客服消息 arrive on the local fake API server and are shown as they come.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
import uuid

import aiohttp

from channels.wechat_fake_api import Push
from channels.wechat_menu import load_menu
from channels.wechat_sim_client import Delivery, WeChatServerSide
from channels.wechat_stack import LOG, running_stack, simulated_account

HELP = """命令：
  直接输入文字 → 发送文字消息（回复数字即选择编号选项）
  /关注            模拟关注公众号（subscribe 事件）
  /菜单            列出自定义菜单；/点击 KEY 模拟点击菜单（CLICK 事件）
  /语音 文字       模拟语音消息（文字为微信的语音识别结果，可为空）
  /图片            模拟发送一张图片
  /重发            把上一条消息按同一 MsgId 再发一次（模拟微信 5 秒重试）
  /退出            结束"""


def show(delivery: Delivery) -> None:
    if delivery.status != 200:
        print(f"  [HTTP {delivery.status}] {delivery.plaintext}")
    elif delivery.content is None:
        print(f"  （{delivery.seconds:.1f} 秒内答复 success：答案将通过客服消息推送）")
    else:
        print(f"公众号（被动回复，{delivery.seconds:.1f} 秒）：\n{delivery.content}\n")


def on_push(push: Push) -> None:
    print(f"\n公众号（客服消息推送）：\n{push.text}\n你> ", end="", flush=True)


async def repl(wechat: WeChatServerSide) -> None:
    openid = "o" + uuid.uuid4().hex[:27]
    menu = load_menu()
    loop = asyncio.get_running_loop()
    last_xml = ""
    async with aiohttp.ClientSession() as session:
        while True:
            line = (await loop.run_in_executor(None, input, "你> ")).strip()
            if line in ("/退出", "/quit", "/exit"):
                return
            if line in ("", "/帮助", "/help"):
                print(HELP)
                continue
            kind = "message"
            if line == "/关注":
                xml, kind = wechat.xml(openid, "event", Event="subscribe"), "event"
            elif line == "/菜单":
                for key, payload in menu.payloads.items():
                    print(f"  {key:16} → {payload}")
                continue
            elif line.startswith("/点击"):
                key = line.removeprefix("/点击").strip()
                xml, kind = wechat.xml(openid, "event", Event="CLICK", EventKey=key), "event"
            elif line.startswith("/语音"):
                xml = wechat.xml(openid, "voice", MediaId="sim", Format="amr", Recognition=line[3:].strip())
            elif line == "/图片":
                xml = wechat.xml(openid, "image", PicUrl="http://127.0.0.1/sim.jpg", MediaId="sim")
            elif line == "/重发":
                if not last_xml:
                    continue
                show(await wechat.post(session, last_xml))
                continue
            else:
                xml = wechat.xml(openid, "text", Content=line)
            last_xml = xml
            show(await wechat.deliver(session, xml, kind=kind))


def main() -> int:
    parser = argparse.ArgumentParser(description="公众号模拟器：在终端里体验微信公众号渠道")
    parser.add_argument("--plaintext", action="store_true", help="明文模式（默认安全模式，消息加密）")
    args = parser.parse_args()
    config = simulated_account(safe_mode=not args.plaintext)
    print(f"正在启动后端、动作服务器和 Rasa（日志：{LOG}），首次加载模型约需一两分钟……", flush=True)
    started = time.monotonic()
    with running_stack(config) as stack:
        stack.fake.on_push = on_push
        mode = "明文模式" if args.plaintext else "安全模式（AES 加密）"
        print(f"已就绪（{time.monotonic() - started:.0f} 秒）。公众号服务器地址：{stack.webhook}，{mode}。")
        print(HELP)
        with contextlib.suppress(EOFError, KeyboardInterrupt):
            asyncio.run(repl(WeChatServerSide(config, stack.webhook, stack.fake)))
    print("已停止。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
