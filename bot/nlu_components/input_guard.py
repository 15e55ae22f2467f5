"""NLU component that routes unusable messages to the fallback.

Runs last in the pipeline: for an empty, huge, emoji-only or non-English
message it replaces whatever intent the classifier guessed with
`nlu_fallback` at full confidence, so the fallback action can explain the
problem instead of the bot acting on a wrong guess. The checks themselves are
plain Python in coaching/input_checks.py.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from coaching.input_checks import classify_message, warm_up

FALLBACK_INTENT = "nlu_fallback"
PROBLEM_KEY = "input_problem"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class InputGuard(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "InputGuard":
        warm_up()
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            problem = classify_message(message.get(TEXT))
            if problem is None:
                continue
            intent = {"name": FALLBACK_INTENT, "confidence": 1.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
            message.set(ENTITIES, [], add_to_output=True)
            message.set(PROBLEM_KEY, problem, add_to_output=True)
        return messages
