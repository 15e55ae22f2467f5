"""Small helpers every layer shares: the clock and the channel registry (no Rasa imports)."""
