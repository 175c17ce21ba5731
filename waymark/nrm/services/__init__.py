"""The competent authority's writes (docs/platform-contracts.md, "services/"): keyword-only, each
takes ``actor``, checks object-level permission, runs in one transaction and audits. Split by
sub-domain; re-exported here so callers write ``services.referral_create(...)``."""

# --- referrals, duty to notify, quality, case preparation, information requests ---------------


# --- decisions, specialist checks, safeguarding, duty line, disqualification, reconsideration,
# --- letters ------------------------------------------------------------------------------------

# --- dip sampling, ratings, trend reviews ------------------------------------------------------
from waymark.nrm.services.sampling import (
    dip_sample_draw as dip_sample_draw,
)
from waymark.nrm.services.sampling import (
    dip_sample_rederive as dip_sample_rederive,
)
from waymark.nrm.services.sampling import (
    quality_rate as quality_rate,
)
from waymark.nrm.services.sampling import (
    trend_review_record as trend_review_record,
)
