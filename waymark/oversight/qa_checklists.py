"""The seeded quality-assurance checklists (issue 20 item 1): one per kind of work, each question
with guidance, a weight and coded failure reasons. ``services.qa.checklists_seed`` loads them as
version 1 (idempotent); a later version is a new ``Checklist`` row.

(kind key, title, [(code, area, text, guidance, weight, [(reason code, reason label), ...])])
"""

from __future__ import annotations

_NOT_GUIDANCE = ("not_in_line_with_guidance", "Not in line with guidance")
_NOT_RECORDED = ("not_recorded", "Not recorded")
_INCOMPLETE = ("incomplete", "Incomplete or unclear")

Question = tuple[str, str, str, str, int, list[tuple[str, str]]]

CHECKLISTS: list[tuple[str, str, list[Question]]] = [
    (
        "monitoring.em_review_decision",
        "EM review decision",
        [
            (
                "factors",
                "",
                "Were all the relevant factors considered?",
                "Vulnerability, medical evidence, Convention rights and the risk of harm or "
                "absconding.",
                3,
                [
                    ("factor_missed", "A relevant factor was not considered"),
                    ("vulnerability_missed", "Vulnerability not considered"),
                ],
            ),
            (
                "reasons",
                "",
                "Are the reasons for the outcome clear and recorded?",
                "A reader should see why EM continues, ends or varies.",
                2,
                [_INCOMPLETE, ("no_rationale", "No rationale for the outcome")],
            ),
            (
                "timely",
                "",
                "Was the review decided by its due date?",
                "Reviews fall due every three months.",
                1,
                [("late", "Decided late")],
            ),
            (
                "sign_off",
                "",
                "Was it signed off at the right grade?",
                "HEO sign-off where the outcome needs it.",
                1,
                [("wrong_grade", "Signed off below the required grade")],
            ),
        ],
    ),
    (
        "monitoring.breach_decision",
        "Breach decision",
        [
            (
                "mitigation",
                "",
                "Was the person's explanation weighed?",
                "The explanation and any evidence are considered before a decision.",
                3,
                [("explanation_ignored", "Explanation not weighed"), _INCOMPLETE],
            ),
            (
                "proportionate",
                "",
                "Is the response proportionate to the breach?",
                "The escalation ladder step fits the breach and the history.",
                2,
                [
                    ("disproportionate", "Response disproportionate"),
                    ("ladder_not_followed", "Escalation ladder not followed"),
                ],
            ),
            (
                "communicated",
                "",
                "Was the decision communicated to the person?",
                "Record when and how the decision was sent.",
                1,
                [_NOT_RECORDED],
            ),
        ],
    ),
    (
        "monitoring.representation_response",
        "Representation response",
        [
            (
                "addressed",
                "",
                "Does the response address every point raised?",
                "Each representation point answered.",
                3,
                [("point_missed", "A point was not answered")],
            ),
            (
                "lawful",
                "",
                "Is the outcome lawful and in line with guidance?",
                "Check the legal test and the guidance version in force.",
                3,
                [_NOT_GUIDANCE],
            ),
            (
                "in_time",
                "",
                "Was the response sent by its deadline?",
                "Representations have a set response time.",
                1,
                [("late", "Sent late")],
            ),
        ],
    ),
    (
        "casework.case_note",
        "Case note",
        [
            (
                "accurate",
                "",
                "Is the note accurate and factual?",
                "Facts, not opinion; sources named.",
                2,
                [("inaccurate", "Inaccurate"), ("opinion", "Opinion presented as fact")],
            ),
            (
                "actions",
                "",
                "Are next actions and owners recorded?",
                "Who does what next, and by when.",
                2,
                [("no_next_action", "No next action")],
            ),
            (
                "safeguarding",
                "",
                "Are safeguarding concerns flagged?",
                "Any vulnerability noted is referred or flagged.",
                3,
                [("concern_not_flagged", "Safeguarding concern not flagged")],
            ),
        ],
    ),
    (
        "nrm.decision",
        "NRM decision",
        [
            (
                "legal_test",
                "",
                "Was the right legal test applied?",
                "Reasonable grounds: 'suspect but cannot prove'; conclusive grounds: balance of "
                "probabilities.",
                3,
                [("wrong_test", "Wrong legal test")],
            ),
            (
                "evidence",
                "",
                "Was all the evidence considered?",
                "Every piece of evidence listed and weighed.",
                3,
                [("evidence_missed", "Evidence not considered")],
            ),
            (
                "rationale",
                "",
                "Does the rationale explain the outcome?",
                "A reader can follow the reasoning.",
                2,
                [("rationale_unclear", "Rationale does not explain the outcome")],
            ),
            (
                "letter",
                "",
                "Is the decision letter correct?",
                "Names, dates and the outcome match the decision.",
                1,
                [("letter_errors", "Errors in the letter")],
            ),
        ],
    ),
    (
        "operations.visit_record",
        "Visit record: the assurance team's five areas",
        [
            (
                "civil_penalty",
                "Civil penalty notice",
                "Was a referral notice or no action notice served in line with guidance?",
                "Illegal working civil penalty scheme.",
                2,
                [_NOT_GUIDANCE, _NOT_RECORDED],
            ),
            (
                "interviews",
                "Interviews",
                "Were all completed interviews recorded in line with guidance?",
                "Each interview recorded with its questions and answers.",
                2,
                [_NOT_GUIDANCE, _NOT_RECORDED],
            ),
            (
                "power_of_entry",
                "Power of entry",
                "Was the power of entry completed in line with guidance?",
                "The power used and its basis recorded.",
                3,
                [_NOT_GUIDANCE, _NOT_RECORDED],
            ),
            (
                "examinations",
                "Examinations",
                "Were all examinations recorded in line with guidance?",
                "Every person examined recorded.",
                2,
                [_NOT_GUIDANCE, _NOT_RECORDED],
            ),
            (
                "post_visit",
                "Post-visit actions",
                "Were post-visit actions completed in line with guidance?",
                "Debrief, seizures signed off, referrals made.",
                2,
                [_NOT_GUIDANCE, _INCOMPLETE],
            ),
        ],
    ),
    (
        "operations.visit_plan",
        "Visit planning",
        [
            (
                "mandatory_checks",
                "Planning",
                "Were the mandatory checks recorded?",
                "Every mandatory check done and recorded before deployment (003 chapter 1).",
                3,
                [_NOT_RECORDED],
            ),
            (
                "recce",
                "Planning",
                "Was the address reconnoitred adequately?",
                "A recce with photographs and access notes.",
                2,
                [("recce_missing", "No reconnaissance"), _INCOMPLETE],
            ),
            (
                "risk",
                "Planning",
                "Is the risk assessment complete?",
                "Risks identified with controls.",
                2,
                [_INCOMPLETE],
            ),
            (
                "authorised",
                "Planning",
                "Was the visit authorised at the right level?",
                "Authorisation current for the plan version deployed.",
                3,
                [("not_authorised", "Not properly authorised")],
            ),
        ],
    ),
]
