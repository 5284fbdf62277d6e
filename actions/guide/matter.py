"""索引式导办: the answer to a question about one matter — what was asked first, then the rest briefly.

Everything shown comes from the backend's 办事指南 of the matter; the sentences are the domain's
``utter_matter_*`` responses, laid out here.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk.executor import CollectingDispatcher

from actions.common import choices, render

MAX_MATERIALS = 8
BRIEF_MATERIALS = 4


def _material(m: Dict[str, Any]) -> str:
    tags = [t for t, on in (("视情形", m["conditional"]), ("可容缺", m["tolerated_absence"]),
                            ("可告知承诺", m["by_commitment"]), ("免提交", m["exempt_shared"])) if on]  # fmt: skip
    return f"{m['name']}（{m['form']}，{m['copies']}份{'，' + '、'.join(tags) if tags else ''}）"


def materials_list(guide: Dict[str, Any]) -> str:
    items = [_material(m) for m in guide["materials"]]
    shown = [f"{n}. {line}" for n, line in enumerate(items[:MAX_MATERIALS], start=1)]
    if len(items) > MAX_MATERIALS:
        shown.append(f"……共 {len(items)} 种，见办事指南")
    return "\n".join(shown)


def _facts(guide: Dict[str, Any]) -> Dict[str, str]:
    department = guide["department"]
    names = [m["name"] for m in guide["materials"]]
    brief = "；".join(names[:BRIEF_MATERIALS]) + (f"……共 {len(names)} 种" if len(names) > BRIEF_MATERIALS else "")
    return {
        "where": f"办理部门：{department['name']}（{department['window']}），电话 {department['phone']}",
        "time": f"时限：法定{guide['legal_time_limit']}，承诺{guide['promised_time_limit']}",
        "fee": f"收费：{guide['fee']}",
        "materials": f"材料：{brief}",
    }


def variables(guide: Dict[str, Any]) -> Dict[str, Any]:
    department = guide["department"]
    deferrable = [m["name"] for m in guide["materials"] if m["tolerated_absence"] or m["by_commitment"]]
    return {
        "name": guide["name"],
        "legal": guide["legal_time_limit"],
        "promised": guide["promised_time_limit"],
        "fee": guide["fee"],
        "department": department["name"],
        "window": department["window"],
        "address": department["address"],
        "phone": department["phone"],
        "hours": department["hours"],
        "online": f"也可网上办理：{guide['online_url']}" if guide.get("online_url") else "",
        "count": len(guide["materials"]),
        "materials": materials_list(guide),
        "requirements": guide.get("notes") or "按下列依据和申请材料要求办理",
        "basis": guide["basis"],
        "deferrable": "、".join(deferrable),
        "url": guide["url"],
    }


def answer(
    dispatcher: CollectingDispatcher, guide: Dict[str, Any], attribute: Optional[str]
) -> Optional[Dict[str, str]]:
    """Say what was asked first, the rest briefly, the page link; offer the bundle once. The offered bundle."""
    values = variables(guide)
    lead = attribute or "overview"
    if lead == "advance" and values["deferrable"]:
        dispatcher.utter_message(response="utter_matter_advance_deferrable", **values)
    else:
        dispatcher.utter_message(response=f"utter_matter_{lead}", **values)
    facts = _facts(guide)
    rest: List[str] = [line for key, line in facts.items() if key != attribute]
    basis = render.basis(guide["provenance"]) if guide.get("provenance") else ""
    dispatcher.utter_message(response="utter_matter_more", rest="\n".join(rest), url=guide["url"], basis=basis)
    bundle = next((b for b in guide.get("bundles") or [] if b["matter_count"] > 1), None)
    if bundle is None:
        return None
    dispatcher.utter_message(
        response="utter_matter_offer_bundle",
        name=guide["name"],
        bundle=bundle["name"],
        bundle_short=bundle["short_name"],
        other=bundle["matter_count"] - 1,
        buttons=[choices.button("要，一起列出来", f"bundle:{bundle['id']}"), {"title": "不用了", "payload": "/deny"}],
    )
    return {"id": bundle["id"], "short_name": bundle["short_name"]}
