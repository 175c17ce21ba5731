"""The competent authority's reads, every one through the object-level rules in permissions.py.
Split by sub-domain and re-exported here."""

# --- referrals, duty to notify, quality, case preparation, information requests ---------------
# --- decisions, specialist checks, safeguarding, duty line, disqualification, reconsideration ----
from waymark.nrm.selectors.decisions import (
    advice_queue as advice_queue,
)
from waymark.nrm.selectors.decisions import (
    check_backlog as check_backlog,
)
from waymark.nrm.selectors.decisions import (
    decision_actions as decision_actions,
)
from waymark.nrm.selectors.decisions import (
    decisions_for_referral as decisions_for_referral,
)
from waymark.nrm.selectors.decisions import (
    pending_checks as pending_checks,
)
from waymark.nrm.selectors.decisions import (
    specialist_ratio as specialist_ratio,
)
from waymark.nrm.selectors.decisions import (
    superseded_negative_decisions as superseded_negative_decisions,
)
from waymark.nrm.selectors.referrals import (
    allocation_candidates,  # noqa: F401
    information_request_get_visible,  # noqa: F401
    quality_trends,  # noqa: F401
    referral_form_questions,  # noqa: F401
    referral_get_visible,  # noqa: F401
    referral_visible_queryset,  # noqa: F401
    referrals_for_person,  # noqa: F401
    referrals_of,  # noqa: F401
)


# --- queues, dip sampling, figures -------------------------------------------------------------
