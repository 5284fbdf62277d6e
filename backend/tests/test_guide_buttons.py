"""Every choice the guide offers is understood when it comes back: as its button label and as its number.

Found by the web widget's browser test: the catering signboard question's own button,
"是，设置招牌", was not understood (no keyword matched), nor was "1".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.knowledge.loader import load_knowledge
from app.services.guide import understand

KB = load_knowledge(Path(__file__).resolve().parents[2] / "knowledge")
CASES = [
    (bundle.id, question.id, n, option.label, option.value)
    for bundle in KB.bundles
    for question in bundle.questions
    if question.type != "number"
    for n, option in enumerate(question.options, start=1)
]


@pytest.mark.parametrize(("bundle_id", "question_id", "number", "label", "value"), CASES)
def test_button_label_and_number_answer_the_pending_question(
    bundle_id: str, question_id: str, number: int, label: str, value: object
) -> None:
    bundle = next(b for b in KB.bundles if b.id == bundle_id)
    for reply in (label, str(number)):
        step = understand(bundle, {}, reply, question_id)
        assert step.understood, reply
        # (the answer itself may be pruned when the question's ask_if needs earlier answers)
        assert [(c.question.id, c.value) for c in step.changes] == [(question_id, value)], reply
