"""The levels table, row by row against its sources (coaching/safety_sources.yml).

Every rule that cites a source must quote it word for word, from a section the
stored copy really has, and sit at that section's level, or say why not
(`why_level`). A rule without a citation must say it is the assistant's own
policy. Sources that could not be found are marked so and cited by no rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coaching.triage import load_red_flags

SOURCES = yaml.safe_load((Path(__file__).parent.parent / "coaching" / "safety_sources.yml").read_text("utf-8"))
RULES = load_red_flags().rules


def sections(source_id):
    return SOURCES["sources"][source_id].get("sections") or []


@pytest.mark.parametrize("rule", [r for r in RULES if r.cites], ids=lambda r: r.id)
def test_a_cited_rule_quotes_its_source_and_matches_its_level(rule):
    source = SOURCES["sources"].get(rule.cites.source)
    assert source and source.get("found") is True, f"{rule.id} cites {rule.cites.source}, which was not found"
    holding = [s for s in sections(rule.cites.source) if rule.cites.says in [" ".join(x.split()) for x in s["says"]]]
    assert holding, f"{rule.id}: {rule.cites.says!r} is not in {rule.cites.source}"
    levels = {s["action"] for s in holding}
    assert rule.level in levels or rule.cites.why_level, (
        f"{rule.id} is {rule.level} but {rule.cites.source} says {levels}; give why_level or follow the source"
    )


@pytest.mark.parametrize("rule", [r for r in RULES if not r.cites], ids=lambda r: r.id)
def test_an_uncited_rule_is_the_assistants_stated_policy(rule):
    assert rule.source.startswith("This assistant's policy"), rule.id


def test_the_urgent_rows_of_the_issue_are_all_cited():
    cited = {r.id for r in RULES if r.cites}
    for rule_id in (
        "calf_with_breathlessness",
        "chest_pain_or_severe_breathing",
        "deformity_after_injury",
        "cold_pale_foot",
        "faint_from_pain",
        "cannot_bear_weight",
        "severe_pain",
        "hot_red_swollen",
        "calf_signs",
        "locking_giving_way",
        "operated_knee_hot_swollen",
        "under_16",
    ):
        assert rule_id in cited, rule_id


def test_sources_not_found_say_what_was_searched_and_quote_nothing():
    for source_id, source in SOURCES["sources"].items():
        if source.get("found") is False:
            assert source.get("searched") and not source.get("sections"), source_id
