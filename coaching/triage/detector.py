"""Finding warning signs in free text: compiles red_flags.yml's phrase patterns into one spaCy Matcher.

Reading goes through the shared toolkit (language/): the text is cleaned, each
unknown word is corrected towards the patterns' own vocabulary ("wieght" ->
"weight", "swolen" -> "swollen"), and negation is bounded by its clause, so the
typo variants come from one lexicon and edit distance instead of hand lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Set, Tuple

from spacy.matcher import Matcher

from coaching.triage.model import RedFlagsError
from language import negation
from language.numbers import parse_age
from language.spelling import TypoCorrector, lemma
from language.text import QUESTION_STARTS, for_matching
from language.tokens import norms, tokenizer

GAP = 3  # words a `*` in a pattern may skip
LOOKAHEAD = 4  # words after a match checked for `unless` words ("can't walk very far")
LOOKBEHIND = 4  # words before a match checked for `unless_before` words


@dataclass(frozen=True)
class PatternSpec:
    sign: str
    pattern: str
    unless: Mapping[str, FrozenSet[str]]  # unless / unless_next / unless_before
    where: str
    denies: bool = False  # a `cleared_by` pattern: saying it takes the sign back ("I can walk on it")
    history: bool = False  # a sign about the past by nature (a cancer): "years ago" doesn't clear it
    even_in_questions: bool = False  # too dangerous to read as a general question ("is chest pain normal?")


@dataclass(frozen=True)
class AgeSign:
    sign: str
    below: Optional[int] = None
    at_least: Optional[int] = None
    with_any: FrozenSet[str] = frozenset()  # the message must also say one of these words

    def applies(self, age: int, words: Set[str]) -> bool:
        in_range = (self.below is not None and age < self.below) or (self.at_least is not None and age >= self.at_least)
        return in_range and (not self.with_any or bool(self.with_any & words))


@dataclass(frozen=True)
class _PatternInfo:
    sign: str
    literals: FrozenSet[str]  # norms written in the pattern (not matched by a gap)
    owns_negation: bool  # "can't walk": the negation is the point, not a denial
    unless: FrozenSet[str]
    unless_next: FrozenSet[str]
    unless_before: FrozenSet[str]
    denies: bool
    history: bool
    even_in_questions: bool


@dataclass(frozen=True)
class Found:
    signs: FrozenSet[str]
    denied: FrozenSet[str]
    correction: bool


def _gap_token() -> dict:
    return {"IS_PUNCT": False, "IS_SPACE": False, "NORM": {"NOT_IN": sorted(negation.GAP_BREAK_WORDS)}, "OP": "?"}


class Detector:
    def __init__(
        self,
        terms: Dict[str, List[str]],
        specs: Iterable[PatternSpec],
        ages: Iterable[AgeSign],
        corrections: FrozenSet[str],
        resolved: FrozenSet[str] = frozenset(),
    ):
        # The generated patterns are well-formed by construction; spaCy's
        # per-pattern validation would triple the loading time.
        self.matcher = Matcher(tokenizer().vocab, validate=False)
        self.info: Dict[int, _PatternInfo] = {}
        vocabulary: Set[str] = set()
        for spec in specs:
            for number, (tokens, literals) in enumerate(self._expand(spec.pattern, terms, spec.where)):
                key = f"{spec.sign}#{spec.where}#{number}"
                self.matcher.add(key, [tokens])
                vocabulary |= literals
                self.info[self.matcher.vocab.strings[key]] = _PatternInfo(  # type: ignore[attr-defined]
                    spec.sign,
                    frozenset(literals),
                    bool(literals & negation.CUES),
                    spec.unless["unless"],
                    spec.unless["unless_next"],
                    spec.unless["unless_before"],
                    spec.denies,
                    spec.history,
                    spec.even_in_questions,
                )
        self.ages = tuple(ages)
        self.corrections = _phrases(corrections)
        self.resolved = _phrases(resolved)
        self.vocabulary = frozenset(w for w in vocabulary if w.isalpha())
        self.speller = TypoCorrector(self.vocabulary)

    @staticmethod
    def _expand(pattern: str, terms: Dict[str, List[str]], where: str):
        """Every spelled-out token sequence the pattern stands for, with its literal words."""
        items = pattern.split()
        if not items or items[0].startswith("*") or items[-1].startswith("*"):
            raise RedFlagsError(f"{where}: {pattern!r}: a pattern can't be empty or start/end with a gap")
        choices: List[List[Tuple[List[dict], set]]] = []
        for item in items:
            if re.fullmatch(r"\*\d?", item):
                choices.append([([_gap_token()] * int(item[1:] or GAP), set())])
                continue
            optional = item.endswith("?")
            core = item.rstrip("?")
            term = re.fullmatch(r"\{(\w+)\}", core)
            if term:
                if term.group(1) not in terms:
                    raise RedFlagsError(f"{where}: {pattern!r}: unknown term {{{term.group(1)}}}")
                phrases = terms[term.group(1)]
            else:
                phrases = [p for p in core.split("|") if p]
            if not phrases or "{" in core and not term:
                raise RedFlagsError(f"{where}: {pattern!r}: can't read {item!r}")
            sequences = {norms(p) for p in phrases} - {()}
            singles = {seq[0] for seq in sequences if len(seq) == 1}
            options = [([{"NORM": {"IN": sorted(singles)}}], singles)] if singles else []
            options += [([{"NORM": w} for w in seq], set(seq)) for seq in sorted(sequences) if len(seq) > 1]
            if optional:
                options.append(([], set()))
            choices.append(options)
        expanded = []
        for combo in product(*choices):
            tokens = [spec for specs, _ in combo for spec in specs]
            literals = set().union(*(words for _, words in combo))
            if not literals:
                raise RedFlagsError(f"{where}: {pattern!r} can match without any word")
            expanded.append((tokens, literals))
        return expanded

    def _doc(self, text: str):
        doc = tokenizer()(text)
        for token in doc:
            if not token.is_alpha or token.is_stop or token.lower_ in self.vocabulary:
                continue
            base = lemma(token.lower_) or (token.lower_[:-3] if token.lower_.endswith("ish") else None)
            if base in self.vocabulary:  # "foots" -> foot, "numbish" -> numb
                token.norm_ = base  # an inflection or "-ish" form the patterns don't spell out
                continue
            fixed = self.speller.correct(token.lower_)
            if fixed != token.lower_:
                token.norm_ = fixed
        return doc

    def find(self, text: str) -> Found:
        text = for_matching(text)
        if not text.strip():
            return Found(frozenset(), frozenset(), False)
        doc = self._doc(text)
        negated_by = negation.scopes(doc)
        sentences = _sentences(doc)
        over = self._resolved_from(doc, text)
        found: Set[str] = set()
        denied: Set[str] = set()
        for match_id, start, end in self.matcher(doc):
            info = self.info[match_id]
            sentence = sentences[start]
            if sentence.generic and not info.even_in_questions:
                continue  # "what causes knees to give way?": a question about knees, not about theirs
            if not info.history and any(
                sentence.start <= cue <= sentence.end and start < cue and not _said_as_now(doc, start) for cue in over
            ):
                continue  # "it locked once last year but it's been fine since"
            cues = [negated_by[i] for i in range(start, end)]
            negated = any(cue is not None and (not info.owns_negation or cue < start) for cue in cues)
            if _excluded(doc, start, end, info):
                continue
            if info.denies:
                if not negated:
                    denied.add(info.sign)  # "sorry, I CAN walk on it"
            elif negated:
                denied.add(info.sign)  # "my calf isn't swollen"
            else:
                found.add(info.sign)
        age = parse_age(text)
        if age is not None:
            words = {token.norm_ for token in doc}
            found |= {sign.sign for sign in self.ages if sign.applies(age, words)}
        correction = bool(self.corrections and self.corrections.search(text.lower()))
        return Found(frozenset(found), frozenset(denied - found), correction)

    def _resolved_from(self, doc, text: str) -> List[int]:
        """Token positions where a "that's over now" phrase starts."""
        if not self.resolved:
            return []
        starts = {token.idx: token.i for token in doc}
        return [starts[m.start()] for m in self.resolved.finditer(text.lower()) if m.start() in starts]


def _phrases(phrases: FrozenSet[str]) -> Optional["re.Pattern[str]"]:
    if not phrases:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")\b")


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    generic: bool


_SENTENCE_ENDS = frozenset({".", "!", "?", "\n"})
# Words that make a sentence about someone in particular, not about knees in general.
_PERSONAL = frozenset(
    {
        "i",
        "me",
        "my",
        "mine",
        "myself",
        "i'm",
        "im",
        "am",
        "we",
        "our",
        "us",
        "he",
        "she",
        "his",
        "her",
        "him",
        "son",
        "daughter",
        "mum",
        "mom",
        "dad",
        "husband",
        "wife",
        "partner",
    }
)
_QUESTION_STARTS = QUESTION_STARTS | {"at", "any", "whats", "what's", "hows"}  # "at what point ...?"
_NOW = frozenset({"now", "today", "still", "currently", "again", "tonight", "anymore"})


def _sentences(doc) -> List[_Sentence]:
    """For each token, its sentence; a question with no one in it is generic."""
    spans, start = [], 0
    for token in doc:
        if token.text in _SENTENCE_ENDS or token.is_space and "\n" in token.text:
            spans.append((start, token.i))
            start = token.i + 1
    if start < len(doc):
        spans.append((start, len(doc) - 1))
    # Anyone in the message makes all of it about them: "any tips for a locked knee? mine's stuck".
    personal = any(t.lower_ in _PERSONAL or t.norm_ in _PERSONAL for t in doc)
    per_token: List[_Sentence] = [None] * len(doc)  # type: ignore[list-item]
    for first, last in spans:
        words = doc[first : last + 1]
        # a general question asks one and starts like one: "what causes knees to give way?"; not
        # "can hardly breathe" (no "?") nor "waking every night, is that arthritis?" (a statement first)
        question = words[-1].text == "?" and words[0].lower_ in _QUESTION_STARTS
        sentence = _Sentence(first, last, question and not personal)
        for i in range(first, last + 1):
            per_token[i] = sentence
    return per_token


def _said_as_now(doc, start: int) -> bool:
    """A sign said in the present ("it's swollen now, the redness has gone") stays."""
    i = start
    while i > 0 and not negation.is_break(doc[i - 1]) and doc[i - 1].text != ",":
        i -= 1
    j = start
    while j < len(doc) and not negation.is_break(doc[j]) and doc[j].text != ",":
        j += 1
    return any(t.norm_ in _NOW for t in doc[i:j])


def _excluded(doc, start: int, end: int, info: _PatternInfo) -> bool:
    # Words a gap swallowed count, words the pattern spells out don't ("can't stand up").
    inside = [t for t in doc[start:end] if t.norm_ not in info.literals]
    after = []
    for token in doc[end : end + LOOKAHEAD]:
        if negation.is_break(token) or token.text == ",":
            break
        after.append(token)
    before = []
    for token in reversed(doc[max(0, start - LOOKBEHIND) : start]):
        if negation.is_break(token) or token.text == ",":
            break
        before.append(token)
    nearby = [t.norm_ for t in inside + after if not _stresses(t)]
    return (
        any(word in info.unless for word in nearby)
        or bool(after and after[0].norm_ in info.unless_next)
        or any(t.norm_ in info.unless_before for t in before)
    )


def _stresses(token) -> bool:
    """The "all" of "at all": it stresses an inability where "all the way" qualifies it."""
    return token.norm_ == "all" and token.i > 0 and token.doc[token.i - 1].norm_ == "at"
