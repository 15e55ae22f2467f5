"""Rule-based extraction of cause -> effect links from parsed sentences.

The blank English pipeline has no parser, so the rules work on the token sequence: a sentence
is cut at causal cue words ("lead", "cause", "result", "susceptible", ...) into segments, and
the concepts in the segment after a cue are effects of the concept just before the cue and of
the sentence's subject (its first concept). A leading "When/If ..." clause is a cause of the
main clause. A sentence that starts with an anaphor ("This lack of support...", "As a
result, ...") and names no cause borrows the last effect of the previous sentence of the
same paragraph. Nothing here knows the article: the cue lists are plain English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from spacy.tokens import Span

from language import negation

from .nlp import Mention, is_content, outermost

# Cues that make things worse, and the relation text stored for them.
HARM_CUES = {
    "lead": "leads to",
    "cause": "causes",
    "result": "results in",
    "affect": "affects",
    "place": "places",
    "susceptible": "increases the risk of",
    "fail": "leads to",
    "accelerate": "accelerates",
    "alter": "alters",
    "contribute": "contributes to",
    "exacerbate": "worsens",
    "trigger": "triggers",
    "increase": "increases",
}
# Cues that make things better; only an exercise can be their cause.
HELP_CUES = {
    "reduce": "reduces",
    "alleviate": "alleviates",
    "enhance": "enhances",
    "improve": "improves",
    "relieve": "relieves",
    "prevent": "prevents",
    "ease": "eases",
}
CONDITIONAL_STARTS = {"when", "if", "whenever", "once"}
CONDITIONAL_RELATION = "leads to"
ANAPHORS = {"this", "these", "that", "it", "they", "such"}
PASSIVE_MARKERS = {"by", "from"}
COORDINATORS = {"and", "or"}

# Kinds that can take part in a causal link; joints, body parts and activities are settings.
PARTICIPANT_KINDS = {"mechanism", "condition", "symptom", "exercise"}
HARM_CAUSE_KINDS = {"mechanism", "condition", "symptom"}
EFFECT_KINDS = {"mechanism", "condition", "symptom"}


@dataclass(frozen=True)
class ExtractedLink:
    cause: str
    effect: str
    relation: str
    sentence: int  # index of the sentence in the list given to extract_links


@dataclass
class _Cue:
    index: int  # token index in the Doc
    lemma: str
    relation: str
    helps: bool
    passive: bool = False
    coordinated: bool = False
    negated: bool = False


def _cues(sent: Span) -> List[_Cue]:
    cues: List[_Cue] = []
    tokens = list(sent)
    for pos, token in enumerate(tokens):
        lemma = token.lemma_
        if pos == 0 or lemma not in HARM_CUES and lemma not in HELP_CUES:
            continue  # a cue opening the sentence is a gerund subject ("Improving ankle flexibility ...")
        helps = lemma in HELP_CUES
        cue = _Cue(token.i, lemma, (HELP_CUES if helps else HARM_CUES)[lemma], helps)
        after = tokens[pos + 1] if pos + 1 < len(tokens) else None
        cue.passive = after is not None and after.lemma_ in PASSIVE_MARKERS
        before = [t for t in tokens[max(0, pos - 3) : pos] if not t.is_space]
        cue.negated = any(negation.is_cue(t) for t in before)  # the one list of negation words
        # "will enhance stability and reduce injuries": the second verb shares the first one's cause
        # (the blank pipeline has no tagger: "-ly" words stand in for adverbs to skip)
        previous = [t for t in tokens[:pos] if not t.lower_.endswith("ly")]
        cue.coordinated = bool(cues) and bool(previous) and previous[-1].lower_ in COORDINATORS
        cues.append(cue)
    return cues


def _conditional_cut(sent: Span) -> Optional[int]:
    """Doc index of the comma that ends a leading "When ..." clause, if any."""
    if sent[0].lower_ not in CONDITIONAL_STARTS:
        return None
    for token in sent[1:]:
        if token.text == ",":
            return token.i
    return None


def _participants(mentions: Sequence[Mention], kinds: Dict[str, str]) -> List[Mention]:
    seen, out = set(), []
    for m in outermost(mentions):
        if kinds.get(m.concept) in PARTICIPANT_KINDS and m.concept not in seen:
            seen.add(m.concept)
            out.append(m)
    return out


def extract_links(
    sentences: Sequence[Span], mentions: Sequence[Sequence[Mention]], kinds: Dict[str, str]
) -> List[ExtractedLink]:
    """Links stated in one paragraph; ``mentions[i]`` are the mentions inside ``sentences[i]``."""
    links: List[ExtractedLink] = []
    carried: Optional[str] = None  # last effect (or concept) of the previous sentence
    for s_index, sent in enumerate(sentences):
        found = _sentence_links(sent, _participants(mentions[s_index], kinds), kinds, carried)
        for cause, effect, relation in found:
            link = ExtractedLink(cause, effect, relation, s_index)
            if cause != effect and link not in links:
                links.append(link)
        parts = _participants(mentions[s_index], kinds)
        if found:
            carried = found[-1][1]
        elif parts:
            carried = parts[-1].concept
    return links


def _sentence_links(sent: Span, parts: List[Mention], kinds: Dict[str, str], carried: Optional[str]):
    cues = _cues(sent)
    cut = _conditional_cut(sent)
    boundaries = []  # (doc index where the right segment starts, cue)
    if cut is not None:
        boundaries.append((cut, _Cue(cut, "when", CONDITIONAL_RELATION, helps=False)))
    boundaries += [(c.index, c) for c in cues if cut is None or c.index > cut]
    if not boundaries:
        return []
    boundaries.sort(key=lambda b: b[0])
    starts = [sent.start] + [b[0] for b in boundaries] + [sent.end]
    segments = [[m for m in parts if starts[i] <= m.start < starts[i + 1]] for i in range(len(starts) - 1)]

    first_left = sent.doc[sent.start : boundaries[0][0]]
    may_borrow = carried is not None and (
        any(t.lower_ in ANAPHORS for t in first_left) or not any(is_content(t) for t in first_left)
    )
    subject = next((m.concept for seg in segments[:1] for m in seg), None)
    if subject is None and may_borrow:
        subject = carried

    out = []
    previous_causes: List[str] = []
    for i, (_, cue) in enumerate(boundaries):
        left = next((seg for seg in reversed(segments[: i + 1]) if seg), [])
        effects = [m.concept for m in segments[i + 1]]
        if cue.passive:  # "pain caused by stiff ankles": the effect comes first
            causes = effects[:1]
            effects = [left[-1].concept] if left else []
        elif cue.coordinated and previous_causes:
            causes = list(previous_causes)
        else:
            nearest = left[-1].concept if left else (carried if may_borrow else None)
            causes = [c for c in (nearest, subject) if c]
            causes = list(dict.fromkeys(causes))
        previous_causes = causes
        if cue.negated:
            continue
        for cause in causes:
            if cue.helps and kinds.get(cause) != "exercise":
                continue
            if not cue.helps and kinds.get(cause) not in HARM_CAUSE_KINDS:
                continue
            for effect in effects:
                if kinds.get(effect) in EFFECT_KINDS:
                    out.append((cause, effect, cue.relation))
    return out
