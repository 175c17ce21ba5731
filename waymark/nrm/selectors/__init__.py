"""The competent authority's reads, every one through the object-level rules in permissions.py.
Split by sub-domain and re-exported here."""

# --- referrals, duty to notify, quality, case preparation, information requests ---------------


# --- decisions, specialist checks, safeguarding, duty line, disqualification, reconsideration ----


# --- queues, dip sampling, figures -------------------------------------------------------------
