"""NLU component that reads every message for warning signs, once, in every state.

It adds `red_flags` ({"signs", "denied", "correction"}) to the parse data, so
the safety policy (bot/policies/safety_net.py) can act on it before any other
prediction and the actions can read the same result from the tracker. The
detection itself is coaching/triage's detector over red_flags.yml.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from coaching import safety, triage


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class RedFlagDetector(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RedFlagDetector":
        triage.detect_volunteered("warm up")  # compile the patterns at load, not on the first message
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = triage.detect_volunteered(message.get(TEXT) or "")
            message.set(safety.PARSE_KEY, safety.as_parse_data(found), add_to_output=True)
        return messages
