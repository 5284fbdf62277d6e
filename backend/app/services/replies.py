"""Yes / no / skip as people say them: one word list in ``knowledge/replies.yml``, shared with the bot.

A reply counts when it starts with such a word and the rest is only punctuation or the explanation a
button carries ("否，只提供住宿"): the first clause is the answer. "是否需要…" is a question, not a yes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

import yaml

from app.knowledge.deployment import configured_knowledge_dir
from app.services.text import normalize

Reply = Literal["yes", "no", "skip"]
_PARTICLES = re.compile(r"[的了呀啊吧呢哈嘛滴啦哦]*")
_CLAUSE = re.compile(r"[,，、;；:：.。!！?？\s]+")


@lru_cache(maxsize=1)
def _words() -> dict[str, tuple[str, ...]]:
    data = yaml.safe_load((configured_knowledge_dir() / "replies.yml").read_text(encoding="utf-8"))
    keys = {"skip": "skip", "no": "deny", "yes": "affirm"}
    return {
        kind: tuple(sorted((normalize(str(w)) for w in data[key]), key=len, reverse=True)) for kind, key in keys.items()
    }


def classify(text: str) -> Reply | None:
    """yes, no or skip when the first clause of ``text`` is (or starts with) one of the words; else None."""
    plain = normalize(text)
    first = _CLAUSE.split(plain.strip(",，。.!！?？ "), maxsplit=1)[0] if plain else ""
    if not first:
        return None
    words = _words()
    order: tuple[Reply, ...] = ("skip", "no", "yes")  # 不知道 before 不, 不是 before 是
    for kind in order:
        if first in words[kind]:
            return kind
    for kind in order:
        for word in words[kind]:
            # "是的呀", "不用了": a yes/no word plus at most two particles.
            rest = first[len(word) :]
            if first.startswith(word) and len(rest) <= 2 and _PARTICLES.fullmatch(rest):
                return kind
    return None
