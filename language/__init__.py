"""The shared text toolkit: one place for how the assistant reads people's words.

- text.py      cleaning: quotes, dashes, invisible and invalid characters, stretched letters, text-speak;
               MappedText keeps each character's place in the original, for readers that need positions
- tokens.py    the one spaCy tokenizer (blank English: no model download needed)
- spelling.py  edit distance, the English word list, and the typo corrector
- negation.py  clause-bounded negation ("no injury, my calf is swollen" keeps the swelling)
- numbers.py   numbers in words and digits, counts ("a couple of", "twice"), and ages ("I'm thirty", "mid 50s", "55+")
- durations.py lengths of time in days ("3 wks", "a month and a half", "since yesterday")

Everything here is plain Python over plain text, without Rasa, so any parser
(safety, intake, booking) can use it and be tested alone.
"""
