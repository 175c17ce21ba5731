"""The competent authority's writes (docs/platform-contracts.md, "services/"): keyword-only, each
takes ``actor``, checks object-level permission, runs in one transaction and audits. Split by
sub-domain; re-exported here so callers write ``services.referral_create(...)``."""

# --- referrals, duty to notify, quality, case preparation, information requests ---------------
# --- decisions, specialist checks, safeguarding, duty line, disqualification, reconsideration,
# --- letters ------------------------------------------------------------------------------------
from waymark.nrm.services.checks import (
    check_agree as check_agree,
)
from waymark.nrm.services.checks import (
    check_disagree as check_disagree,
)
from waymark.nrm.services.checks import (
    urgent_service_authorise as urgent_service_authorise,
)
from waymark.nrm.services.decisions import (
    decision_draft as decision_draft,
)
from waymark.nrm.services.decisions import (
    decision_revise as decision_revise,
)
from waymark.nrm.services.decisions import (
    decision_serve as decision_serve,
)
from waymark.nrm.services.decisions import (
    decision_sign_off as decision_sign_off,
)
from waymark.nrm.services.decisions import (
    guidance_in_force as guidance_in_force,
)
from waymark.nrm.services.decisions import (
    recovery_ended_sweep as recovery_ended_sweep,
)
from waymark.nrm.services.disqualification import (
    disqualification_assess as disqualification_assess,
)
from waymark.nrm.services.disqualification import (
    disqualification_decide as disqualification_decide,
)
from waymark.nrm.services.disqualification import (
    disqualification_notice_send as disqualification_notice_send,
)
from waymark.nrm.services.disqualification import (
    disqualification_response_record as disqualification_response_record,
)
from waymark.nrm.services.duty_to_notify import (
    duty_to_notify_record,  # noqa: F401
    referral_from_visit,  # noqa: F401
)
from waymark.nrm.services.letters import (
    decision_letter_generate as decision_letter_generate,
)
from waymark.nrm.services.letters import (
    minded_to_letter_generate as minded_to_letter_generate,
)
from waymark.nrm.services.letters import (
    reconsideration_letter_generate as reconsideration_letter_generate,
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
from waymark.nrm.services.reconsideration import (
    reconsideration_decide as reconsideration_decide,
)
from waymark.nrm.services.reconsideration import (
    reconsideration_offer as reconsideration_offer,
)
from waymark.nrm.services.reconsideration import (
    reconsideration_request as reconsideration_request,
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
from waymark.nrm.services.safeguarding import (
    duty_call_debrief as duty_call_debrief,
)
from waymark.nrm.services.safeguarding import (
    duty_call_follow_up as duty_call_follow_up,
)
from waymark.nrm.services.safeguarding import (
    duty_call_log as duty_call_log,
)
from waymark.nrm.services.safeguarding import (
    safeguarding_advice_give as safeguarding_advice_give,
)
from waymark.nrm.services.safeguarding import (
    safeguarding_advice_request as safeguarding_advice_request,
)

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
