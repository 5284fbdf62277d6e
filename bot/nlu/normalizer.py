"""NLU component: normalise Chinese text before the tokenizer sees it.

People type 繁體, full-width letters and digits (ＡＢＣ１２３), ideographic
spaces. The training data is simplified Chinese with half-width characters, so
the message text is mapped to that form, one character for one character:
keeping the length keeps entity offsets valid.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional

from opencc import OpenCC
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def _half_width(char: str) -> str:
    code = ord(char)
    if code == 0x3000:
        return " "
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    return char


def normalize_text(text: str) -> str:
    """繁→简 and full-width → half-width, always returning a text of the same length."""
    if not text:
        return text
    half = "".join(_half_width(c) for c in text)
    simplified = _t2s().convert(half)
    if len(simplified) != len(half):
        # A phrase-level conversion changed the length: fall back to per character.
        simplified = "".join(_t2s().convert(c) if len(_t2s().convert(c)) == 1 else c for c in half)
    return simplified


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class ChineseNormalizer(GraphComponent):
    """Rewrites the message text in place; runs before JiebaTokenizer."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ChineseNormalizer:
        return cls()

    @staticmethod
    def supported_languages() -> Optional[List[str]]:
        return ["zh"]

    def _normalize(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str):
            message.set(TEXT, normalize_text(text))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalize(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalize(message)
        return messages
