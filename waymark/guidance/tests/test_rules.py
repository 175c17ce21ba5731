"""The guidance hub's numbered rules: these tests fail if a number changes (change them together,
with a citation)."""

from waymark.guidance import rules


def test_review_interval_is_a_year():  # oversight.md §5
    assert rules.REVIEW_INTERVAL_DAYS == 365


def test_search_numbers_are_pinned():
    assert rules.SEARCH_RESULTS_LIMIT == 25
    assert rules.SNIPPET_CHARACTERS == 180
    assert rules.SEARCH_MAX_TERMS == 8


def test_search_ranking_weights_are_pinned():
    assert (
        rules.SEARCH_RANK_PHRASE_IN_TITLE,
        rules.SEARCH_RANK_TITLE,
        rules.SEARCH_RANK_SUMMARY,
        rules.SEARCH_RANK_BODY,
    ) == (1000, 100, 10, 1)


def test_publishing_needs_the_publish_permission():
    assert rules.PUBLISH_PERMISSION == "guidance.publish_guidance"


def test_the_text_limit_and_the_hub_s_own_addresses_are_pinned():
    assert rules.BODY_MAX_CHARS == 20_000
    assert sorted(rules.RESERVED_SLUGS) == ["links", "new", "search"]
