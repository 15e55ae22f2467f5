"""Building the knowledge base from the article: sections, sentences, concepts, causal links.

(Over 300 lines: the build's steps and its refusals of malformed sources.)
"""

from __future__ import annotations

import hashlib
import re
import shutil

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateIndex, CreateTable

from knowledge import build
from knowledge.build import main as build_main
from knowledge.causal import extract_links
from knowledge.nlp import ConceptMatcher, get_nlp, normalize_text, parse
from knowledge.schema import Base, CausalLink, Concept, Document, Passage, PassageConcept, Section
from knowledge.sources import read_source
from knowledge.vocabulary import VocabularyError, load_vocabulary, parse_concepts
from tests.knowledge_fixtures import ARTICLE, MAIN_SOURCES

HEADINGS = [
    "Introduction",
    "Understanding the Ankle-Knee-Hip Relationship",
    "Stiff Ankles and Knee Pain",
    "Hip Instability and Knee Pain",
    "Addressing Stiff Ankles and Hip Instability",
    "Conclusion",
]
SENTENCES_PER_SECTION = [3, 3, 5, 5, 7, 4]
TITLE = "The Connection Between Knee Pain, Stiff Ankles, and Hip Instability"


def session_for(url):
    return Session(create_engine(url, future=True), future=True)


def passages_by_text(url):
    with session_for(url) as s:
        return {p.text: p for p in s.execute(select(Passage)).scalars()}


def concepts_of(url, fragment):
    """Concept names linked to the one passage containing ``fragment``."""
    with session_for(url) as s:
        rows = s.execute(
            select(Passage.text, Concept.name)
            .outerjoin(PassageConcept, PassageConcept.passage_id == Passage.id)
            .outerjoin(Concept, Concept.id == PassageConcept.concept_id)
        ).all()
    texts = {t for t, _ in rows if fragment in t}
    assert len(texts) == 1, f"{fragment!r} should be in exactly one passage, found {texts}"
    return {name for t, name in rows if fragment in t and name}


def links(url):
    with session_for(url) as s:
        cause = Concept.__table__.alias("cause")
        effect = Concept.__table__.alias("effect")
        return s.execute(
            select(cause.c.name, effect.c.name, CausalLink.relation, Passage.text)
            .join(cause, cause.c.id == CausalLink.cause_id)
            .join(effect, effect.c.id == CausalLink.effect_id)
            .join(Passage, Passage.id == CausalLink.passage_id)
            .order_by(CausalLink.id)
        ).all()


def dump(url):
    """Every row of every table, for comparing two builds."""
    with session_for(url) as s:
        return {
            table.name: [tuple(row) for row in s.execute(select(table).order_by(*table.primary_key.columns)).all()]
            for table in Base.metadata.sorted_tables
        }


# --------------------------------------------------------------------------- sources and text


def test_normalize_text_removes_layout():
    assert normalize_text("\u00a0 Knee\u00a0\u00a0pain  is   common. ") == "Knee pain is common."
    assert normalize_text("1.\u00a0\u00a0\u00a0\u00a0 Ankle Mobility Exercises: x") == "Ankle Mobility Exercises: x"
    assert normalize_text("- glute bridges") == "glute bridges"
    assert normalize_text("runner\u2019s knee") == "runner's knee"
    assert normalize_text("\u00a0\u00a0") == ""


def test_pipeline_is_blank_english_with_sentencizer_and_lookup_lemmatizer():
    nlp = get_nlp()
    assert nlp.lang == "en"
    assert nlp.pipe_names[:2] == ["sentencizer", "lemmatizer"]
    assert nlp.get_pipe("lemmatizer").mode == "lookup"
    doc = parse("Stiff ankles hurt. Weak Hips are unstable!")
    assert [s.text for s in doc.sents] == ["Stiff ankles hurt.", "Weak Hips are unstable!"]
    assert [t.lemma_ for t in doc][:2] == ["stiff", "ankle"]  # lower-cased even at sentence start
    assert doc[5].lemma_ == "hip"


def test_article_source_is_split_into_sections_without_chrome():
    source = read_source(ARTICLE)
    assert source.title == TITLE
    assert source.author == "Simon Jarvis"
    assert source.publisher == "Personal Trainer & Movement Specialist"
    assert [s.heading for s in source.sections] == HEADINGS
    paragraphs = [p for s in source.sections for p in s.paragraphs]
    assert not any(
        p in ("New Blog", "Simon Jarvis", TITLE, "Personal Trainer & Movement Specialist") for p in paragraphs
    )
    assert paragraphs[0].startswith("Knee pain is a common ailment")
    assert all("\u00a0" not in p for p in paragraphs)


def test_text_and_markdown_without_meta_build(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "basics.txt").write_text(
        "Knee Care Basics\n\nWarm Up\n\n\u00a0Walk for five minutes before you run.\u00a0 Then do\n"
        "ten gentle squats.\n\nCool Down\n\nStretch your calves after the run.\n\nA. Trainer\n",
        encoding="utf-8",
    )
    (sources / "notes.md").write_text(
        "# Cycling Notes\n\nIntro text before any section.\n\n## Saddle height\n\n"
        "A saddle that is too low bends the knee too much.\n\n- **Tip:** raise it slowly.\n",
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    stats = build(sources, url)
    assert stats.documents == 2
    with session_for(url) as s:
        docs = s.execute(select(Document).order_by(Document.id)).scalars().all()
        assert [(d.title, d.author) for d in docs] == [("Knee Care Basics", None), ("Cycling Notes", None)]
        headings = [[sec.heading for sec in d.sections] for d in docs]
        texts = [p.text for p in s.execute(select(Passage).order_by(Passage.id)).scalars()]
    assert headings == [["Warm Up", "Cool Down"], ["", "Saddle height"]]
    assert texts == [
        "Walk for five minutes before you run.",
        "Then do ten gentle squats.",
        "Stretch your calves after the run.",
        "Intro text before any section.",
        "A saddle that is too low bends the knee too much.",
        "Tip: raise it slowly.",
    ]


def test_build_without_sources_fails_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="no .txt or .md sources"):
        build(tmp_path, f"sqlite:///{tmp_path / 'kb.db'}")


# --------------------------------------------------------------------------- the built database


def test_build_stats(knowledge_db):
    _, stats = knowledge_db
    assert (stats.documents, stats.sections, stats.passages) == (1, 6, 27)
    assert stats.concepts >= 50 and stats.concept_mentions > 100
    assert stats.causal_links >= 13
    assert "27 passages" in stats.summary()


def test_document_row(knowledge_db_url):
    with session_for(knowledge_db_url) as s:
        (doc,) = s.execute(select(Document)).scalars().all()
        assert doc.title == TITLE
        assert doc.author == "Simon Jarvis"
        assert doc.publisher == "Personal Trainer & Movement Specialist"
        assert doc.source_path.endswith("article.txt")
        assert doc.checksum == hashlib.sha256(ARTICLE.read_bytes()).hexdigest()


def test_sections_and_sentence_counts(knowledge_db_url):
    with session_for(knowledge_db_url) as s:
        sections = s.execute(select(Section).order_by(Section.position)).scalars().all()
        assert [sec.heading for sec in sections] == HEADINGS
        assert [len(sec.passages) for sec in sections] == SENTENCES_PER_SECTION
        positions = [p.position for sec in sections for p in sec.passages]
    assert positions == list(range(27))


def test_passages_are_clean_sentences_of_the_article(knowledge_db_url):
    article = normalize_text(ARTICLE.read_text(encoding="utf-8"))
    texts = list(passages_by_text(knowledge_db_url))
    for text in texts:
        assert "\u00a0" not in text and "  " not in text and text == text.strip()
        assert not re.match(r"^\d+\.", text), text
        assert text in article
    assert "Here are some strategies to consider:" in texts
    assert any(t.startswith("Ankle Mobility Exercises: Regularly perform") for t in texts)
    assert not any("Simon Jarvis" in t or "New Blog" in t for t in texts)


def test_passage_lemmas_are_stored_for_search(knowledge_db_url):
    passage = passages_by_text(knowledge_db_url)[
        "Stiff ankles restrict the natural range of motion required for walking, running, and other weight-bearing activities."
    ]
    assert passage.lemmas.split()[:3] == ["stiff", "ankle", "restrict"]
    assert "walk" in passage.lemmas.split() and "the" not in passage.lemmas.split()


@pytest.mark.parametrize(
    "fragment, expected",
    [
        ("patellofemoral pain syndrome (PFPS)", {"pfps", "it_band_syndrome", "joint_stress", "injury", "knee"}),
        ("known as maltracking", {"maltracking", "cartilage_wear", "knee"}),
        (
            "glute bridges, lateral leg raises",
            {"glute_bridges", "lateral_leg_raises", "clamshells", "hip_strengthening_exercises", "hip"},
        ),
        (
            "calf stretches, ankle circles",
            {"calf_stretches", "ankle_circles", "dorsiflexion_exercises", "ankle_mobility_exercises"},
        ),
        ("lack of mobility in the ankles", {"ankle_stiffness", "compensation", "joint_stress", "knee", "hip"}),
        ("pelvis to tilt", {"pelvic_tilt", "hip_instability", "pelvis"}),
        ("meniscus tears", {"meniscus_tear", "ligament_strain", "lateral_knee_movement", "hip_instability", "injury"}),
        ("ankle joint lacks flexibility", {"ankle_stiffness", "compensation"}),
        ("sudden changes in direction", {"changing_direction", "reduced_knee_support", "hip_instability"}),
        ("physical therapist", {"professional_help", "muscle_imbalance", "ankle_stiffness", "hip_instability"}),
    ],
)
def test_concepts_linked_to_the_right_passages(knowledge_db_url, fragment, expected):
    found = concepts_of(knowledge_db_url, fragment)
    assert expected <= found, expected - found


def test_concepts_not_linked_where_not_mentioned(knowledge_db_url):
    assert not {"glute_bridges", "meniscus_tear", "pelvic_tilt"} & concepts_of(knowledge_db_url, "(PFPS)")
    assert concepts_of(knowledge_db_url, "affects millions of people") == {"knee", "pain"}
    assert concepts_of(knowledge_db_url, "Here are some strategies") == set()


# The causal relations the article states, with a fragment of the sentence stating each.
EXPECTED_LINKS = [
    ("ankle_stiffness", "compensation", "lack of mobility in the ankles"),
    ("ankle_stiffness", "compensation", "ankle joint lacks flexibility"),
    ("compensation", "joint_stress", "resulting in added stress"),
    ("joint_stress", "pfps", "patellofemoral pain syndrome"),
    ("joint_stress", "it_band_syndrome", "IT band syndrome"),
    ("ankle_stiffness", "maltracking", "move inwards or outwards"),
    ("maltracking", "cartilage_wear", "known as maltracking"),
    ("hip_instability", "pelvic_tilt", "pelvis to tilt"),
    ("hip_instability", "lateral_knee_movement", "excessive lateral movement"),
    ("lateral_knee_movement", "meniscus_tear", "meniscus tears"),
    ("lateral_knee_movement", "ligament_strain", "ligament strains"),
    ("hip_instability", "reduced_knee_support", "weak hip muscles fail"),
    ("reduced_knee_support", "injury", "lack of support places undue stress"),
    ("ankle_mobility_exercises", "joint_stress", "Improving ankle flexibility"),
    ("hip_strengthening_exercises", "stability", "Strengthening the hips"),
    ("hip_strengthening_exercises", "injury", "Strengthening the hips"),
    ("joint_stress", "osteoarthritis", "Over time, this can lead"),
]


@pytest.mark.parametrize("cause, effect, fragment", EXPECTED_LINKS)
def test_expected_causal_link_with_its_sentence(knowledge_db_url, cause, effect, fragment):
    found = [
        (c, e, rel, text)
        for c, e, rel, text in links(knowledge_db_url)
        if (c, e) == (cause, effect) and fragment in text
    ]
    assert found, f"no link {cause} -> {effect} from the sentence with {fragment!r}"
    assert all(rel for _, _, rel, _ in found)


def test_causal_links_are_stated_by_their_sentence(knowledge_db_url):
    """Both ends of every link are concepts mentioned in the sentence it came from (or, for a
    sentence opening with "This ..." or "As a result", in the previous sentence)."""
    rows = links(knowledge_db_url)
    by_text = passages_by_text(knowledge_db_url)
    assert len(rows) >= len(EXPECTED_LINKS)
    for cause, effect, _relation, text in rows:
        here = concepts_of(knowledge_db_url, text)
        assert effect in here, (cause, effect, text)
        if cause not in here:
            previous = [t for t, p in by_text.items() if p.position == by_text[text].position - 1]
            assert cause in concepts_of(knowledge_db_url, previous[0]), (cause, effect, text)


@pytest.fixture(scope="module")
def link_extractor():
    specs = load_vocabulary()
    matcher = ConceptMatcher(specs)
    kinds = {spec.name: spec.kind for spec in specs}

    def extract(text):
        doc = parse(text)
        sentences = list(doc.sents)
        mentions = matcher.find(doc)
        per_sentence = [[m for m in mentions if s.start <= m.start and m.end <= s.end] for s in sentences]
        return [
            (link.cause, link.relation, link.effect, link.sentence)
            for link in extract_links(sentences, per_sentence, kinds)
        ]

    return extract


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Tight calves often lead to compensatory movements.", [("ankle_stiffness", "leads to", "compensation", 0)]),
        ("Knee pain caused by stiff ankles is common.", [("ankle_stiffness", "causes", "pain", 0)]),
        ("If your hips are weak, your knees cave in.", [("hip_instability", "leads to", "maltracking", 0)]),
        (
            "Tight calves are common in runners. This often leads to compensatory movement at the knee.",
            [("ankle_stiffness", "leads to", "compensation", 1)],
        ),
        ("Clamshells reduce hip instability.", [("clamshells", "reduces", "hip_instability", 0)]),
        ("Weak hips do not cause meniscus tears.", []),  # negated
        ("Stiff ankles reduce knee pain.", []),  # only an exercise can reduce something
        ("Many people have knee pain. Running leads to fun.", []),  # no concept on one side
    ],
)
def test_causal_rules_are_generic(link_extractor, text, expected):
    assert link_extractor(text) == expected


def test_no_causal_links_from_meta_or_treatment_sentences(knowledge_db_url):
    texts = {text for *_, text in links(knowledge_db_url)}
    assert not any(t.startswith("Fortunately, addressing") for t in texts)
    assert not any(t.startswith("By addressing stiff ankles") for t in texts)


def test_rebuild_is_idempotent_and_deterministic(tmp_path, knowledge_db_url):
    url = f"sqlite:///{tmp_path / 'again.db'}"
    build(MAIN_SOURCES, url)
    first = dump(url)
    build(MAIN_SOURCES, url)  # over the existing database
    assert dump(url) == first
    assert dump(knowledge_db_url) == first  # and equal to a build elsewhere


def test_cli_builds_and_prints_a_summary(tmp_path, capsys):
    sources = tmp_path / "sources"
    shutil.copytree(MAIN_SOURCES, sources)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert build_main(["--sources", str(sources), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "1 document(s), 6 sections, 27 passages" in out


def test_default_db_url_reads_the_environment(monkeypatch):
    from knowledge.settings import DEFAULT_DB_PATH, default_db_url

    monkeypatch.delenv("KNOWLEDGE_DB_URL", raising=False)
    assert default_db_url() == f"sqlite:///{DEFAULT_DB_PATH}"
    monkeypatch.setenv("KNOWLEDGE_DB_URL", "postgresql://kb@localhost/kb")
    assert default_db_url() == "postgresql://kb@localhost/kb"


# --------------------------------------------------------------------------- portability


@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()])
def test_ddl_compiles_for_postgresql_and_sqlite(dialect):
    for table in Base.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        assert ddl.startswith("\nCREATE TABLE " + table.name)
        for index in table.indexes:
            assert "CREATE INDEX" in str(CreateIndex(index).compile(dialect=dialect))
    concepts = str(CreateTable(Concept.__table__).compile(dialect=postgresql.dialect()))
    assert "synonyms JSON NOT NULL" in concepts and "is_group BOOLEAN NOT NULL" in concepts


def test_expected_tables():
    assert set(Base.metadata.tables) == {
        "documents",
        "sections",
        "passages",
        "concepts",
        "passage_concepts",
        "causal_links",
    }


# --------------------------------------------------------------------------- vocabulary


def test_vocabulary_has_the_required_concepts():
    specs = {c.name: c for c in load_vocabulary()}
    required = {
        "joint": ["ankle", "knee", "hip", "pelvis"],
        "condition": ["pfps", "it_band_syndrome", "meniscus_tear", "ligament_strain", "osteoarthritis"],
        "mechanism": [
            "compensation",
            "maltracking",
            "pelvic_tilt",
            "ankle_stiffness",
            "hip_instability",
            "inflammation",
        ],
        "exercise": [
            "calf_stretches",
            "ankle_circles",
            "dorsiflexion_exercises",
            "glute_bridges",
            "lateral_leg_raises",
            "clamshells",
        ],
        "activity": ["walking", "running", "squatting", "stairs", "jumping", "changing_direction", "cycling", "sport"],
        "symptom": ["pain", "swelling", "stiffness", "instability"],
    }
    for kind, names in required.items():
        for name in names:
            assert specs[name].kind == kind, name
    for name in ("calf_stretches", "ankle_circles", "dorsiflexion_exercises"):
        assert specs[name].target == "ankle"
    for name in ("glute_bridges", "lateral_leg_raises", "clamshells"):
        assert specs[name].target == "hip"
    phrases = {name: {p.lower() for p in spec.phrases} for name, spec in specs.items()}
    assert {"runner's knee", "runners knee", "pain around the kneecap", "patellofemoral pain syndrome"} <= phrases[
        "pfps"
    ]
    assert {"itbs", "iliotibial band", "outside of knee pain"} <= phrases["it_band_syndrome"]
    assert {"acl", "mcl", "sprain"} <= phrases["ligament_strain"]
    assert {"arthritis", "wear and tear"} <= phrases["osteoarthritis"]
    assert {"knee caves in", "knee valgus", "misalignment"} <= phrases["maltracking"]
    assert {"hip drop"} <= phrases["pelvic_tilt"]
    assert {"dorsiflexion", "tight calves", "stiff ankle", "tight ankles"} <= phrases["ankle_stiffness"]
    assert {"weak hips", "weak glutes", "unstable hips", "wobbly hips"} <= phrases["hip_instability"]
    assert {"kneecap"} <= phrases["patella"]
    assert {"glute bridge"} <= phrases["glute_bridges"] and {"clam shells"} <= phrases["clamshells"]


@pytest.mark.parametrize(
    "entries, message",
    [
        ([{"name": "x", "kind": "organ"}], "kind 'organ'"),
        ([{"name": "x", "kind": "joint"}, {"name": "x", "kind": "joint"}], "defined twice"),
        ([{"name": "x", "kind": "exercise", "target": "elbow"}], "not a joint"),
        ([{"name": "x", "kind": "mechanism", "implied_by": [["y", "z"]]}], "implied_by"),
        ([{"name": "x", "kind": "activity", "broader": ["nothing"]}], "broader"),
        ([{"kind": "joint"}], "needs a name"),
    ],
)
def test_vocabulary_errors_name_the_problem(entries, message):
    with pytest.raises(VocabularyError, match=message):
        parse_concepts(entries)


def test_postgresql_build_matches_sqlite(knowledge_db_url, postgres_database):
    """Same rows on PostgreSQL as on SQLite, by URL change only (the tables are dropped first)."""
    url = postgres_database
    build(MAIN_SOURCES, url)
    assert dump(url) == dump(knowledge_db_url)
    from knowledge import KnowledgeBase

    assert KnowledgeBase(url).answer("runners knee") == KnowledgeBase(knowledge_db_url).answer("runners knee")
