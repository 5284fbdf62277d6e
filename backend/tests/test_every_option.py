"""Every option the bot offers is understood when it comes back: generated over every question of every bundle.

For each question (reached by a real path through its tree), each option is sent as its title (what a user
types or a channel without buttons sends), as its number ("2", "第二个", "选2") and as a button choice; each
must set exactly that value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import cn2an
import pytest
from fastapi.testclient import TestClient

from app.knowledge.loader import load_knowledge
from app.knowledge.schema import Bundle, Question
from app.services.guide import next_question, understand

KB = load_knowledge()


def reachable(bundle: Bundle) -> Iterator[tuple[dict[str, Any], Question]]:
    """(answers so far, question) for every question of ``bundle``, each by the first path that reaches it."""
    seen: set[str] = set()
    stack: list[dict[str, Any]] = [{}]
    while stack:
        answers = stack.pop()
        question = next_question(bundle, answers)
        if question is None:
            continue
        if question.id not in seen:
            seen.add(question.id)
            yield answers, question
        values = [o.value for o in question.options] or [0, 50, 150, 300, 1000, 5000, 20000, 100000]
        stack.extend({**answers, question.id: value} for value in values)


CASES = [
    pytest.param(bundle, answers, question, id=f"{bundle.id}.{question.id}")
    for bundle in KB.bundles
    for answers, question in reachable(bundle)
    if question.type != "number"
]


def test_every_question_of_every_bundle_is_reachable() -> None:
    for bundle in KB.bundles:
        assert {q.id for _, q in reachable(bundle)} == {q.id for q in bundle.questions}, bundle.id


@pytest.mark.parametrize(("bundle", "answers", "question"), CASES)
def test_each_option_by_title_and_by_number(bundle: Bundle, answers: dict[str, Any], question: Question) -> None:
    for index, option in enumerate(question.options, start=1):
        replies = [option.label, str(index), f"第{cn2an.an2cn(index)}个", f"选{index}"]
        for reply in replies:
            step = understand(bundle, answers, reply, question.id)
            assert step.understood, (reply, option.label)
            assert step.answers.get(question.id) == option.value, (reply, option.label)
            changed = {k for k, v in step.answers.items() if answers.get(k) != v}
            assert changed == {question.id}, (reply, changed)


@pytest.mark.parametrize(("bundle", "answers", "question"), CASES[:: max(1, len(CASES) // 12)])
def test_each_option_by_button_through_the_api(
    client: TestClient, bundle: Bundle, answers: dict[str, Any], question: Question
) -> None:
    for option in question.options:
        body = {
            "bundle_id": bundle.id,
            "answers": answers,
            "text": "",
            "pending_question": question.id,
            "choice": {"question_id": question.id, "value": option.value},
        }
        step = client.post("/api/guide/advance", json=body).json()
        assert step["understood"] is True
        assert step["answers"][question.id] == option.value


def test_a_button_choice_for_an_unknown_option_is_refused_in_chinese(client: TestClient) -> None:
    body = {"bundle_id": "catering", "choice": {"question_id": "sells_alcohol", "value": "maybe"}}
    response = client.post("/api/guide/advance", json=body)
    assert response.status_code == 422
    assert "无效" in response.json()["detail"]
