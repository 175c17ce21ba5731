"""The competent authority's writes (docs/platform-contracts.md, "services/"): keyword-only, each
takes ``actor``, checks object-level permission, runs in one transaction and audits. Split by
sub-domain; re-exported here so callers write ``services.referral_create(...)``."""

# --- referrals, duty to notify, quality, case preparation, information requests ---------------
from waymark.nrm.services.duty_to_notify import (
    duty_to_notify_record,  # noqa: F401
    referral_from_visit,  # noqa: F401
)
from waymark.nrm.services.person_matching import (
    PersonMatchRequired,  # noqa: F401
    person_candidates,  # noqa: F401
)
from waymark.nrm.services.preparation import (
    information_request_answer,  # noqa: F401
    information_request_send,  # noqa: F401
    information_requests_sweep,  # noqa: F401
    preparation_open,  # noqa: F401
    preparation_record,  # noqa: F401
)
from waymark.nrm.services.referral_forms import (
    answers_validate,  # noqa: F401
    referral_form_current,  # noqa: F401
    referral_form_version_publish,  # noqa: F401
)
from waymark.nrm.services.referral_quality import (
    first_responder_training_record,  # noqa: F401
    quality_feedback_send,  # noqa: F401
    referral_quality_assess,  # noqa: F401
)
from waymark.nrm.services.referrals import (
    referral_allocate,  # noqa: F401
    referral_create,  # noqa: F401
    referral_withdraw,  # noqa: F401
)


# --- decisions, specialist checks, safeguarding, duty line, disqualification, reconsideration,
# --- letters ------------------------------------------------------------------------------------


# --- dip sampling, ratings, trend reviews ------------------------------------------------------
