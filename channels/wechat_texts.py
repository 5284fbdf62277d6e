"""The channel's own sentences, read from the domain's responses (domain/wechat.yml).

The loaded model's domain is preferred (what Rasa answers with); the domain file is the fallback for a
model trained before the file existed, so the channel never invents its own wording.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Mapping, Optional

import yaml

from actions.common import service
from channels.wechat_render import ChannelTexts

DOMAIN_FILE = Path(__file__).resolve().parents[1] / "domain" / "wechat.yml"
RESPONSES = {
    "choose_by_number": "utter_wechat_choose_by_number",
    "more_in_link": "utter_wechat_more_in_link",
    "more_truncated": "utter_wechat_more_truncated",
    "voice_empty": "utter_wechat_voice_empty",
    "unsupported_media": "utter_wechat_unsupported_media",
    "failed": "utter_wechat_failed",
    "too_long": "utter_wechat_too_long",
}


def _first_text(responses: Mapping[str, Any], name: str) -> Optional[str]:
    variants = responses.get(name) or []
    for variant in variants:
        if isinstance(variant, dict) and variant.get("text"):
            return str(variant["text"])
    return None


def texts_from(responses: Optional[Mapping[str, Any]]) -> ChannelTexts:
    """The channel's sentences, with the deployment's hotlines (knowledge/service.yml) filled in."""
    file_responses: Dict[str, Any] = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["responses"]
    info = service.load()
    numbers = {"{appeal_hotline}": info.appeal_hotline_text, "{service_hotlines}": info.hotline_text}
    values = {}
    for field_name, response in RESPONSES.items():
        text = _first_text(responses or {}, response) or _first_text(file_responses, response)
        if text is None:
            raise KeyError(f"response {response} missing from domain/wechat.yml")
        for placeholder, number in numbers.items():
            text = text.replace(placeholder, number)
        values[field_name] = text
    return ChannelTexts(**values)
