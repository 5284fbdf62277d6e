"""注册地 against the region a policy applies to."""

from __future__ import annotations

import re

from app.knowledge.policy_schema import NATIONWIDE, SERVICE_REGION
from app.services.policies.conditions import Status

OTHER_REGION = "其他地区"
_REGION_PART = re.compile(r".+?(?:自治区|自治州|特别行政区|省|市|州|盟|地区|区|县|旗)")


def region_parts(region: str) -> list[str]:
    """``重庆市黔江区`` → ["重庆", "黔江"]: administrative names without their suffix."""
    parts = _REGION_PART.findall(region) or [region]
    tail = region[sum(len(p) for p in parts) :]
    names = [re.sub(r"(自治区|自治州|特别行政区|省|市|州|盟|地区|区|县|旗)$", "", p) or p for p in parts]
    return [*names, *([tail] if tail else [])]


def expand_region(text: str) -> str:
    """A part of the service region ("黔江", "黔江区") means the service region itself."""
    if text and (text in SERVICE_REGION or set(region_parts(text)) <= set(region_parts(SERVICE_REGION))):
        return SERVICE_REGION
    return text


def region_status(policy_region: str, profile_region: str) -> Status:
    if policy_region == NATIONWIDE:
        return "met"
    if profile_region == OTHER_REGION:
        return "unknown" if policy_region == SERVICE_REGION else "not_met"
    wanted, have = region_parts(policy_region), region_parts(profile_region)
    if wanted[-1] in have:
        return "met"
    if have[-1] in wanted:
        return "unknown"  # the profile names a larger area that contains the policy's
    return "not_met"
