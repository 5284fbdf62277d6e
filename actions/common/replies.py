"""Yes / no / skip as people say them, from ``knowledge/replies.yml`` — the list the backend reads too.

The same table of cases (``tests/shared/replies.yml``) is run against this module and the backend's
``app.services.replies``, so a reply means the same thing on both sides.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Dict, Literal, Optional, Tuple

import yaml
from opencc import OpenCC

from actions.common.service import knowledge_dir

Reply = Literal["yes", "no", "skip"]
ORDER: Tuple[Reply, ...] = ("skip", "no", "yes")  # 不知道 before 不, 不是 before 是
_CLAUSE = re.compile(r"[,，、;；:：.。!！?？\s]+")
_PARTICLES = re.compile(r"[的了呀啊吧呢哈嘛滴啦哦]*")


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), 繁→简, lower case, collapsed spaces — as the backend does."""
    plain = _t2s().convert(unicodedata.normalize("NFKC", text or ""))
    return re.sub(r"\s+", " ", plain).strip().lower()


@lru_cache(maxsize=1)
def _words() -> Dict[Reply, Tuple[str, ...]]:
    data = yaml.safe_load((knowledge_dir() / "replies.yml").read_text(encoding="utf-8"))
    keys: Dict[Reply, str] = {"skip": "skip", "no": "deny", "yes": "affirm"}
    return {
        kind: tuple(sorted((normalize(str(w)) for w in data[key]), key=len, reverse=True)) for kind, key in keys.items()
    }


def classify(text: str) -> Optional[Reply]:
    """yes, no or skip when the first clause of ``text`` is (or starts with) one of the words; else None.

    "否，只提供住宿" is a no (the rest explains the button); "是否需要…" is a question, not a yes.
    """
    plain = normalize(text)
    first = _CLAUSE.split(plain.strip(",，。.!！?？ "), maxsplit=1)[0] if plain else ""
    if not first:
        return None
    words = _words()
    for kind in ORDER:
        if first in words[kind]:
            return kind
    for kind in ORDER:
        for word in words[kind]:
            rest = first[len(word) :]
            if first.startswith(word) and len(rest) <= 2 and _PARTICLES.fullmatch(rest):
                return kind
    return None
