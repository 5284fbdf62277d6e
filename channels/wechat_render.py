"""From Rasa's bot messages to WeChat messages: pure functions, no I/O, table-tested.

WeChat's rules decide the shapes (公众号 "被动回复用户消息" and "客服消息"):
- a text message holds at most 2048 bytes of UTF-8, so long answers are split on line breaks and, for a
  single over-long line, between characters (never inside a character's bytes);
- there are no buttons: each button becomes a numbered option ("回复数字选择：1. … 2. …") and the user
  answers with the digit; the list is remembered per user so the digit can be mapped back to the payload;
- 客服消息 allows only a few pushes per user message, so the texts of one turn are joined and only the
  quota's worth is sent; what does not fit is replaced by the answer's link (checklist, 申报指南, ticket).

The few sentences the channel adds come from the domain (domain/wechat.yml) via ``ChannelTexts``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence

MAX_TEXT_BYTES = 2048
LINK = re.compile(r"https?://[^\s<>\"'，。；）]+")
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CHOICE = re.compile(
    r"^(?:我)?(?:选|选择|要|就)?(?:第)?\s*(?P<number>[0-9]{1,2}|[零一二两三四五六七八九十]{1,3})\s*"
    r"(?:个|项|条|种|号|个吧|吧)?\s*[。.!！,，]?$"
)


@dataclass(frozen=True)
class ChannelTexts:
    """The channel's own sentences, from domain/wechat.yml (see ``wechat_texts``)."""

    choose_by_number: str
    more_in_link: str  # contains "{link}"
    more_truncated: str
    voice_empty: str
    unsupported_media: str
    failed: str
    too_long: str


@dataclass(frozen=True)
class Option:
    title: str
    payload: str


@dataclass(frozen=True)
class Article:
    title: str
    description: str
    url: str
    picurl: str = ""


@dataclass(frozen=True)
class Outgoing:
    """One WeChat message: a text, or a single-article 图文 (news)."""

    text: str = ""
    article: Optional[Article] = None


@dataclass(frozen=True)
class RenderedTurn:
    messages: List[Outgoing]
    options: List[Option] = field(default_factory=list)
    """The numbered options offered by this turn; empty means the previous list no longer applies."""


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> List[str]:
    """Chunks of at most ``limit`` UTF-8 bytes, split on line breaks, never inside a character."""
    text = text.strip("\n")
    if not text:
        return []
    chunks: List[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _split_line(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if current and utf8_len(candidate) > limit:
                chunks.append(current)
                current = piece
            else:
                current = candidate
    if current.strip():
        chunks.append(current)
    return [c.strip("\n") for c in chunks if c.strip()]


def _split_line(line: str, limit: int) -> Iterable[str]:
    if utf8_len(line) <= limit:
        yield line
        return
    piece, size = "", 0
    for char in line:
        width = utf8_len(char)
        if size + width > limit:
            yield piece
            piece, size = "", 0
        piece += char
        size += width
    if piece:
        yield piece


def numbered_options(options: Sequence[Option], start: int, prompt: str) -> str:
    lines = [f"{start + i}. {o.title}" for i, o in enumerate(options)]
    return prompt + "\n" + "\n".join(lines)


def _already_numbered(text: str, options: Sequence[Option], start: int) -> int:
    """How many leading options the response text lists itself (e.g. utter_guide_question's {options})."""
    lines = {line.strip() for line in text.splitlines()}
    count = 0
    for i, option in enumerate(options):
        if f"{start + i}. {option.title}" not in lines:
            break
        count += 1
    return count


def _article(custom: Any) -> Optional[Article]:
    if not isinstance(custom, dict) or not isinstance(custom.get("news"), dict):
        return None
    news: Dict[str, Any] = custom["news"]
    if not (news.get("title") and str(news.get("url", "")).startswith(("http://", "https://"))):
        return None
    return Article(str(news["title"]), str(news.get("description", "")), str(news["url"]), str(news.get("picurl", "")))


def render_turn(bot_messages: Sequence[Dict[str, Any]], texts: ChannelTexts) -> RenderedTurn:
    """All of one turn's bot messages as WeChat messages (texts joined, then split by bytes)."""
    blocks: List[str] = []
    articles: List[Outgoing] = []
    options: List[Option] = []
    for message in bot_messages:
        text = str(message.get("text") or "").strip()
        buttons = [
            Option(str(b.get("title") or b.get("payload")), str(b.get("payload") or b.get("title")))
            for b in message.get("buttons") or message.get("quick_replies") or []
            if isinstance(b, dict) and (b.get("title") or b.get("payload"))
        ]
        if buttons:
            start = len(options) + 1
            listed = _already_numbered(text, buttons, start)
            if listed == 0:
                text = f"{text}\n{numbered_options(buttons, start, texts.choose_by_number)}".strip()
            elif listed < len(buttons):  # e.g. an extra "不清楚" button after the listed options
                extra = buttons[listed:]
                text += "\n" + "\n".join(f"{start + listed + i}. {o.title}" for i, o in enumerate(extra))
            options.extend(buttons)
        for key in ("image", "attachment"):
            url = message.get(key)
            if isinstance(url, str) and url.startswith(("http://", "https://")):
                text = f"{text}\n{url}".strip()
        article = _article(message.get("custom"))
        if article is not None:
            articles.append(Outgoing(article=article))
        elif message.get("custom") and not text:
            continue  # a channel-specific payload for another channel
        if text:
            blocks.append(text)
    chunks = split_text("\n\n".join(blocks))
    return RenderedTurn([Outgoing(text=c) for c in chunks] + articles, options)


def fit_quota(messages: Sequence[Outgoing], allowed: int, texts: ChannelTexts) -> List[Outgoing]:
    """At most ``allowed`` messages; when some must be dropped the last one says where the rest is."""
    if allowed <= 0:
        return []
    if len(messages) <= allowed:
        return list(messages)
    kept, dropped = list(messages[: allowed - 1]), list(messages[allowed - 1 :])
    links = [link for m in dropped for link in _links(m)]
    notice = texts.more_in_link.replace("{link}", links[-1]) if links else texts.more_truncated
    head = next((m.text for m in dropped if m.text), "")
    room = MAX_TEXT_BYTES - utf8_len(notice) - 1
    lines: List[str] = []
    for line in head.split("\n"):
        if utf8_len("\n".join([*lines, line])) > room:
            break
        lines.append(line)
    body = "\n".join(lines).strip()
    kept.append(Outgoing(text=f"{body}\n{notice}" if body else notice))
    return kept


def _links(message: Outgoing) -> List[str]:
    if message.article is not None:
        return [message.article.url]
    return LINK.findall(message.text)


def parse_choice(text: str, count: int) -> Optional[int]:
    """1-based option number in "2", "２", "第二个", "选2", "第3项"…, or None (then the text goes as is)."""
    if count <= 0:
        return None
    normalized = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    match = _CHOICE.match(normalized)
    if not match:
        return None
    number = _number(match.group("number"))
    return number if number is not None and 1 <= number <= count else None


def _number(token: str) -> Optional[int]:
    if token.isdigit():
        return int(token)
    if token == "十":  # noqa: S105 - a Chinese numeral, not a password
        return 10
    if "十" in token:
        tens, _, ones = token.partition("十")
        value = (_CN_DIGITS.get(tens, -100) if tens else 1) * 10 + (_CN_DIGITS.get(ones, -100) if ones else 0)
        return value if value > 0 else None
    return _CN_DIGITS.get(token) if len(token) == 1 else None
