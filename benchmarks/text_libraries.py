"""Kept libraries against the hand-written readers, on the cases the tests already use (issue 15).

    PYTHONPATH=/tmp/textlibs python -m benchmarks.text_libraries

Three comparisons, each a table and a one-line verdict:

1. Negation: ``language.negation`` against negspacy (NegEx) on spaCy's blank
   English with a sentencizer and an EntityRuler marking the terms (no trained
   model can be downloaded here), once with negspacy's own English clinical
   termset and once with our cue and clause-break words added to it.
2. Typo correction: ``language.spelling.TypoCorrector`` (with the triage
   detector's and the knowledge base's vocabularies, as the project builds
   them) and booking's word corrector (booking.time_words), against rapidfuzz and
   symspellpy over the same vocabularies:
   alone, and behind the same "is it a known word?" gate ours has.
3. Dates: ``booking.time_phrases.parse_preference`` against dateparser
   (``DateDataParser.get_date_data`` and ``search_dates``) on the phrases of
   tests/test_booking_time_phrases.py.

The libraries are not project dependencies: install them into a throwaway
folder and put it on PYTHONPATH; a missing one is reported, not fatal. The
scoring functions (``score_negation``, ``score_typos``, ``score_dates``) are
plain and tested in tests/test_text_libraries_benchmark.py on our own readers.
Nothing here is a timed test: the timings are printed for the report.

Longer than the project's 300-line guide on purpose: most of it is the hand-labelled
cases next to the code that scores them, so a reader can audit both in one file.
"""

from __future__ import annotations

import argparse
import calendar
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
LONDON = ZoneInfo("Europe/London")


# =============================================================================== shared


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    rows = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else "0/0"


def _library(name: str):
    """The module, or None when the throwaway folder isn't on the path."""
    try:
        return __import__(name)
    except ImportError:
        return None


def _version(name: str) -> str:
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # noqa: BLE001 - not installed
        return "not installed"


def _installed_size(name: str) -> str:
    try:
        from importlib.metadata import distribution

        files = distribution(name).files or []
        total = sum(f.locate().stat().st_size for f in files if f.locate().is_file())
        return f"{total / 1e6:.1f} MB"
    except Exception:  # noqa: BLE001
        return "-"


def _requires(name: str) -> str:
    try:
        from importlib.metadata import requires

        needed = [r.split(";")[0].strip() for r in (requires(name) or []) if "extra ==" not in r]
        return ", ".join(needed) or "none"
    except Exception:  # noqa: BLE001
        return "-"


def _strings(value) -> List[str]:
    """Every string inside a (nested) test parameter."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [s for item in value for s in _strings(item)]
    return []


def _parametrized(module) -> List[str]:
    """The strings of every parametrize list in a test module (and its module-level lists)."""
    found: List[str] = []
    for name, value in vars(module).items():
        for mark in getattr(value, "pytestmark", []):
            if mark.name == "parametrize" and len(mark.args) > 1:
                found += _strings(mark.args[1])
        if name.isupper() and isinstance(value, list):
            found += _strings(value)
    return found


def _params(function) -> list:
    """The parameter list of a test's parametrize mark."""
    return [m.args[1] for m in function.pytestmark if m.name == "parametrize"][0]


# =============================================================================== 1. negation


@dataclass(frozen=True)
class NegationCase:
    text: str
    term: str
    negated: bool
    source: str


# Hand-labelled from the tests: for each message, the words a reader must take
# as denied (True) or as said (False). Messages whose negation *is* the sign
# ("can't walk on it", "won't straighten") are left out: there the negation is
# part of the pattern, not a denial.
_LABELLED: List[Tuple[str, str, Dict[str, bool]]] = [
    # tests/test_triage.py: POSITIVE (signs that must be found) and INNOCENT (denials)
    ("test_triage", "No pop, but it swelled up straight away", {"pop": True, "swelled": False}),
    ("test_triage", "It isn't just swollen, it's hot too", {"swollen": False, "hot": False}),
    (
        "test_triage",
        "never had knee problems before, now it's hot and swollen",
        {"problems": True, "hot": False, "swollen": False},
    ),
    ("test_triage", "No. My calf hurts", {"calf": False, "hurts": False}),
    ("test_triage", "no pop, no swelling", {"pop": True, "swelling": True}),
    ("test_triage", "it isn't red or hot", {"red": True, "hot": True}),
    ("test_triage", "no calf pain", {"calf pain": True}),
    ("test_triage", "it never locks or gives way", {"locks": True, "gives way": True}),
    ("test_triage", "it happened without a pop", {"pop": True}),
    ("test_triage", "there's no swelling, redness or heat", {"swelling": True, "redness": True, "heat": True}),
    ("test_triage", "I don't think it's swollen or hot", {"swollen": True, "hot": True}),
    ("test_triage", "no numbness or tingling", {"numbness": True, "tingling": True}),
    ("test_triage", "I'm not short of breath and I have no chest pain", {"short of breath": True, "chest pain": True}),
    ("test_triage", "It doesn't wake me at night", {"wake": True}),
    ("test_triage", "no fever, no chills", {"fever": True, "chills": True}),
    ("test_triage", "I didn't fall or twist it", {"fall": True, "twist": True}),
    ("test_triage", "it's not really swollen, just stiff in the morning", {"swollen": True, "stiff": False}),
    ("test_triage", "no injury, it came on gradually", {"injury": True}),
    (
        "test_triage",
        "I twisted it but there was no pop and no swelling",
        {"twisted": False, "pop": True, "swelling": True},
    ),
    # tests/data/red_flag_corpus.yml: negatives of kind "negated" (and two "not anymore")
    ("red_flag_corpus", "no swelling in my calf and i can walk fine", {"swelling": True, "calf": True}),
    (
        "red_flag_corpus",
        "my calf isn't swollen and I'm not short of breath",
        {"swollen": True, "short of breath": True},
    ),
    (
        "red_flag_corpus",
        "no chest pain, no breathlessness, just a stiff knee",
        {"chest pain": True, "breathlessness": True, "stiff": False},
    ),
    (
        "red_flag_corpus",
        "I haven't coughed up any blood, just a tickly throat",
        {"coughed": True, "blood": True, "tickly": False},
    ),
    ("red_flag_corpus", "I didn't fall and my knee looks normal", {"fall": True}),
    (
        "red_flag_corpus",
        "no pop, no swelling, just a bit sore after the game",
        {"pop": True, "swelling": True, "sore": False},
    ),
    (
        "red_flag_corpus",
        "didn't hear any snap or crack and it hasn't swelled up",
        {"snap": True, "crack": True, "swelled": True},
    ),
    ("red_flag_corpus", "I don't feel faint or sick, it just aches", {"faint": True, "sick": True, "aches": False}),
    ("red_flag_corpus", "not dizzy or anything, just sore", {"dizzy": True, "sore": False}),
    ("red_flag_corpus", "I can put weight on it no problem", {"weight": False}),
    ("red_flag_corpus", "don't need crutches, I'm walking ok", {"crutches": True, "walking": False}),
    ("red_flag_corpus", "it's not severe, more of a dull ache, maybe 2/10", {"severe": True, "ache": False}),
    ("red_flag_corpus", "knee's not swollen at all", {"swollen": True}),
    ("red_flag_corpus", "no swelling, no redness, no heat", {"swelling": True, "redness": True, "heat": True}),
    ("red_flag_corpus", "my knee isn't locking or giving way", {"locking": True, "giving way": True}),
    ("red_flag_corpus", "it's never locked and it doesn't give way", {"locked": True, "give way": True}),
    ("red_flag_corpus", "no fever and the knee isn't hot", {"fever": True, "hot": True}),
    ("red_flag_corpus", "i dont have a temperature", {"temperature": True}),
    (
        "red_flag_corpus",
        "my knee replacement is healing nicely, no redness or oozing",
        {"replacement": False, "redness": True, "oozing": True},
    ),
    (
        "red_flag_corpus",
        "had the injection last week and it feels great, no swelling",
        {"injection": False, "swelling": True},
    ),
    ("red_flag_corpus", "I can bend it fully, no problems", {"bend": False}),
    ("red_flag_corpus", "I'm not breathless and I don't have any chest pain", {"breathless": True, "chest pain": True}),
    ("red_flag_corpus", "no pins and needles in my feet", {"pins and needles": True}),
    ("red_flag_corpus", "the pain doesn't wake me up at night", {"pain": False, "wake": True}),
    ("red_flag_corpus", "it doesn't hurt when I'm resting", {"hurt": True}),
    ("red_flag_corpus", "I haven't lost any weight", {"lost": True, "weight": True}),
    ("red_flag_corpus", "never had cancer", {"cancer": True}),
    ("red_flag_corpus", "only my right knee hurts, no other joints", {"hurts": False, "joints": True}),
    ("red_flag_corpus", "no injury, knee just clicks sometimes", {"injury": True, "clicks": False}),
    ("red_flag_corpus", "calf's not swollen, not red, not hot", {"swollen": True, "red": True, "hot": True}),
    ("red_flag_corpus", "nothing wrong with my calf", {"wrong": True, "calf": True}),
    ("red_flag_corpus", "it didnt swell up and i walked off the pitch fine", {"swell": True, "walked": False}),
    (
        "red_flag_corpus",
        "no chest pain, no calf pain, just knee stiffness",
        {"chest pain": True, "calf pain": True, "stiffness": False},
    ),
    ("red_flag_corpus", "my foot isn't cold or pale", {"cold": True, "pale": True}),
    ("red_flag_corpus", "nope, no temperature, no shivers", {"temperature": True, "shivers": True}),
    ("red_flag_corpus", "im not on crutches, i walk fine", {"crutches": True, "walk": False}),
    ("red_flag_corpus", "it's not locked, i can straighten it fully", {"locked": True, "straighten": False}),
    ("red_flag_corpus", "didn't faint, wasn't sick, just sore", {"faint": True, "sick": True, "sore": False}),
    ("red_flag_corpus", "no blood when I cough", {"blood": True}),
    ("red_flag_corpus", "its not hot or red, just achey", {"hot": True, "red": True, "achey": False}),
    ("red_flag_corpus", "no tingling in my foot at all", {"tingling": True}),
    ("red_flag_corpus", "my knee cracks when I squat but there's no pain", {"cracks": False, "pain": True}),
    ("red_flag_corpus", "it used to wake me up at night but not anymore", {"wake": True}),
    ("red_flag_corpus", "used to be swollen, not anymore", {"swollen": True}),
    # tests/data/red_flag_corpus.yml: positives with a negation word, whose sign stays
    (
        "red_flag_corpus",
        "I can't get my breath and my calf is red and swollen",
        {"calf": False, "red": False, "swollen": False},
    ),
    ("red_flag_corpus", "my claf is swollen and I cant catch my breathe", {"swollen": False}),
    ("red_flag_corpus", "cant breathe properly and my calf is well swollen", {"calf": False, "swollen": False}),
    (
        "red_flag_corpus",
        "no fever but my calf is painful and swollen and I keep getting chest pain",
        {"fever": True, "painful": False, "swollen": False, "chest pain": False},
    ),
    (
        "red_flag_corpus",
        "I'm not short of breath but I have been coughing up blood",
        {"short of breath": True, "coughing": False, "blood": False},
    ),
    (
        "red_flag_corpus",
        "didn't injure it, but my calf is swollen and I've got a tight chest",
        {"injure": True, "swollen": False, "chest": False},
    ),
    (
        "red_flag_corpus",
        "heard a loud pop when I landed, it swelled up straight away and I can't walk on it",
        {"pop": False, "swelled": False},
    ),
    (
        "red_flag_corpus",
        "felt a snap playing football, knee swelled up instantly and i can't put any weight on it",
        {"snap": False, "swelled": False},
    ),
    (
        "red_flag_corpus",
        "there was a crack when I went over, it swelled up within minutes and now I can't stand on it",
        {"crack": False, "swelled": False},
    ),
    (
        "red_flag_corpus",
        "no pop or anything but my foot has gone pale and cold",
        {"pop": True, "pale": False, "cold": False},
    ),
    ("red_flag_corpus", "didn't fall, but my foot is cold and bluish", {"fall": True, "cold": False, "bluish": False}),
    (
        "red_flag_corpus",
        "no swelling really, but the pain has me throwing up",
        {"swelling": True, "throwing up": False},
    ),
    ("red_flag_corpus", "I'm on crutches because I can't stand on it", {"crutches": False}),
    (
        "red_flag_corpus",
        "unbearable knee pain, paracetamol and ibuprofen aren't touching it",
        {"unbearable": False, "pain": False},
    ),
    ("red_flag_corpus", "my knee has ballooned up for no reason", {"ballooned": False}),
    (
        "red_flag_corpus",
        "my knee has changed shape, it looks lumpy and misshapen and I haven't hurt it",
        {"shape": False, "lumpy": False, "misshapen": False, "hurt": True},
    ),
    (
        "red_flag_corpus",
        "no chest pain but my calf is hot and swollen",
        {"chest pain": True, "calf": False, "hot": False, "swollen": False},
    ),
    ("red_flag_corpus", "no fever, but the knee is locked", {"fever": True, "locked": False}),
    ("red_flag_corpus", "pain is 8/10 and nothing helps, cant sleep", {"pain": False}),
    ("red_flag_corpus", "knee's blown up like a melon, didn't even bang it", {"blown up": False, "bang": True}),
    ("red_flag_corpus", "calf's gone all puffy and sore, no idea why", {"puffy": False, "sore": False}),
    ("red_flag_corpus", "why has my knee swollen up so much? I didn't injure it", {"swollen": False, "injure": True}),
    (
        "red_flag_corpus",
        "no idea what i did but the knee is massive and i cant put any weight on it",
        {"massive": False},
    ),
    ("red_flag_corpus", "been losing weight and I don't know why", {"losing": False, "weight": False}),
    ("red_flag_corpus", "lost wieght without trying since the summer", {"lost": False, "wieght": False}),
    ("red_flag_corpus", "I've lost a stone without trying", {"lost": False}),
    ("red_flag_corpus", "dropped loads of weight without even dieting", {"weight": False}),
    (
        "red_flag_corpus",
        "knee pain, tired all the time and I've lost weight without meaning to",
        {"lost": False, "weight": False},
    ),
    ("red_flag_corpus", "no injury, but my foot has been numb for a week", {"injury": True, "numb": False}),
    ("red_flag_corpus", "not painful when I walk but it wakes me every night", {"painful": True, "wakes": False}),
    ("red_flag_corpus", "no swelling, just tingling in my toes", {"swelling": True, "tingling": False}),
    ("red_flag_corpus", "I'm not dieting but I've lost half a stone", {"dieting": True, "lost": False}),
    ("red_flag_corpus", "cant sleep cos of the pain, wakes me up every nite", {"pain": False, "wakes": False}),
    ("red_flag_corpus", "my knee is locked and won't straighten", {"locked": False}),
    ("red_flag_corpus", "knee locks up n wont straighten", {"locks": False}),
    (
        "red_flag_corpus",
        "Just wanted to say the app is great. My knee locked this morning and still won't straighten.",
        {"locked": False},
    ),
    # tests/test_intake_parsing.py: sides, places, onset and activities with a denial
    ("test_intake_parsing", "it's not the left, it's the right", {"left": True, "right": False}),
    ("test_intake_parsing", "the right not the left", {"right": False, "left": True}),
    ("test_intake_parsing", "not my left knee but my right", {"left": True, "right": False}),
    ("test_intake_parsing", "no pain on the left, it's the right knee", {"left": True, "right": False}),
    ("test_intake_parsing", "not the inside, the front", {"inside": True, "front": False}),
    ("test_intake_parsing", "it's on the outside, not the front", {"outside": False, "front": True}),
    ("test_intake_parsing", "doesn't hurt when running, only on stairs", {"running": True, "stairs": False}),
    ("test_intake_parsing", "not when sitting, but kneeling", {"sitting": True, "kneeling": False}),
    ("test_intake_parsing", "hip didn't drop but knee caved in", {"drop": True, "caved": False}),
    ("test_intake_parsing", "knee didn't cave but my hip dropped", {"cave": True, "dropped": False}),
    ("test_intake_parsing", "no injury, it just started as a niggle", {"injury": True, "niggle": False}),
    ("test_intake_parsing", "not suddenly, more gradually", {"suddenly": True, "gradually": False}),
    ("test_intake_parsing", "it wasn't sudden, it crept up", {"sudden": True, "crept": False}),
    # tests/test_booking_time_phrases.py: excluded days and parts of the day
    ("test_booking_time_phrases", "any day except monday", {"monday": True}),
    ("test_booking_time_phrases", "I can't do monday, tuesday is fine", {"monday": True, "tuesday": False}),
    ("test_booking_time_phrases", "not tomorrow", {"tomorrow": True}),
    ("test_booking_time_phrases", "not mornings", {"mornings": True}),
    ("test_booking_time_phrases", "no evenings please", {"evenings": True}),
    ("test_booking_time_phrases", "I don't mind, friday is good", {"friday": False}),
]


def negation_cases() -> List[NegationCase]:
    """tests/test_language.py's clause cases (read from the test) and the labelled messages above."""
    from tests import test_language

    cases: List[NegationCase] = []
    for text, denied, kept in _params(test_language.test_negation_stays_in_its_clause):
        cases += [NegationCase(text, term, True, "test_language") for term in sorted(denied)]
        cases += [NegationCase(text, term, False, "test_language") for term in sorted(kept)]
    for source, text, terms in _LABELLED:
        cases += [NegationCase(text, term, negated, source) for term, negated in terms.items()]
    seen: Set[Tuple[str, str]] = set()
    unique = []
    for case in cases:
        if (case.text.lower(), case.term) not in seen:
            seen.add((case.text.lower(), case.term))
            unique.append(case)
    return unique


def _prepared(text: str) -> str:
    from language.text import for_matching

    return for_matching(text)  # what the triage detector reads: both readers get the same text


def tokenizer_doc(text: str):
    """The message as the project's tokenizer reads it, after the triage detector's cleaning."""
    from language.tokens import tokenizer

    return tokenizer()(_prepared(text))


def term_span(doc, term: str) -> Tuple[int, int]:
    """Token span of the first occurrence of ``term`` in ``doc``."""
    from language.tokens import tokenizer

    words = [t.lower_ for t in tokenizer()(term)]
    for start in range(len(doc) - len(words) + 1):
        if [t.lower_ for t in doc[start : start + len(words)]] == words:
            return start, start + len(words)
    raise ValueError(f"{term!r} not in {doc.text!r}")


def ours_negation() -> Callable[[str, str], bool]:
    """The project's reader: a term is denied when any of its words is in a negation's scope."""
    from language import negation

    def predict(text: str, term: str) -> bool:
        doc = tokenizer_doc(text)
        start, end = term_span(doc, term)
        covered = negation.scopes(doc)
        return any(covered[i] is not None for i in range(start, end))

    return predict


def negspacy_negation(terms: Iterable[str], with_our_words: bool = False):
    """negspacy's Negex on blank English + sentencizer + an EntityRuler marking ``terms``; None if not installed."""
    if _library("negspacy") is None:
        return None
    import spacy
    from negspacy.negation import Negex  # noqa: F401 - registers the "negex" factory
    from negspacy.termsets import termset

    patterns = termset("en_clinical").get_patterns()
    if with_our_words:
        from language import negation

        patterns["preceding_negations"] = sorted(set(patterns["preceding_negations"]) | set(negation.CUES))
        patterns["termination"] = sorted(set(patterns["termination"]) | set(negation.BREAK_WORDS))
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns([{"label": "TERM", "pattern": term} for term in sorted(set(terms))])
    nlp.add_pipe("negex", config={"neg_termset": patterns})

    def predict(text: str, term: str) -> bool:
        doc = nlp(_prepared(text))
        start, _ = term_span(doc, term)
        for ent in doc.ents:
            if ent.start <= start < ent.end:
                return bool(ent._.negex)
        raise ValueError(f"the EntityRuler did not mark {term!r} in {text!r}")

    predict.nlp = nlp  # type: ignore[attr-defined]
    return predict


def context_of(case: NegationCase) -> str:
    """What stands between the nearest negation word before the term and the term itself."""
    from language import negation

    doc = tokenizer_doc(case.text)
    start, _ = term_span(doc, case.term)
    cues = [i for i in range(start) if negation.is_cue(doc[i])]
    if not cues:
        return "no negation word before it"
    between = doc[cues[-1] + 1 : start]
    words = {t.lower_ for t in between}
    if any(t.text in {".", "!", "?"} for t in between):
        return "a full stop between"
    if words & {"but", "however", "although", "though", "yet", "except"}:
        return "'but' etc. between"
    if "," in words:
        return "a comma between"
    if words & {"and", "or", "nor", "&", "+"}:
        return "'and'/'or' between"
    if words & (negation.BREAK_WORDS - {"and"}):
        return "'just'/'now'/'cos' etc. between"
    return "nothing between"


@dataclass
class NegationScore:
    total: int = 0
    right: int = 0
    read_as_denied: int = 0  # said, but read as denied: a warning sign missed
    read_as_said: int = 0  # denied, but read as said: a false alarm
    by_context: Dict[str, Counter] = field(default_factory=dict)
    wrong: List[NegationCase] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


def score_negation(
    cases: Sequence[NegationCase],
    predict: Callable[[str, str], bool],
    context: Optional[Callable[[NegationCase], str]] = None,
) -> NegationScore:
    """How many cases ``predict(text, term) -> denied?`` gets right, and which way it errs."""
    score = NegationScore()
    for case in cases:
        got = bool(predict(case.text, case.term))
        score.total += 1
        kind = context(case) if context else "all"
        counts = score.by_context.setdefault(kind, Counter())
        counts["total"] += 1
        if got == case.negated:
            score.right += 1
            counts["right"] += 1
        else:
            score.wrong.append(case)
            if got:
                score.read_as_denied += 1
            else:
                score.read_as_said += 1
    return score


def _time_per_message(predict, cases: Sequence[NegationCase], repeat: int = 5) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        for case in cases:
            predict(case.text, case.term)
    return (time.perf_counter() - started) / (repeat * len(cases)) * 1e6


def _negation_only_time(cases: Sequence[NegationCase], negex_nlp, repeat: int = 5) -> Tuple[float, Optional[float]]:
    """Microseconds for the negation step alone, on documents already tokenised (and, for negspacy, with entities)."""
    from language import negation
    from language.tokens import tokenizer

    texts = sorted({_prepared(c.text) for c in cases})
    docs = [tokenizer()(t) for t in texts]
    started = time.perf_counter()
    for _ in range(repeat):
        for doc in docs:
            negation.scopes(doc)
    ours = (time.perf_counter() - started) / (repeat * len(docs)) * 1e6
    if negex_nlp is None:
        return ours, None
    ready = [negex_nlp.get_pipe("entity_ruler")(negex_nlp.make_doc(t)) for t in texts]
    sentencizer, negex = negex_nlp.get_pipe("sentencizer"), negex_nlp.get_pipe("negex")
    started = time.perf_counter()
    for _ in range(repeat):
        for doc in ready:
            negex(sentencizer(doc))
    theirs = (time.perf_counter() - started) / (repeat * len(ready)) * 1e6
    return ours, theirs


def run_negation() -> str:
    cases = negation_cases()
    readers: List[Tuple[str, Optional[Callable]]] = [("language.negation (ours)", ours_negation())]
    readers.append(("negspacy, en_clinical termset", negspacy_negation([c.term for c in cases])))
    readers.append(("negspacy + our cue/break words", negspacy_negation([c.term for c in cases], with_our_words=True)))
    by_source = Counter(c.source for c in cases)
    out = [
        "== 1. Negation: is the term denied? ==",
        f"{len(cases)} labelled (message, term) cases, {sum(c.negated for c in cases)} denied / "
        f"{sum(not c.negated for c in cases)} said; from " + ", ".join(f"{s} {n}" for s, n in by_source.items()),
        "",
    ]
    scores: Dict[str, NegationScore] = {}
    rows = []
    for name, predict in readers:
        if predict is None:
            rows.append([name, "not installed", "", "", "", ""])
            continue
        score = scores[name] = score_negation(cases, predict, context_of)
        rows.append(
            [
                name,
                _pct(score.right, score.total),
                score.read_as_denied,
                score.read_as_said,
                f"{_time_per_message(predict, cases):.0f}",
                "",
            ]
        )
    negex_reader = readers[1][1]
    ours_only, negex_only = _negation_only_time(cases, getattr(negex_reader, "nlp", None))
    rows[0][5] = f"{ours_only:.0f}"
    if negex_only is not None:
        rows[1][5] = rows[2][5] = f"{negex_only:.0f}"
    out.append(
        _table(
            [
                "reader",
                "right",
                "said->denied (missed sign)",
                "denied->said (false alarm)",
                "us/case (whole read)",
                "us/msg (negation step)",
            ],
            rows,
        )
    )
    if scores:
        out += ["", "Right answers by what stands between the nearest negation word and the term:"]
        contexts = sorted(
            {k for s in scores.values() for k in s.by_context},
            key=lambda k: -next(iter(scores.values())).by_context.get(k, Counter())["total"],
        )
        rows = []
        for kind in contexts:
            row = [kind, next(iter(scores.values())).by_context.get(kind, Counter())["total"]]
            row += [
                scores[name].by_context.get(kind, Counter())["right"] if name in scores else "-" for name, _ in readers
            ]
            rows.append(row)
        out.append(_table(["context", "cases"] + [name for name, _ in readers], rows))
        by_source_rows = []
        for source in by_source:
            subset = [c for c in cases if c.source == source]
            row = [source, len(subset)]
            for name, predict in readers:
                row.append(score_negation(subset, predict).right if name in scores else "-")
            by_source_rows.append(row)
        out += [
            "",
            "Right answers by the test the case comes from:",
            _table(["source", "cases"] + [name for name, _ in readers], by_source_rows),
        ]
        out += ["", "Cases any reader gets wrong (D = read as denied, s = read as said; truth first):"]
        wrong = {(c.text, c.term) for s in scores.values() for c in s.wrong}
        for case in [c for c in cases if (c.text, c.term) in wrong]:
            marks = []
            for name, predict in readers:
                if name in scores:
                    marks.append("D" if predict(case.text, case.term) else "s")
            out.append(f"  {'D' if case.negated else 's'} | {' '.join(marks)} | {case.term!r} in {case.text!r}")
        ours, negex = scores.get(readers[0][0]), scores.get(readers[1][0])
        if negex is not None:
            best = max(scores.values(), key=lambda s: s.right)
            verdict = "keep ours" if ours.right >= best.right else "switch to negspacy"
            out += [
                "",
                f"VERDICT negation: {verdict} - ours {ours.right}/{ours.total}, negspacy "
                f"{negex.right}/{negex.total} ({negex.read_as_denied} signs missed vs ours {ours.read_as_denied}); "
                f"with our word lists negspacy gets {scores[readers[2][0]].right}/{ours.total}.",
            ]
    else:
        out += ["", "VERDICT negation: negspacy not installed: nothing to compare."]
    return "\n".join(out)


# =============================================================================== 2. typo correction


@dataclass(frozen=True)
class TypoCase:
    word: str
    expected: FrozenSet[str]  # acceptable outputs; {word} for a word that must be left alone
    typo: bool


# (typo, acceptable corrections) found by hand in the typo, slang and negated
# messages of tests/data/red_flag_corpus.yml, red_flag_holdout*.yml and
# tests/test_triage.py: every word of four letters or more that is neither
# English (the corrector's word list) nor in the triage vocabulary.
TRIAGE_TYPOS: Dict[str, Tuple[str, ...]] = {
    "akes": ("aches", "ache"),
    "breth": ("breath",),
    "brethless": ("breathless",),
    "bucklin": ("buckling",),
    "ches": ("chest",),
    "claf": ("calf",),
    "comin": ("coming",),
    "couged": ("coughed", "cough"),
    "dizy": ("dizzy",),
    "exersizes": ("exercises",),
    "freezin": ("freezing",),
    "goin": ("going",),
    "killin": ("killing",),
    "mornin": ("morning",),
    "needels": ("needles",),
    "numbnes": ("numbness",),
    "paracetemol": ("paracetamol",),
    "playin": ("playing",),
    "purpley": ("purple", "purply"),
    "realy": ("really",),
    "replacment": ("replacement",),
    "strighten": ("straighten",),
    "sweling": ("swelling",),
    "swolen": ("swollen", "swole"),  # "swole" is the vocabulary's slang for swollen: same sign
    "temprature": ("temperature",),
    "throbing": ("throbbing",),
    "tinglin": ("tingling",),
    "twistd": ("twisted", "twist"),
    "unbareable": ("unbearable",),
    "wieght": ("weight",),
}
# Words of the same messages that are right as they are though not in the English list.
TRIAGE_UNKNOWN_BUT_RIGHT = (
    "achey",
    "covid",
    "haha",
    "heatwave",
    "kinesio",
    "osgood",
    "parkrun",
    "physio",
    "schlatter",
    "tesco",
    "tickly",
)
KB_TYPOS = {
    "anckle": ("ankle", "ancle"),  # "ancle" is a synonym of ankle in knowledge/vocabulary.yml
    "hipps": ("hips", "hip"),
    "menicus": ("meniscus",),
    "maltraking": ("maltracking",),  # tests/test_knowledge_query.py
    "excercises": ("exercises",),
    "strenghten": ("strengthen",),
}  # benchmarks/retrieval_questions.yml
TIME_TYPOS = {
    "tomorow": ("tomorrow",),
    "tuesdy": ("tuesday",),
    "afternon": ("afternoon",),
    "thrusday": ("thursday",),
    "wensday": ("wednesday",),
}  # tests/test_booking_time_phrases.py
# Right words for which another form of the same word is fine too.
ALSO_RIGHT = {"collapses": ("collapsed",)}


def spacy_words(text: str) -> List[str]:
    """The words the triage detector and the knowledge base hand to the corrector: cleaned, tokenised, no stop words."""
    from language.text import for_matching
    from language.tokens import tokenizer

    return [t.lower_ for t in tokenizer()(for_matching(text)) if t.is_alpha and not t.is_stop]


def booking_words(text: str) -> List[str]:
    """The words booking's normaliser corrects."""
    return re.findall(r"[a-z']+", text.lower())


def _cases(
    typos: Dict[str, Tuple[str, ...]],
    texts: Iterable[str],
    min_length: int,
    split: Callable[[str], List[str]] = spacy_words,
    leave: Iterable[str] = (),
) -> List[TypoCase]:
    cases = [TypoCase(w, frozenset(ok), True) for w, ok in typos.items()]
    skip = set(typos) | set(leave)
    words = sorted({w for text in texts for w in split(text) if len(w) >= min_length and w.isascii()} - skip)
    cases += [TypoCase(w, frozenset({w, *ALSO_RIGHT.get(w, ())}), False) for w in words]
    return cases


def _red_flag_texts() -> List[str]:
    import yaml

    texts = []
    for name in ("red_flag_corpus.yml", "red_flag_holdout.yml", "red_flag_holdout_2.yml"):
        data = yaml.safe_load((TESTS / "data" / name).read_text(encoding="utf-8"))
        texts += [item["text"] for item in data["positives"] + data["negatives"]]
    from tests import test_triage

    return texts + _parametrized(test_triage)


@dataclass
class TypoScore:
    typos: int = 0
    fixed: int = 0
    left: int = 0  # typo left as it was
    miscorrected: int = 0  # typo turned into a wrong word
    words: int = 0  # words that must be left alone
    false_corrections: int = 0
    examples: List[str] = field(default_factory=list)
    us_per_word: Optional[float] = None  # filled in by the benchmark, not by score_typos
    us_per_search: Optional[float] = None


def score_typos(cases: Sequence[TypoCase], correct: Callable[[str], str]) -> TypoScore:
    """Typos fixed / left / turned into a wrong word, and right words wrongly changed."""
    score = TypoScore()
    for case in cases:
        got = correct(case.word).lower()
        if case.typo:
            score.typos += 1
            if got in case.expected:
                score.fixed += 1
            elif got == case.word:
                score.left += 1
                score.examples.append(f"{case.word} left")
            else:
                score.miscorrected += 1
                score.examples.append(f"{case.word}->{got}")
        else:
            score.words += 1
            if got not in case.expected:
                score.false_corrections += 1
                score.examples.append(f"{case.word}->{got}!")
    return score


def _rapidfuzz_ratio(vocabulary: Sequence[str], cutoff: float = 80):
    from rapidfuzz import fuzz, process

    choices = list(vocabulary)

    def find(word: str) -> Optional[str]:
        hit = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        return hit[0] if hit else None

    return find


def _max_distance():
    from language.spelling import max_distance

    return max_distance


def _rapidfuzz_osa(vocabulary: Sequence[str], preferred: FrozenSet[str] = frozenset(), limits=None):
    """Closest word by rapidfuzz's optimal-string-alignment distance, within our distance limits."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    limits = limits or _max_distance()
    choices = sorted(vocabulary, key=lambda w: (w not in preferred, w))

    def find(word: str) -> Optional[str]:
        hit = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=limits(word))
        return hit[0] if hit else None

    return find


def _rapidfuzz_our_ranking(corrector):
    """Our ranking of candidates exactly (distance, preferred, same first letter, length, alphabet),
    with rapidfuzz's OSA distance finding the candidates instead of our pure-Python one."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    from language.spelling import max_distance

    choices = sorted({w for group in corrector._by_length.values() for w in group})
    preferred = corrector._preferred

    def find(word: str) -> Optional[str]:
        hits = process.extract(word, choices, scorer=OSA.distance, score_cutoff=max_distance(word), limit=None)
        if not hits:
            return None
        return min(
            hits, key=lambda h: (h[1], h[0] not in preferred, h[0][0] != word[0], abs(len(h[0]) - len(word)), h[0])
        )[0]

    return find


def _symspell(vocabulary: Sequence[str], preferred: FrozenSet[str] = frozenset(), limits=None):
    from symspellpy import SymSpell, Verbosity

    speller = SymSpell(max_dictionary_edit_distance=2)
    for word in vocabulary:
        speller.create_dictionary_entry(word, 2 if word in preferred else 1)

    def find(word: str) -> Optional[str]:
        distance = limits(word) if limits else 2
        hits = speller.lookup(word, Verbosity.CLOSEST, max_edit_distance=distance)
        return hits[0].term if hits else None

    return find


def _alone(find) -> Callable[[str], str]:
    """The library on every word, as its documentation shows it."""
    return lambda word: find(word) or word


def _behind_gate(corrector, find) -> Callable[[str], str]:
    """Our corrector with only its search for the closest word replaced by the library."""
    from language.spelling import MIN_LENGTH

    def correct(word: str) -> str:
        lower = word.lower()
        if len(lower) < MIN_LENGTH or not lower.isalpha() or corrector.is_known(lower):
            return word
        if lower.endswith("s") and lower[:-1] in corrector._known:
            return lower[:-1]
        return find(lower) or word

    return correct


def _fresh(corrector):
    """A copy of a corrector: a new object, so the lru_cache on its method has nothing for it yet."""
    copy = type(corrector).__new__(type(corrector))
    copy.__dict__.update(corrector.__dict__)
    return copy


def _timed(correct: Callable[[str], str], words: Sequence[str]) -> float:
    started = time.perf_counter()
    for word in words:
        correct(word)
    return (time.perf_counter() - started) / len(words) * 1e6


def _booking_words_module():
    """Where booking's word corrector lives (it is being moved from time_phrases to time_words)."""
    import importlib

    for name in ("booking.time_words", "booking.time_phrases"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "_correct_word") and (
            hasattr(module, "_FUZZY_TARGETS") or hasattr(module, "_CORRECTION_TARGETS")
        ):
            return module
    raise ImportError("booking's word corrector not found")


def _built_kb_speller():
    """The knowledge base's corrector, built as the tests build it: from knowledge/sources into a temp file."""
    from knowledge import KnowledgeBase, build

    folder = tempfile.mkdtemp(prefix="kb-bench-")
    url = f"sqlite:///{folder}/knowledge.db"
    build(REPO / "knowledge" / "sources", url)
    kb = KnowledgeBase(url)
    kb.concepts_in("knee")  # makes sure the query side is prepared
    return kb._speller


def _vocabulary_of(corrector) -> Tuple[List[str], FrozenSet[str]]:
    words = sorted({w for group in corrector._by_length.values() for w in group})
    return words, corrector._preferred


TIMING_ROUNDS = 3


def _searched_by(corrector) -> Callable[[str], bool]:
    """Words a TypoCorrector searches its vocabulary for: long enough, unknown, not a plural of a known word."""
    from language.spelling import MIN_LENGTH

    return lambda w: (
        len(w) >= MIN_LENGTH
        and w.isalpha()
        and not corrector.is_known(w)
        and not (w.endswith("s") and w[:-1] in corrector._known)
    )


def _typo_rows(
    label: str,
    cases: List[TypoCase],
    readers: List[Tuple[str, Callable[[], Callable[[str], str]]]],
    unknown: Optional[Callable[[str], bool]] = None,
):
    """One row per corrector; ``unknown`` picks the words that reach the closest-word search (timed apart)."""
    from language.spelling import is_english

    rows, scores = [], {}
    words = [c.word for c in cases]
    searched = [w for w in words if unknown(w)] if unknown else []
    for word in words:
        is_english(word)  # the shared word list and lemma table loaded before any timing
    for name, make in readers:
        timings, searches, builds = [], [], []
        try:
            for _ in range(TIMING_ROUNDS):  # the best of a few rounds, each on a fresh corrector
                started = time.perf_counter()
                correct = make()
                builds.append((time.perf_counter() - started) * 1e3)
                correct("qzxwvq")  # a first call outside the timing
                timings.append(_timed(correct, words))  # one pass over the words: nothing of theirs cached yet
                if searched:
                    searches.append(_timed(make(), searched))
        except ImportError:
            rows.append([label, name, "not installed", "", "", "", "", "", ""])
            continue
        us, build_ms = min(timings), min(builds)
        score = scores[name] = score_typos(cases, correct)
        score.us_per_word, score.us_per_search = us, (min(searches) if searches else None)
        rows.append(
            [
                label,
                name,
                _pct(score.fixed, score.typos),
                score.left,
                score.miscorrected,
                f"{score.false_corrections}/{score.words}",
                f"{us:.0f}",
                f"{score.us_per_search:.0f} ({len(searched)})" if searches else "-",
                f"{build_ms:.0f}",
            ]
        )
    return rows, scores


def run_typos() -> str:
    from language.spelling import TypoCorrector, max_distance

    out = [
        "== 2. Typo correction ==",
        "fixed = typo turned into the intended word; left = typo unchanged; wrong = typo turned into another word;",
        "false = right words changed. 'alone' = the library on every word; 'gated' = our corrector with only its",
        "closest-word search replaced (same known-word gate: WordNet English words, inflections, the vocabulary).",
        "",
    ]
    all_rows, verdict_scores = [], {}

    def readers_for(corrector, vocabulary, preferred):
        return [
            ("TypoCorrector (ours)", lambda: _fresh(corrector).correct),
            ("rapidfuzz ratio>=80 alone", lambda: _alone(_rapidfuzz_ratio(vocabulary))),
            ("rapidfuzz ratio>=80 gated", lambda: _behind_gate(corrector, _rapidfuzz_ratio(vocabulary))),
            ("rapidfuzz OSA<=ours gated", lambda: _behind_gate(corrector, _rapidfuzz_osa(vocabulary, preferred))),
            ("rapidfuzz OSA, our ranking", lambda: _behind_gate(corrector, _rapidfuzz_our_ranking(corrector))),
            ("symspellpy d<=2 alone", lambda: _alone(_symspell(vocabulary, preferred))),
            (
                "symspellpy d<=ours gated",
                lambda: _behind_gate(corrector, _symspell(vocabulary, preferred, limits=max_distance)),
            ),
        ]

    # (a) the unit test's own small vocabulary
    unit_vocabulary = ["weight", "swollen", "breathless", "numbness"]
    unit = TypoCorrector(unit_vocabulary)
    unit_cases = [
        TypoCase(w, frozenset({ok}), True)
        for w, ok in (("wieght", "weight"), ("swolen", "swollen"), ("brethless", "breathless"))
    ]
    unit_cases += [
        TypoCase(w, frozenset({w}), False) for w in ("not", "hit", "took", "hacking", "chucked", "wait", "zzzzzz")
    ]
    rows, _ = _typo_rows(
        "test_language (4 words)", unit_cases, readers_for(unit, unit_vocabulary, frozenset()), _searched_by(unit)
    )
    all_rows += rows

    # (b) the triage detector's vocabulary, on the red-flag messages
    from coaching.triage import load_red_flags

    detector = load_red_flags().detector
    triage = TypoCorrector(detector.vocabulary)  # as Detector builds it, fresh so nothing is cached
    triage_vocabulary = sorted(detector.vocabulary)
    triage_cases = _cases(TRIAGE_TYPOS, _red_flag_texts(), 4)
    triage_cases = [c for c in triage_cases if c.word not in detector.vocabulary or c.typo]
    rows, scores = _typo_rows(
        f"triage ({len(triage_vocabulary)} words)",
        triage_cases,
        readers_for(triage, triage_vocabulary, frozenset()),
        _searched_by(triage),
    )
    all_rows += rows
    verdict_scores["triage"] = scores

    # (c) the knowledge base's vocabulary, on the knowledge tests' questions
    try:
        kb_speller = _built_kb_speller()
        kb_vocabulary, kb_preferred = _vocabulary_of(kb_speller)
        from tests import test_knowledge_query

        from benchmarks.retrieval import load_questions

        questions = _parametrized(test_knowledge_query) + [q["q"] for q in load_questions()]
        kb_cases = _cases(KB_TYPOS, questions, 4, leave=["qwzx", "blorf"])
        kb_cases = [c for c in kb_cases if c.typo or c.word not in kb_vocabulary]
        rows, scores = _typo_rows(
            f"knowledge base ({len(kb_vocabulary)} words)",
            kb_cases,
            readers_for(kb_speller, kb_vocabulary, kb_preferred),
            _searched_by(kb_speller),
        )
        all_rows += rows
        verdict_scores["knowledge base"] = scores
    except Exception as error:  # noqa: BLE001 - report, don't stop the other comparisons
        all_rows.append(["knowledge base", f"could not build: {error}", "", "", "", "", "", ""])

    # (d) booking's word corrector: its own difflib match (ratio 0.82) over day, month and part-of-day
    # words, or, once issue 15's move lands, the shared TypoCorrector over the same words
    try:
        from tests import test_booking_time_phrases

        tp = _booking_words_module()
        named = lambda *names: next(getattr(tp, n) for n in names if hasattr(tp, n))  # noqa: E731
        time_vocabulary = sorted(named("_CORRECTION_TARGETS", "_FUZZY_TARGETS"))
        time_cases = _cases(TIME_TYPOS, _parametrized(test_booking_time_phrases), 5, split=booking_words)
        time_cases = [c for c in time_cases if c.typo or c.word not in tp._SYNONYMS]
        synonym = lambda word: tp._SYNONYMS.get(word, word)  # noqa: E731

        if hasattr(tp, "_typo_corrector"):
            ours_name = f"TypoCorrector ({tp.__name__})"
            corrector = tp._typo_corrector()
            preferred = corrector._preferred

            def time_gate(find):
                gated = _behind_gate(corrector, find)
                return lambda word: tp._SYNONYMS[word] if word in tp._SYNONYMS else synonym(gated(word))

            rivals = [
                ("rapidfuzz OSA<=ours gated", lambda: time_gate(_rapidfuzz_osa(time_vocabulary, preferred))),
                (
                    "symspellpy d<=ours gated",
                    lambda: time_gate(_symspell(time_vocabulary, preferred, limits=_max_distance())),
                ),
            ]
        else:
            ours_name = f"difflib 0.82 ({tp.__name__})"
            weekday_words = named("WEEKDAY_WORDS", "_WEEKDAY_WORDS")
            month_words = named("MONTH_WORDS", "_MONTH_WORDS")
            plural_weekdays = named("PLURAL_WEEKDAYS", "_PLURAL_WEEKDAYS")

            def time_gate(find):
                def correct(word):
                    if (
                        word in tp._SYNONYMS
                        or len(word) < 5
                        or word in weekday_words
                        or word in month_words
                        or word in plural_weekdays
                    ):
                        return tp._correct_word(word)
                    return synonym(find(word) or word)

                return correct

            rivals = [
                ("rapidfuzz ratio>=82 gated", lambda: time_gate(_rapidfuzz_ratio(time_vocabulary, 82))),
                ("symspellpy d<=2 gated", lambda: time_gate(_symspell(time_vocabulary))),
            ]
        if hasattr(tp, "_typo_corrector"):

            def make_ours():  # tp._correct_word with a copy of its corrector, so nothing is cached yet
                fresh = _fresh(tp._typo_corrector())
                return lambda word: tp._SYNONYMS[word] if word in tp._SYNONYMS else synonym(fresh.correct(word))
        else:
            make_ours = lambda: tp._correct_word  # noqa: E731 - nothing cached
        time_readers = [(ours_name, make_ours)] + rivals
        rows, scores = _typo_rows(f"booking time words ({len(time_vocabulary)})", time_cases, time_readers)
        all_rows += rows
        verdict_scores["booking"] = scores
    except Exception as error:  # noqa: BLE001
        all_rows.append(["booking time words", f"unavailable: {error}", "", "", "", "", "", ""])

    # (intake had its own one-edit corrector when this was first measured; it now uses the shared one above)

    out.append(
        _table(
            [
                "vocabulary",
                "corrector",
                "typos fixed",
                "left",
                "wrong",
                "false",
                "us/word",
                "us/searched word (n)",
                "build ms",
            ],
            all_rows,
        )
    )
    out += ["", "Errors ('x left' = typo unchanged, 'x->y' = wrong word, 'x->y!' = a right word changed):"]
    for label, scores in verdict_scores.items():
        for name, score in scores.items():
            if score.examples:
                shown = score.examples[:14]
                more = f" ... and {len(score.examples) - 14} more" if len(score.examples) > 14 else ""
                out.append(f"  {label} / {name}: {', '.join(shown)}{more}")
    lines = []
    for label, scores in verdict_scores.items():
        ours_name = next(iter(scores))
        ours = scores[ours_name]
        rivals = {n: s for n, s in scores.items() if n != ours_name}
        if not rivals:
            lines.append(f"{label}: libraries not installed")
            continue
        net = lambda s: s.fixed - s.miscorrected - s.false_corrections  # noqa: E731
        best_name, best = max(rivals.items(), key=lambda kv: net(kv[1]))
        alone = [s.false_corrections for n, s in rivals.items() if "alone" in n]
        line = (
            f"{label}: ours {ours.fixed}/{ours.typos} fixed, {ours.miscorrected} wrong, {ours.false_corrections} "
            f"false; best library '{best_name}' {best.fixed}/{best.typos}, {best.miscorrected} wrong, "
            f"{best.false_corrections} false"
        )
        if alone:
            line += f"; libraries alone change {min(alone)}-{max(alone)} right words"
        same = scores.get("rapidfuzz OSA, our ranking")
        if same is not None and same.us_per_search and ours.us_per_search:
            line += (
                f"; rapidfuzz OSA with our ranking: same answers "
                f"({'identical' if same.examples == ours.examples else 'differs'}), "
                f"{ours.us_per_search / same.us_per_search:.0f}x faster per searched word"
            )
        lines.append(line)
    out += ["", "VERDICT typos: " + "; ".join(lines)]
    return "\n".join(out)


# =============================================================================== 3. dates


@dataclass(frozen=True)
class DateCase:
    text: str
    now: datetime
    group: str
    dates: Optional[FrozenSet[date]] = None  # expected dates (None: the test expects none, or doesn't say)
    part: Optional[str] = None
    at: Optional[clock] = None
    expects: Tuple[str, ...] = ()  # which fields the test checks: "dates", "part", "at", "none", "other"
    other: str = ""  # what the test checks that is neither a date nor a time ("excludes Monday", "flexible")
    check: Optional[Callable] = None  # for "other": Preference -> bool


@dataclass
class Reading:
    """What a parser made of a phrase, in the test's terms."""

    dates: Optional[FrozenSet[date]] = None
    part: Optional[str] = None
    at: Optional[clock] = None
    preference: object = None  # ours only
    nothing: bool = False


def date_cases() -> List[DateCase]:
    """The phrases of tests/test_booking_time_phrases.py with what each test expects of them."""
    from tests import test_booking_time_phrases as t

    monday = t.MONDAY
    cases: List[DateCase] = []
    for text, dates, part, at in t.MONDAY_PHRASES:
        expects = tuple(k for k, v in (("dates", dates), ("part", part), ("at", at)) if v is not None)
        cases.append(DateCase(text, monday, "said on a Monday", frozenset(dates) if dates else None, part, at, expects))
    for now, text, expected in _params(t.test_weekday_rule):
        cases.append(DateCase(text, now, "weekday rule", frozenset({expected}), expects=("dates",)))
    for now, text, expected in _params(t.test_relative_ranges_from_other_days):
        cases.append(DateCase(text, now, "ranges from other days", frozenset(expected), expects=("dates",)))
    for text, expected in _params(t.test_short_day_names_that_are_also_words_count_as_days_in_context):
        cases.append(DateCase(text, monday, "short day names", frozenset(expected), expects=("dates",)))
    for text in _params(t.test_short_day_names_used_as_words_are_not_days):
        cases.append(DateCase(text, monday, "not a date", expects=("none",)))
    for text in _params(t.test_text_without_time_gives_none):
        if text.strip():
            cases.append(DateCase(text, monday, "not a date", expects=("none",)))
    utc_late = datetime(2026, 7, 6, 23, 30, tzinfo=ZoneInfo("UTC"))
    cases += [
        DateCase(
            "today", utc_late, "zone (23:30 UTC = 00:30 London)", frozenset({date(2026, 7, 7)}), expects=("dates",)
        ),
        DateCase(
            "tomorrow", utc_late, "zone (23:30 UTC = 00:30 London)", frozenset({date(2026, 7, 8)}), expects=("dates",)
        ),
        DateCase(
            "next month",
            monday,
            "ranges from other days",
            frozenset(date(2026, 12, d) for d in range(1, 32)),
            expects=("dates",),
        ),
        DateCase(
            "lunchtime friday",
            monday,
            "said on a Monday",
            frozenset({date(2026, 12, 4)}),
            at=clock(12),
            expects=("dates", "at"),
        ),
        DateCase(
            "tomorrow works, after lunch",
            monday,
            "said on a Monday",
            frozenset({date(2026, 12, 1)}),
            part="afternoon",
            expects=("dates", "part"),
        ),
    ]

    # what the tests check that a single date and time can't say
    def excluded(day, text_dates=None):
        return lambda r: r.dates is not None and day not in r.dates and (text_dates is None or text_dates <= r.dates)

    def limits(earliest, latest):
        return lambda r: r.preference is not None and (r.preference.earliest, r.preference.latest) == (earliest, latest)

    def flexible(r):
        return r.preference is not None and r.preference.is_flexible

    d = lambda m, day: date(2026, m, day)  # noqa: E731
    others = [
        (
            "any day except monday",
            "Monday left out, Tuesday in",
            lambda r: r.dates is not None and all(x.weekday() != 0 for x in r.dates) and d(12, 1) in r.dates,
        ),
        ("I can't do monday, tuesday is fine", "only Tuesday 1 Dec", lambda r: r.dates == {d(12, 1)}),
        ("not tomorrow", "some days, tomorrow not among them", excluded(d(12, 1))),
        ("not mornings", "from 12:00", lambda r: r.preference is not None and r.preference.earliest == clock(12)),
        ("no evenings please", "before 17:00", lambda r: r.preference is not None and r.preference.latest == clock(17)),
        ("after 3", "from 15:00", limits(clock(15), None)),
        ("before 11", "before 11:00", lambda r: r.preference is not None and r.preference.latest == clock(11)),
        ("between 2 and 4", "14:00 to 16:00", limits(clock(14), clock(16))),
        ("2-4pm", "14:00 to 16:00", limits(clock(14), clock(16))),
        ("from 10am to 12", "10:00 to 12:00", limits(clock(10), clock(12))),
        (
            "tuesdays",
            "every Tuesday",
            lambda r: (
                r.dates is not None
                and {d(12, 1), d(12, 8), d(12, 15)} <= r.dates
                and {x.weekday() for x in r.dates} == {1}
            ),
        ),
        ("I don't mind, friday is good", "Friday 4 Dec", lambda r: r.dates == {d(12, 4)}),
    ]
    for text in ("any time", "anytime", "whenever", "I don't mind", "asap", "I'm flexible", "doesn't matter"):
        others.append((text, "flexible", flexible))
    for text, what, check in others:
        cases.append(DateCase(text, monday, "negations, ranges, flexible", expects=("other",), other=what, check=check))
    return cases


def ours_dates(text: str, now: datetime) -> Reading:
    from booking.time_phrases import parse_preference

    preference = parse_preference(text, now, LONDON)
    if preference is None:
        return Reading(nothing=True)
    return Reading(preference.dates, preference.part_of_day, preference.at, preference)


def _week_of(day: date) -> FrozenSet[date]:
    monday = day - timedelta(days=day.weekday())
    return frozenset(monday + timedelta(days=i) for i in range(7))


def _month_of(day: date) -> FrozenSet[date]:
    return frozenset(date(day.year, day.month, i) for i in range(1, calendar.monthrange(day.year, day.month)[1] + 1))


def _dateparser_settings(now: datetime, day_first: bool = True) -> dict:
    local = now.astimezone(LONDON).replace(tzinfo=None)
    settings = {
        "RELATIVE_BASE": local,
        "PREFER_DATES_FROM": "future",
        "TIMEZONE": "Europe/London",
        "RETURN_TIME_AS_PERIOD": True,
    }
    if day_first:
        settings["DATE_ORDER"] = "DMY"  # the project reads 3/12 as 3 December
    return settings


def _from_date_data(data) -> Reading:
    """A dateparser result in the test's terms: a week or month period is read generously as all its days."""
    if data is None or data.date_obj is None:
        return Reading(nothing=True)
    day = data.date_obj.date()
    period = data.period
    dates = _week_of(day) if period == "week" else _month_of(day) if period == "month" else frozenset({day})
    at = data.date_obj.time() if period == "time" else None
    return Reading(dates, None, at)


def dateparser_parse(day_first: bool = True):
    """The whole message as one date (DateDataParser.get_date_data); None if not installed."""
    if _library("dateparser") is None:
        return None
    from dateparser.date import DateDataParser

    @lru_cache(maxsize=None)
    def parser(now: datetime):
        return DateDataParser(languages=["en"], settings=_dateparser_settings(now, day_first))

    def read(text: str, now: datetime) -> Reading:
        return _from_date_data(parser(now).get_date_data(text))

    return read


def dateparser_search():
    """Every date phrase in the message (search_dates), dates together, the first stated time."""
    if _library("dateparser") is None:
        return None
    from dateparser.date import DateDataParser
    from dateparser.search import search_dates

    def read(text: str, now: datetime) -> Reading:
        settings = _dateparser_settings(now)
        found = search_dates(
            text, languages=["en"], settings={k: v for k, v in settings.items() if k != "RETURN_TIME_AS_PERIOD"}
        )
        if not found:
            return Reading(nothing=True)
        parser = DateDataParser(languages=["en"], settings=settings)
        dates: Set[date] = set()
        at = None
        for phrase, moment in found:
            data = parser.get_date_data(phrase)
            reading = _from_date_data(data) if data and data.date_obj else Reading(frozenset({moment.date()}))
            dates |= reading.dates or set()
            at = at or reading.at
        return Reading(frozenset(dates), None, at)

    return read


@dataclass
class DateScore:
    cases: int = 0
    right: int = 0  # every field the test checks is right
    fields: Counter = field(default_factory=Counter)  # "dates", "part", "at", "none", "other": right
    checked: Counter = field(default_factory=Counter)
    wrong: List[str] = field(default_factory=list)


def _field_right(case: DateCase, kind: str, reading: Reading) -> bool:
    if kind == "none":
        return reading.nothing or reading.dates is None
    if reading.nothing:
        return False
    if kind == "dates":
        return reading.dates == case.dates
    if kind == "part":
        return reading.part == case.part
    if kind == "at":
        return reading.at == case.at
    return bool(case.check(reading))


def score_dates(
    cases: Sequence[DateCase], read: Callable[[str, datetime], Reading]
) -> Tuple[DateScore, Dict[str, DateScore]]:
    """Cases whose every checked field is right, overall and per group; fields counted one by one too."""
    total, groups = DateScore(), {}
    for case in cases:
        reading = read(case.text, case.now)
        group = groups.setdefault(case.group, DateScore())
        all_right = True
        for kind in case.expects:
            ok = _field_right(case, kind, reading)
            all_right &= ok
            for score in (total, group):
                score.checked[kind] += 1
                score.fields[kind] += ok
        for score in (total, group):
            score.cases += 1
            score.right += all_right
        if not all_right:
            total.wrong.append(case.text)
    return total, groups


def run_dates() -> str:
    cases = date_cases()
    readers = [
        ("time_phrases (ours)", ours_dates),
        ("dateparser parse", dateparser_parse()),
        ("dateparser search_dates", dateparser_search()),
        ("dateparser parse, no DMY", dateparser_parse(day_first=False)),
    ]
    out = [
        "== 3. Dates and times ==",
        f"{len(cases)} phrases from tests/test_booking_time_phrases.py with the test's 'now'; dateparser gets",
        "RELATIVE_BASE=now (London wall clock), PREFER_DATES_FROM=future, TIMEZONE=Europe/London, DATE_ORDER=DMY,",
        "and its week/month periods are read generously as every day of that week/month.",
        "",
    ]
    results = {}
    for name, read in readers:
        if read is None:
            continue
        read("tomorrow at 10", cases[0].now)  # loading (word lists, language data) outside the timing
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            for case in cases:
                read(case.text, case.now)
            timings.append((time.perf_counter() - started) / len(cases) * 1e6)
        results[name] = (*score_dates(cases, read), min(timings))
    groups = list(dict.fromkeys(c.group for c in cases))
    rows = []
    for group in groups:
        row = [group, sum(c.group == group for c in cases)]
        for name, _ in readers:
            row.append(results[name][1][group].right if name in results else "not installed")
        rows.append(row)
    rows.append(
        ["all (every checked field right)", len(cases)]
        + [results[n][0].right if n in results else "-" for n, _ in readers]
    )
    out.append(_table(["phrases", "cases"] + [n for n, _ in readers], rows))
    out += ["", "Field by field (right / checked):"]
    rows = []
    names = {
        "dates": "the dates",
        "at": "the time",
        "part": "part of day (morning...)",
        "none": "no date in a non-date text",
        "other": "exclusions, ranges, 'any time'",
    }
    for kind, label in names.items():
        checked = next(iter(results.values()))[0].checked[kind] if results else 0
        rows.append([label, checked] + [results[n][0].fields[kind] if n in results else "-" for n, _ in readers])
    rows.append(["us per phrase", ""] + [f"{results[n][2]:.0f}" if n in results else "-" for n, _ in readers])
    out.append(_table(["field", "checked"] + [n for n, _ in readers], rows))
    if len(results) > 1:
        for name, _ in readers[1:]:
            wrong = results[name][0].wrong
            out += ["", f"{name} gets wrong ({len(wrong)}): " + "; ".join(wrong)]
        ours = results[readers[0][0]][0]
        best_name = max((n for n, _ in readers[1:] if n in results), key=lambda n: results[n][0].right)
        best = results[best_name][0]
        out += [
            "",
            f"VERDICT dates: {'keep ours' if ours.right >= best.right else 'switch to dateparser'} - ours "
            f"{ours.right}/{ours.cases} phrases fully right, dateparser at best {best.right}/{best.cases} "
            f"({best_name}: dates {best.fields['dates']}/{best.checked['dates']}, times "
            f"{best.fields['at']}/{best.checked['at']}, parts of day {best.fields['part']}/{best.checked['part']}, "
            f"exclusions/ranges/flexible {best.fields['other']}/{best.checked['other']}, "
            f"{best.checked['none'] - best.fields['none']} of {best.checked['none']} non-date texts read as dates).",
        ]
    else:
        out += ["", "VERDICT dates: dateparser not installed: nothing to compare."]
    return "\n".join(out)


# =============================================================================== main


def install_cost() -> str:
    rows = []
    for name in ("negspacy", "rapidfuzz", "symspellpy", "editdistpy", "dateparser"):
        rows.append([name, _version(name), _installed_size(name), _requires(name)])
    return "== Libraries measured ==\n" + _table(["package", "version", "installed", "requires"], rows)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["negation", "typos", "dates"], action="append")
    args = parser.parse_args(argv)
    parts = {"negation": run_negation, "typos": run_typos, "dates": run_dates}
    print(install_cost())
    for name in args.only or list(parts):
        print()
        print(parts[name]())
    return 0


if __name__ == "__main__":
    sys.exit(main())
