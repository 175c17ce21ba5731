"""The competent authority's reads, every one through the object-level rules in permissions.py.
Split by sub-domain and re-exported here."""

# --- referrals, duty to notify, quality, case preparation, information requests ---------------
from waymark.nrm.selectors.referrals import (
    quality_trends,  # noqa: F401
    referral_form_questions,  # noqa: F401
    referral_get_visible,  # noqa: F401
    referral_visible_queryset,  # noqa: F401
    referrals_for_person,  # noqa: F401
    referrals_of,  # noqa: F401
)


# --- decisions, specialist checks, safeguarding, duty line, disqualification, reconsideration ----


# --- queues, dip sampling, figures -------------------------------------------------------------
