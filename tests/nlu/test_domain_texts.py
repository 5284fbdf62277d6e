"""What the story tests make the bot say (the domain's responses) never shows an internal identifier."""

from __future__ import annotations

import re
from typing import Any, Dict

IDENTIFIER = re.compile(r"[a-z_]{3,}")


def test_no_response_text_holds_an_identifier_outside_its_variables(domain: Dict[str, Any]) -> None:
    leaks = {}
    for name, variants in domain["responses"].items():
        for variant in variants:
            text = re.sub(r"\{[a-z_0-9]+\}", "", variant.get("text", ""))
            text = re.sub(r"https?://\S+", "", text)
            found = IDENTIFIER.findall(text.lower())
            if found:
                leaks[name] = found
    assert leaks == {}
