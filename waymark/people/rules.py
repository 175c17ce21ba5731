"""The people module's numbered rules, each in one named place (house style)."""

from __future__ import annotations

# Reference format: "WM-" and the primary key to seven digits, e.g. WM-0001234 (platform §1).
WAYMARK_REFERENCE_FORMAT = "WM-%07d"

# Fuzzy name search (platform §7: "person search ... with fuzzy name matching").
# A candidate whose Jaro-Winkler score is below this is not shown: at 0.80 single-letter typos,
# transpositions and spelling variants (Mohamed / Muhammad) pass and unrelated names do not.
NAME_MATCH_MIN_SCORE = 0.80
# Weight of the family name in a full-name score; the given name takes the rest.
NAME_MATCH_FAMILY_WEIGHT = 0.6
# A match on an alias counts very slightly less than the same match on the person's own name.
NAME_MATCH_ALIAS_PENALTY = 0.02
# How many candidate name rows are scored at most; lookups are indexed, so this bounds Python work.
NAME_SEARCH_CANDIDATE_LIMIT = 5000
# A plain name search reads the candidates before asking which the user may see; it scores every
# one when there are at most this many (x10's commonest names have about 7,000), else it reads
# them filtered, up to the limit above. Python scores 20,000 names in about 15 ms.
NAME_SEARCH_UNFILTERED_LIMIT = 20000
# How many of the ranked people are first checked against what the user may see (then four
# times as many each time, until a page of results is found): one indexed lookup each.
NAME_SEARCH_VISIBLE_BATCH = 100
# Length of the normalised prefix used to find candidates with a typo after the first letters.
NAME_PREFIX_LENGTH = 3

# Adding a person: how many possible duplicates each search (by reference, by name and date of
# birth) offers before a new record is made.
POSSIBLE_DUPLICATES_LIMIT = 10

# Plausibility when a person's details are typed in: nobody on record is older than this, so an
# earlier date of birth is a typing mistake (1 January 1890 was accepted before), and a name has at
# least one letter (in any script: "12345" is not a name).
PERSON_MAX_AGE_YEARS = 120

# A note appears on the timeline as its first characters, up to this many (with "..." when cut).
NOTE_SUMMARY_CHARACTERS = 120

# Bulk creation looks up existing references in chunks of this many values: SQLite allows at most
# 999 variables in one statement.
REFERENCE_LOOKUP_CHUNK = 900
