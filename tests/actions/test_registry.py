"""The action server must load the package and find every action the domain names."""

from __future__ import annotations

from typing import Any, Dict

from rasa_sdk.executor import ActionExecutor


def test_every_domain_action_is_registered_and_nothing_else(domain: Dict[str, Any]) -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    registered = set(executor.actions)
    named = [next(iter(a)) if isinstance(a, dict) else a for a in domain["actions"]]  # {name: {send_domain: …}}
    custom = {a for a in named if not a.startswith("utter_")}
    assert custom <= registered
    assert registered - custom == set(), "an action class the domain does not list (an abstract base?)"
