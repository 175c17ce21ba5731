"""The guidance hub's numbered rules, one named place each (brief oversight.md §5)."""

from __future__ import annotations

from waymark.guidance.permissions import PUBLISH_GUIDANCE

# A published page is due for review a year after it was last reviewed (oversight.md §5: "effective
# date and review date"). Publishers can set a different date on the page.
REVIEW_INTERVAL_DAYS = 365

# The longest a page's text may be. Guidance is short and read on a phone (the seeded pages run to
# about 1,100 characters); without a limit a text of a couple of megabytes of distinct words
# overflowed PostgreSQL's search vector (at most 1 MB, "string is too long for tsvector"), which
# the search index computes on every write: the publish or revision failed.
BODY_MAX_CHARS = 20_000

# Search: how many results a page of results shows, and how long a snippet is (a phone screen's
# worth, 003 §6.53-6.56: guidance must be findable on a phone in a few keystrokes).
SEARCH_RESULTS_LIMIT = 25
SNIPPET_CHARACTERS = 180
SEARCH_MAX_TERMS = 8
# PostgreSQL's text-search configuration (stemming and stop words) for guidance search.
SEARCH_CONFIG = "english"

# Ranking: each search word scores by where it is found (the best place only), and the whole query
# found in a title outranks any number of single words, so the page named for the search comes
# first.
SEARCH_RANK_PHRASE_IN_TITLE = 1000
SEARCH_RANK_TITLE = 100
SEARCH_RANK_SUMMARY = 10
SEARCH_RANK_BODY = 1

# Modules a guidance page can belong to (the hub is shared, oversight.md §5).
MODULES = {
    "operations": "Enforcement operations",
    "casework": "Criminal casework",
    "monitoring": "Monitoring",
    "platform": "Using Waymark",
}

# Web addresses the hub's own pages take (``urls.py``: ``/guidance/new/``, ``search/``, ``links/``).
# A guidance page at one of them could never be opened (the hub's page answers instead), so
# publishing refuses them; ``tests/test_hostile_input.py`` holds this list to ``urls.py``.
RESERVED_SLUGS = frozenset({"new", "search", "links"})

# The permission to publish (``waymark.guidance.permissions``), under its old name.
PUBLISH_PERMISSION = PUBLISH_GUIDANCE
