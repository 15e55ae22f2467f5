"""The base of both forms: one message is read as a whole, and everything it set is kept.

rasa-sdk keeps only the slots `required_slots()` names, i.e. the questions still open, so
the answers just read (and facts outside the form, such as volunteered_flags or
booking_attempts) would be dropped. The readings in coaching/ have checked them already.
"""

from __future__ import annotations

import abc
from typing import List

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict


class WholeMessageForm(FormValidationAction, metaclass=abc.ABCMeta):  # abstract: rasa-sdk registers only the forms
    @abc.abstractmethod
    def name(self) -> str:
        """The form's validation action name."""

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        return [SlotSet(name, value) for name, value in tracker.slots_to_validate().items()]
