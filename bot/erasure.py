"""The marker by which an action asks the tracker store to erase a conversation."""
ERASURE_SLOT = "data_erasure_requested"
