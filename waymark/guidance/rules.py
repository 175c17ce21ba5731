"""The guidance hub's numbered rules, one named place each (brief oversight.md §5)."""

from __future__ import annotations

# A published page is due for review a year after it was last reviewed (oversight.md §5: "effective
# date and review date"). Publishers can set a different date on the page.
REVIEW_INTERVAL_DAYS = 365

# Search: how many results a page of results shows, and how long a snippet is (a phone screen's
# worth, 003 §6.53-6.56: guidance must be findable on a phone in a few keystrokes).
SEARCH_RESULTS_LIMIT = 25
SNIPPET_CHARACTERS = 180
SEARCH_MAX_TERMS = 8

# Modules a guidance page can belong to (the hub is shared, oversight.md §5).
MODULES = {
    "operations": "Enforcement operations",
    "casework": "Criminal casework",
    "monitoring": "Monitoring",
    "platform": "Using Waymark",
}

PUBLISH_PERMISSION = "guidance.publish_guidance"
