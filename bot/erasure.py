"""What the actions and the tracker store share about the person's data requests.

An action asks the tracker store (bot/stores.py) to erase a conversation by
setting ERASURE_SLOT. The two requests are answered in every state: while the
conversation is with the trainer the tracker store runs their action
(ACTIONS_WHILE_PAUSED). Kept free of Rasa imports: the action server imports it too.
"""

ERASURE_SLOT = "data_erasure_requested"
DELETE_INTENT = "delete_my_data"
EXPORT_INTENT = "export_my_data"
ACTIONS_WHILE_PAUSED = {DELETE_INTENT: "action_delete_my_data", EXPORT_INTENT: "action_export_my_data"}
