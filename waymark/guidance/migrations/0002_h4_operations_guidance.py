"""Seed one guidance page per enforcement-operations step (brief operations.md §8), version 1.

Text drawn from the seed report 003 (ICIBI, An inspection of illegal working enforcement,
2023/24); each page cites its paragraphs. Constants are copied here: a migration must not import
app code.
"""

from datetime import UTC, datetime, timedelta

from django.db import migrations

PUBLISHED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
REVIEW_DUE_ON = (PUBLISHED_AT + timedelta(days=365)).date()
OWNER = "Immigration Enforcement operational guidance team"
CHANGE_NOTE = "First published: drawn from ICIBI report 003 and the operations brief"

# (step key, slug, title, summary, body)
PAGES = [
    (
        "operations.intelligence",
        "intelligence-packages",
        "Intelligence packages and tasking",
        "How an intelligence package is recorded, assessed and tasked by priority.",
        """Visits are intelligence-led and tasked by the priorities matrix and sector plan. Tasking is agreed at the National Tasking Board and reviewed at regional level; an initial risk assessment is made locally for each visit (003 §5.1).

Record for each package:
- the source and the date it was received
- the premises: address, business name and sector
- any named subjects
- a short summary of what is alleged

Accept the package, reject it with a reason, or mark it actioned once a visit is planned. The priority is worked out from the priority matrix and the sector plan, not typed in.

Check the premises history before planning: earlier visits and their debrief notes are shown on the planning page (003 §5.22, §5.25).""",
    ),
    (
        "operations.plan",
        "planning-a-visit",
        "Planning a visit",
        "What a planned visit records, and why the premises history matters.",
        """A visit records the owning team and region, its type (illegal working arrest visit, compliance visit, or joint operation with named partner agencies), the planned date and time, the premises and the subjects.

Read the premises history before you plan. Knowledge of premises used to live in officers' heads: in one visit the entrance had moved from the front to the rear since the last visit; in another the premises had been extended into the shop next door (003 §5.22, §5.25). Earlier visits to the same premises and their debrief notes are shown on the planning page.

The Enforcement Planning Assessment (EPA) is a continuous assessment: review it as near to the visit as practicable and whenever the plan changes (003 §5.2). An authorisation lapses if the date, premises, subjects or risk rating change.""",
    ),
    (
        "operations.risk_assessment",
        "enforcement-planning-assessment",
        "Enforcement planning assessment (risk rating)",
        "Green, amber or red: what each rating means, and recording risks and mitigations for every rating.",
        """Every visit needs a risk rating of green, amber or red before it can be authorised. In 2022-23, 449 of 3,796 operations had no clear rating at all (003 §5.27); Waymark will not let a visit be authorised without one.

- Green: business-as-usual, no quantifiable risk; standard operating protocols limit any known risks (003 §5.4).
- Amber: identifiable risks needing specific mitigation over and above standard protocols (003 §5.5).
- Red: a significant risk that cannot be mitigated to an acceptable level; proceed only with assistant director authorisation and a completed equality and community impact assessment (003 §5.6).

Record the identified risks and the mitigation for each, for every rating, green included. Guidance did not require this for green visits, which left the rigour of green assessments open to question (003 §5.8). Record who carried out the assessment (003 §5.7).""",
    ),
    (
        "operations.ecia",
        "equality-and-community-impact",
        "Equality and community impact assessment",
        "Consider community impact for every visit; a red visit needs a completed ECIA.",
        """Consider community impact, vulnerabilities and equality duties (including the potential for discrimination and safeguarding issues), deployment issues and reputational risks as part of every plan (003 §5.23).

A red-rated visit cannot be authorised until an Equality and Community Impact Assessment (ECIA) is completed (003 §5.6, §5.24).

The report found community impact considered but recorded only sporadically, and few red ratings meant almost no formal ECIAs (003 §1.4, §5.26). Record community impact for every visit, not just red ones (003 recommendation 1). Use what the police tell you on the operational notification form about community tensions (003 §5.15, §5.19, §5.25).""",
    ),
    (
        "operations.plan_assessment",
        "plan-assessment",
        "PLAN assessment",
        "Proportionate, legal, accountable, necessary: a rationale for each, authorised at the rating's level.",
        """Officers preparing and authorising a visit must consider whether it is proportionate, legal, accountable and necessary (PLAN) (003 §5.9).

Write a rationale for each of the four letters:
- Proportionate: is the size and type of visit proportionate to the intelligence? (Think about team size for small premises, 003 §6.21.)
- Legal: which power of entry will be used, and why it applies.
- Accountable: who planned it and who authorises it.
- Necessary: why a visit is needed rather than another approach.

The PLAN assessment is authorised at the same grade as the risk rating requires (003 §5.9).""",
    ),
    (
        "operations.authorise",
        "authorising-a-visit",
        "Authorising a visit: who may authorise",
        "Authorisation levels by risk rating: green HEO, amber SEO, red G7 with an ECIA.",
        """The authorising officer's grade must match the risk rating (003 §5.4-5.6):
- Green: a chief immigration officer (Higher Executive Officer) or above.
- Amber: an HM inspector (Senior Executive Officer) or above.
- Red: an assistant director (Grade 7) or above, and only with a completed equality and community impact assessment.

Before authorising, be satisfied that the assessment follows guidance and is detailed enough, and that mitigation for identified risks has been considered (003 §5.7). The system records who authorised and when.

An authorisation lapses if the plan changes materially: the date, the premises, the subjects or the risk rating. The visit must then be authorised again.""",
    ),
    (
        "operations.checks",
        "mandatory-checks",
        "Mandatory checks before a visit",
        "The checks every visit needs, who ran them, and the final status check within 24 hours.",
        """Before a visit, run and record these checks as a minimum (003 §5.13):
- the casework database (CID or Atlas) for each named subject, and for the postcode
- visa application records (CRS) for each named subject
- the police national computer (PNC) for each named subject
- the notebook's own previous visits to the premises

Each check records who ran it, when and the result: no trace, trace found, or warning marker found.

A final status check must be done within 24 hours before the visit. The report found this was not universal (003 §5.14). A visit cannot be deployed with a check missing.""",
    ),
    (
        "operations.notification",
        "operational-notification-form",
        "Operational notification form (ONF) to the police",
        "Send at least 3 days before; police have 72 hours; valid one calendar month; signed and complete.",
        """Send the operational notification form (ONF) to the local police force no fewer than 3 days before the visit. The police have 72 hours to do their checks and return it. A returned form is valid for one calendar month (003 §5.15). (The Metropolitan Police has other arrangements.)

A returned form counts only if it is signed and complete. The report found unsigned and incomplete forms being accepted (003 §1.2, §5.18).

If the form has not come back in time, the visit may proceed only after a recorded phone check with the local police intelligence unit: who you spoke to, when, any warning markers on subjects or addresses, and any community tensions (003 §5.16).

"Implied consent" (assuming no reply means no issues) is not an option: it is not in the guidance and not in the system (003 §5.17). Police can answer through the partner page.""",
    ),
    (
        "operations.reconnaissance",
        "reconnaissance",
        "Reconnaissance",
        "Virtual, walk-by or drive-past; imagery dates; RIPA for physical recces; what to record.",
        """Reconnaissance must be done for all operational arrest visits (003 §5.20). It can be virtual (map or street imagery), a walk-by or a drive-past.

For a virtual recce, record the date of the imagery. Imagery older than 365 days is flagged as out of date. Street imagery may not be current: in one visit the entrance had moved to the rear since 2018 but Street View still showed it at the front (003 §5.21-5.22).

For a walk-by or drive-past, record whether authorisation under the Regulation of Investigatory Powers Act 2000 (RIPA) was considered and why; it must be considered if the activity is covert and likely to obtain private information (003 §5.21).

Record the findings: the number of occupants, entry and exit points, and any changes since the last visit (003 §5.20).""",
    ),
    (
        "operations.command",
        "command-structure",
        "Command structure: officer in charge and gold, silver, bronze",
        "One officer in charge, arrest-trained, immigration officer grade or above; named gold, silver, bronze.",
        """Every visit needs a single officer in charge (OIC) and named gold (strategic), silver (tactical) and bronze (operational) commanders. The bronze commander is usually the OIC and must be an arrest-trained officer of at least immigration officer (Executive Officer) grade (003 §6.1).

The OIC makes sure that: risk assessment is complete; the authorisations are in place and still valid; information is current; the local police have been notified; equipment is available and working; the gold, silver, bronze structure is in place for any critical incident; the operational order is circulated; and roles are allocated (003 §6.2).""",
    ),
    (
        "operations.order",
        "operational-order",
        "Operational order: IIMARCH or digital order",
        "Amber and red visits need a full IIMARCH order; green visits a digital order.",
        """Amber and red visits need a full operational order in the IIMARCH structure (003 §5.10, §6.3):
- Information
- Intention
- Method
- Administration
- Risk assessment
- Communications
- Human rights and other legal issues

Green visits use the digital order, covering (003 §6.4):
- an overview of the intelligence
- the address and a link to the map
- the power of entry
- the subjects, with the immigration offence and a photograph
- roles and the authorisation""",
    ),
    (
        "operations.briefing",
        "briefing-acceptance",
        "Briefing and briefing acceptance",
        "Every assigned officer must read, understand and accept the briefing before deployment.",
        """The OIC sends the briefing to every officer assigned to the visit. Each officer must record that they have read, understood and accepted it (003 §6.5). Supplement it with a verbal briefing on the day, covering any salient risks; best practice is to brief immediately before the operation (003 §6.3, §6.5).

The report found briefings not always accepted, which matters if an officer is unaware of safety or critical incident procedures (003 §1.6, §6.7). A visit cannot be deployed until every assigned officer has accepted; the OIC can see who has not.

Brief where members of the public cannot overhear, and remind officers about safeguarding and vulnerability (003 §6.6).""",
    ),
    (
        "operations.deploy",
        "deploying-a-visit",
        "Deploying a visit",
        "What must be in place before a visit is deployed: the readiness checklist.",
        """A visit can be deployed only when every step on the readiness checklist is done (003 §6.2):
- a risk rating with risks and mitigations, and a PLAN assessment
- a valid authorisation at the right grade (and an ECIA for red)
- all mandatory checks, with the final status check within 24 hours before the visit
- a signed, complete ONF returned in time, or a recorded phone check with the police intelligence unit
- reconnaissance recorded
- an officer in charge and gold, silver, bronze commanders
- an operational order of the right kind
- every assigned officer has accepted the briefing

Use a proportionate number of officers for the premises (003 §6.21).""",
    ),
    (
        "operations.arrival",
        "arrival-and-departure",
        "Arriving and departing: who is where",
        "Mark yourself arrived and departed; every entry is time-stamped and geotagged.",
        """Mark yourself arrived when you reach the premises and departed when you leave. Each entry is stamped with the time and, from your phone, your location (003 §6.32).

This lets the OIC, and a manager watching remotely, account for the whereabouts of every officer at any time (003 §6.32). The visit cannot be closed until every officer has marked themselves departed (003 §6.33).

If the signal drops, keep recording: the entry keeps the time you made it and is sent when the signal returns.""",
    ),
    (
        "operations.entry",
        "power-of-entry",
        "Power of entry and informed consent",
        "Record the power used: informed consent, Licensing Act s179, warrant, or AD letter (s28CA).",
        """Record the power used to enter, or that entry was not achieved (003 §6.39-6.42, Figure 6):
- Informed consent: the owner or manager is told that immigration officers would like to enter and gives permission. Record who gave consent, their role, and that they were told they could refuse.
- Section 179 Licensing Act 2003: only for a licensable area of licensed premises.
- Warrant: record the reference and the issuing court (magistrate in England and Wales, sheriff in Scotland), under paragraph 17(2) of schedule 2 to the Immigration Act 1971.
- Assistant director's letter under section 28CA Immigration Act 1971.

Suggested wording for informed consent: "We are immigration officers. We would like to come in to check the right to work of people working here. You do not have to agree; you can refuse. Do you agree to let us in?"

Second-line assurance found officers apparently entering on informed consent without gaining consent, and powers mis-recorded. Powers of entry are coercive: use and record them accurately (003 §6.41-6.42, recommendation 3).""",
    ),
    (
        "operations.encounter",
        "encounters",
        "Encounters: checking a person",
        "Record identity, nationality, checks made, the result and, for offenders, the action.",
        """For each person checked, record:
- the identity given and nationality
- the checks made: biometric, status look-up, PNC
- the result: British or Irish citizen (released), right to work confirmed (released), or immigration offender
- for an offender, the action: arrested (with the offence), papers served, detention requested, or referred

Link the encounter to the person's record in Waymark (or create one). This connects the arrest to the eventual case outcome, which the report found was not happening (003 §6.36, §7.23).

Let people with the right to work get back to work quickly, and speak to people where they cannot be overheard (003 §6.19-6.20). Biometric checks need a signal; if there is none, record the check when it is made (003 §6.11).""",
    ),
    (
        "operations.interview",
        "interviews",
        "Interviews",
        "Use the pre-defined questions and add your own; save useful questions for reuse.",
        """Use the pre-defined questions as a guide, and add your own questions where the situation needs them. Officers found it hard to record questions that departed from the fixed list (003 §1.12).

A question you add can be saved to your list for reuse, and removed later (003 §1.12, note 4).

Use an interpreter where needed (live telephone interpretation worked well, 003 §6.18), and interview people away from others where you can (003 §6.19).""",
    ),
    (
        "operations.seizure",
        "searches-and-seizures",
        "Searches and seizures: exhibit and sealed-bag numbers",
        "Every seized item needs an exhibit number and a sealed-bag number, and a signed-off property record.",
        """Record what was searched and under which power.

For every item seized, record:
- an exhibit number (mandatory)
- the number of the sealed bag it is placed in (mandatory)
- a property record, signed off

Seal the bag before it is transported. The report found personal property seized as evidence stored and carried in unsealed exhibit bags and not formally recorded, leaving officers open to allegations of theft (003 §1.11, §6.41). An entry without both numbers cannot be saved.""",
    ),
    (
        "operations.safeguarding",
        "safeguarding",
        "Safeguarding: vulnerability, NRM and children",
        "Record vulnerability, modern-slavery (NRM) and social services referrals, and section 55 issues.",
        """Record any:
- vulnerability identified
- modern-slavery referral to the National Referral Mechanism (NRM), made through the online form (003 §6.46)
- social services referral
- children's welfare issues (section 55 Borders, Citizenship and Immigration Act 2009)

Follow the person-centred approach: identify the risk, choose the response, make the referrals, keep a full record, and let it be reviewed (003 §6.50). Safeguarding Champions and the IE National Safeguarding Engagement and Co-ordination Team can advise (003 §6.48-6.49).

In 2022-23 IE made 24 NRM referrals from illegal working visits (003 §6.52).""",
    ),
    (
        "operations.employer_sanction",
        "employer-sanctions",
        "Employer sanctions and referrals",
        "Civil penalty referral notice or no-action notice; licensing review and closure notice referrals.",
        """Where an employer has employed someone without the right to work, serve a civil penalty referral notice; where there is no case to answer, a no-action notice. The civil penalty is levied where the employer did not do the required right-to-work checks and has no statutory excuse (003 §3.6, notes 10-11).

Record any referral for a licensing review or a closure notice. Local authorities said licensing reviews could be used more, and were unsure who takes referrals forward (003 §5.34-5.35, note 18).

Record how the employer kept right-to-work records: it goes in the debrief.""",
    ),
    (
        "operations.engagement",
        "engagement-4es",
        "Engagement: the 4Es",
        "Engage, encourage, enable, enforce: record advice given and leaflets handed out.",
        """The illegal working strategy's 4Es model is engage, encourage, enable and enforce; three of the four are about preventing illegal working (003 §3.7-3.8).

Record advice given and leaflets handed out: for example, reminding an employer of their duty to check the right to work, or pointing someone whose application is delayed to official sources such as their MP or Citizens Advice (003 §6.44-6.45).

These entries count towards the measures of engagement (003 §7.19).""",
    ),
    (
        "operations.critical_incident",
        "critical-incidents",
        "Critical incidents",
        "Declared by the officer in charge: time, reason, help requested, and a timeline of actions.",
        """A critical incident is any incident whose outcome is likely to result in serious harm to any person, the community, public confidence or business, or that needs special arrangements and professional incident management to respond (003 note 3).

Only the officer in charge declares one. Record the time, the reason and the help requested (for example police assistance). Then record each action as it happens, so there is a timeline for post-incident analysis (003 §6.23-6.28).

Example: a protest grew to over 30 people around the officers' vehicles in a cul-de-sac; the OIC declared a critical incident and called for police assistance (003 §6.23-6.25). Six critical incidents were declared in about 4,000 operations (003 §1.9, §6.29).""",
    ),
    (
        "operations.offline",
        "working-offline",
        "Working without a signal",
        "The field pages keep working offline; entries keep their time and are sent once, without duplicates.",
        """Phone signal is often poor on visits (003 §1.14, §6.11). The field pages keep working when the signal drops.

Entries you make offline are kept on the phone with the time you made them and your location, and sent when the signal returns. Each entry has its own identifier made on the phone, so sending it again never creates a duplicate.

Queued entries can still be sent up to 7 days after the visit was deployed. Do not clear your browser data until the page shows nothing waiting to send.""",
    ),
    (
        "operations.debrief",
        "structured-debrief",
        "Structured debrief",
        "The sections every debrief must cover; a five-word debrief cannot be submitted.",
        """Debrief as a team, ideally the same day: each member says what went well and what could be improved. The OIC then records the debrief (003 §7.1).

A debrief must cover every section (003 §7.3-7.7, recommendation 5):
- resources deployed
- activity undertaken
- people encountered and outcomes
- how accurate the intelligence was
- premises information for future visits (entrances, exits, layout, changes)
- onward referrals
- what went well
- what to improve
- how the employer kept right-to-work records

A typical debrief found by the inspectors read, in its entirety, "X2 staff encountered, both cleared" (003 §7.4). A debrief missing required sections, or shorter than 40 words in all, cannot be submitted or is flagged. What you record about the premises is shown to whoever plans the next visit there (003 §7.3).""",
    ),
    (
        "operations.closure",
        "closing-a-visit",
        "Closing a visit",
        "The officer in charge closes the visit within 48 hours, once every officer has departed and every form is complete.",
        """Once a visit has taken place, whether or not entry was achieved, the officer in charge must close it. Before closing, make sure every officer has completed all relevant forms and marked themselves departed (003 §6.33).

Close visits at the earliest opportunity and no later than 48 hours after they took place (003 §6.33). Visits not closed in time are flagged as overdue.""",
    ),
    (
        "operations.measures",
        "measures-of-effect",
        "Measures of effort and effect",
        "What the operations measures show, where the figures come from, and the objectives' RAG status.",
        """The measures are calculated live from the records made in the field, so they are only as good as the recording (003 §6.37).

They show: visits by team, sector and risk rating (including visits with no rating, 003 §5.27); intended power of entry (003 Figure 6); encounters and arrests by nationality (003 Figure 5); the share of joint operations (15% nationally, 003 §6.62); civil penalty, licensing and closure referrals; NRM and social services referrals; critical incidents; intelligence accuracy from debriefs; briefing acceptance; and time to closure.

Through the person record they also show what happened afterwards to the people arrested (removed, returned, released): the link the report found missing (003 §7.22-7.23).

Objectives and their measures are configurable, with targets and red, amber or green status (003 recommendation 6, Figure 8).""",
    ),
]


def seed(apps, schema_editor):
    GuidancePage = apps.get_model("guidance", "GuidancePage")
    GuidanceVersion = apps.get_model("guidance", "GuidanceVersion")
    for step_key, slug, title, summary, body in PAGES:
        if GuidancePage.objects.filter(slug=slug).exists():
            continue
        page = GuidancePage.objects.create(
            slug=slug,
            title=title,
            module="operations",
            step_key=step_key,
            summary=summary,
            body=body,
            version=1,
            published_at=PUBLISHED_AT,
            owner_team=OWNER,
            review_due_on=REVIEW_DUE_ON,
        )
        GuidanceVersion.objects.create(
            page=page,
            version=1,
            title=title,
            summary=summary,
            body=body,
            change_note=CHANGE_NOTE,
            published_at=PUBLISHED_AT,
        )


def unseed(apps, schema_editor):
    GuidancePage = apps.get_model("guidance", "GuidancePage")
    GuidancePage.objects.filter(slug__in=[p[1] for p in PAGES], version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("guidance", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
