"""The safety net's place in the dialogue: a warning sign is handled before anything else.

When the message just received carries a warning sign (or takes one on record
back), this policy predicts `action_safety_net`, whatever the conversation is
doing: in a form, booking, answering an article question, in the fallback.
Its prediction has full confidence, the highest priority, and is marked as
independent of user input, the same tier as RulePolicy's form
continuation, which would otherwise overrule it. After the safety action it
predicts listening, so nothing else is said that turn. Untrainable: it
follows red_flags.yml, not stories.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from coaching import safety

SAFETY_ACTION = "action_safety_net"
# Above RulePolicy (6) so that a tie at full confidence goes to the safety net.
PRIORITY = 7


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class SafetyNetPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": PRIORITY}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Optional[Any] = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        action = self._action_for(tracker)
        if action is None or action not in domain.action_names_or_texts:
            return self._prediction(self._default_predictions(domain))
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, is_no_user_prediction=True)

    @staticmethod
    def _action_for(tracker: DialogueStateTracker) -> Optional[str]:
        latest = tracker.latest_action_name
        if latest == SAFETY_ACTION:
            return ACTION_LISTEN_NAME  # the advice stands alone this turn
        if latest != ACTION_LISTEN_NAME or tracker.latest_message is None:
            return None
        found = safety.found_in(tracker.latest_message.parse_data)
        if not (found.flags or found.correction):
            return None
        on_record = safety.from_slots({name: slot.value for name, slot in tracker.slots.items()})
        return SAFETY_ACTION if safety.needs_safety_net(on_record, found) else None
