"""Pure rendering of backend knowledge into response variables and buttons.

Sentences live in the domain's responses (domain/*.yml); this module only lays out lists
(numbered options, matter lines, contact blocks) so every channel shows the
same content. Buttons carry structured payloads (``actions.common.choices``): clicking,
typing the number or typing the title give the same answer, in channels without
buttons (WeChat) too.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

from actions.common import choices

MAX_MATERIALS_PER_LINE = 6


def numbered(labels: Sequence[str]) -> str:
    return "\n".join(f"{n}. {label}" for n, label in enumerate(labels, start=1))


def question_options(q: Dict[str, Any], prefix: str = "guide", key: str = "") -> List[choices.Option]:
    """(title, token) of each option of a guide or policy question."""
    key = key or q["id"]
    return [(o["label"], choices.value_token(prefix, key, o["value"])) for o in q.get("options") or []]


def question(q: Dict[str, Any], prefix: str = "guide", key: str = "") -> Tuple[Dict[str, str], List[Dict[str, str]]]:
    """Variables for utter_guide_question / utter_policy_question, and the options as buttons."""
    options = question_options(q, prefix, key)
    number = q.get("type") == "number"
    listed = f"请直接回复数字，单位：{q.get('unit') or ''}" if number else numbered([t for t, _ in options])
    help_text = f"\n（{q['help']}）" if q.get("help") else ""
    return {"question": q["text"], "help": help_text, "options": listed}, choices.buttons(options)


def changes(items: Sequence[Dict[str, Any]]) -> str:
    return "；".join(f"{c['question'].rstrip('？?')} → {c['label']}" for c in items)


def contact(department: Dict[str, Any]) -> Dict[str, str]:
    """Variables of utter_contact."""
    online = f"\n网上办理：{department['online_url']}" if department.get("online_url") else ""
    sample = "\n（样板区县示例数据，以当地公布为准）" if department.get("is_sample") else ""
    return {
        "name": department["name"],
        "window": department["window"],
        "address": department["address"],
        "phone": department["phone"],
        "hours": department["hours"],
        "online": online,
        "sample": sample,
    }


def contact_block(department: Dict[str, Any]) -> str:
    """A contact in a few lines, for embedding in another response."""
    v = contact(department)
    return f"{v['name']}（{v['window']}）\n地址：{v['address']}\n电话：{v['phone']}\n办公时间：{v['hours']}"


def basis(provenance: Dict[str, Any]) -> str:
    """The basis line of one policy or matter (backend ``provenance``): 依据 (文号), 信息核对日期, caveat, links."""
    links = [s["url"] for s in provenance.get("sources", []) if s.get("url")]
    return provenance["text"] + "".join(f"\n原文：{url}" for url in links)


def checklist_basis(matters: Sequence[Dict[str, Any]]) -> str:
    """A whole checklist: the oldest review date and the caveat if any matter needs it (设定依据 are on the page)."""
    provenances = [m["provenance"] for m in matters if m.get("provenance")]
    if not provenances:
        return ""
    oldest = min(provenances, key=lambda p: p["reviewed_on"])
    caveat = next((p["caveat"] for p in provenances if p.get("caveat")), None)
    line = f"各事项的设定依据见告知单；信息核对日期：{oldest['reviewed_on_text']}"
    return line + (f"（{caveat}）" if caveat else "")


def _material(m: Dict[str, Any]) -> str:
    if m.get("exempt_shared"):
        return f"{m['name']}（免提交）"
    if m.get("by_commitment"):
        return f"{m['name']}（可告知承诺）"
    if m.get("tolerated_absence"):
        return f"{m['name']}（可容缺）"
    return m["name"]


def checklist(data: Dict[str, Any]) -> Dict[str, Any]:
    """Variables of utter_guide_checklist from the backend checklist body."""
    lines = []
    for n, matter in enumerate(data["matters"], start=1):
        new = [_material(m) for m in matter["materials"] if not m.get("first_matter")]
        shown = "、".join(new[:MAX_MATERIALS_PER_LINE])
        if len(new) > MAX_MATERIALS_PER_LINE:
            shown += f"等{len(new)}种"
        department = matter["department"]["short_name"]
        line = f"{n}. {matter['name']}（{department}，{matter['promised_time_limit']}）"
        lines.append(f"{line}\n   材料：{shown}" if shown else f"{line}\n   材料：同前，无需重复提交")
    situation = "；".join(f"{s['answer']}" for s in data["situation"]) or "通用情形"
    return {
        "bundle_name": data["bundle"]["name"],
        "situation": situation,
        "matter_count": len(data["matters"]),
        "material_count": data["material_count"],
        "matters": "\n".join(lines),
        "url": data["url"],
        "basis": checklist_basis(data["matters"]),
    }
