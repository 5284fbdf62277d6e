"""Scripted conversations, as a user types them, for the three chains and for the stock bot.

Each flow is a coroutine that talks through ``say``; ``say`` records the turn's latency and
whether the reply contained what the flow expects (a reply without it counts as *unexpected*,
so a benchmark of a broken bot cannot pass for a fast one).
"""

from __future__ import annotations

from typing import Awaitable, Callable, Dict, List, Optional

Say = Callable[[str, Optional[str]], Awaitable[str]]
Flow = Callable[[Say], Awaitable[None]]


async def guide(say: Say) -> None:
    """办事链: a hotpot restaurant from the first sentence to the personalised checklist."""
    await say("我想在黔江开一家火锅店，需要办哪些手续", "开办餐饮店")
    await say("个体户", "售卖酒类")
    await say("不卖酒", "建筑面积")
    await say("大概两百平米", "户外招牌")
    await say("要挂招牌", "本人")
    await say("本人办", "食品经营许可")


async def policy(say: Say) -> None:
    """政策链: matching policies for a small business, answering its questions, then how to apply."""
    reply = await say("我们是小微企业，有什么税收优惠政策", None)
    for _ in range(3):  # at most three profile questions, each answered with its first option
        if "为您找到" in reply:
            break
        reply = await say("1", None)
    await say("第一个怎么申报", "申报材料")


async def appeal(say: Say) -> None:
    """诉求链: an appeal from the description to the ticket number."""
    await say("我要反映问题：我们公司的施工许可申请交了一个月没人理", "审批服务")
    await say("对", "企业")
    await say("黔江某某建设有限公司", "联系人")
    await say("王芳", "手机号")
    await say("13800138000", "统一社会信用代码")
    await say("跳过", "确认")
    await say("确认提交", "QY")


async def stock(say: Say) -> None:
    """The ``rasa init`` bot's own stories: greet, mood, bot challenge, goodbye."""
    await say("hello", "How are you")
    await say("I am very sad", "Did that help you")
    await say("yes", "carry on")
    await say("are you a bot?", "bot")
    await say("hi there", "How are you")
    await say("great, perfect", "carry on")
    await say("bye", "Bye")


FLOWS: Dict[str, Flow] = {"guide": guide, "policy": policy, "appeal": appeal}

# One long conversation: a cycle whose length divides 20, so turns 1–20 and 101–120 carry the
# same messages and differ only in how long the conversation already is.
LONG_CYCLE: List[str] = [
    "我想在黔江开一家火锅店，需要办哪些手续",
    "个体户",
    "不卖酒",
    "大概两百平米",
    "要挂招牌",
    "本人办",
    "市场监管局电话多少",
    "谢谢",
    "你好",
    "再见",
]
STOCK_LONG_CYCLE: List[str] = [
    "hello",
    "I am very sad",
    "yes",
    "are you a bot?",
    "hi there",
    "great, perfect",
    "I am unhappy",
    "no",
    "good morning",
    "bye",
]
