"""Roles as permission sets: one place that says what each kind of user may do.

Each role is a Django group kept in step with this table by ``accounts.services.roles_sync``
(run by ``migrate`` via a post-migrate hook and by the demo-data loader). Modules add their own
permissions to roles with ``register_role_permissions`` in their ``registrations.py``.

Team scoping: a role without ``people.view_any_person`` sees only people owned by, or with work in,
the user's own teams; without ``work.view_any_queue`` only their own teams' queues.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from waymark.accounts.models import Grade


@dataclass(frozen=True)
class Role:
    """A role and its permission set. Frozen, and its set a ``frozenset``: two roles built from
    the same base set (``CASEWORK``) can never share one mutable set again, which once let every
    permission registered for EM caseworkers leak to NRM decision makers (issue 14 item 3)."""

    key: str
    name: str
    description: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    demo_grade: str = Grade.EO
    demo_team: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "permissions", frozenset(self.permissions))


PERSON_READ = frozenset({"people.view_person"})
CASEWORK = PERSON_READ | frozenset(
    {
        "people.add_person",
        "people.change_person",
        "people.add_note",
        "work.view_task",
        "work.change_task",
        "work.add_task",
        "work.take_tasks",
        "correspondence.view_correspondenceitem",
        "correspondence.match_correspondence",
        "documents.view_document",
        "documents.add_document",
        "documents.generate_letter",
        "documents.record_service",
    }
)

ROLES: dict[str, Role] = {
    r.key: r
    for r in [
        Role(
            "case_owner",
            "Case owner (criminal casework)",
            "Owns non-detained FNO cases, sets reporting, reviews, clears barriers, progresses to removal",
            CASEWORK | {"people.change_ownership"},
            Grade.EO,
            "criminal-casework-croydon",
        ),
        Role(
            "em_caseworker",
            "EM Hub caseworker",
            "Arranges tag fitting, handles breaches, warning letters, reviews and challenges",
            CASEWORK,
            Grade.EO,
            "em-hub",
        ),
        Role(
            "reporting_centre",
            "Reporting centre officer",
            "Runs reporting events and commissioned interviews",
            PERSON_READ
            | {
                "people.add_note",
                "work.view_task",
                "work.change_task",
                "work.take_tasks",
                "documents.view_document",
                "documents.add_document",
            },
            Grade.AO,
            "reporting-centre-croydon",
        ),
        Role(
            "field_officer",
            "Field officer (IO)",
            "Records enforcement visits on a phone; encounters anyone, so searches nationally",
            PERSON_READ
            | {
                "people.view_any_person",
                "people.add_person",
                "people.add_note",
                "work.view_task",
                "work.change_task",
                "work.take_tasks",
                "documents.view_document",
                "documents.add_document",
            },
            Grade.EO,
            "ice-central-london",
        ),
        Role(
            "officer_in_charge",
            "Officer in charge (CIO)",
            "Leads visits, briefs officers, closes visits",
            PERSON_READ
            | {
                "people.view_any_person",
                "people.add_person",
                "people.add_note",
                "work.view_task",
                "work.change_task",
                "work.take_tasks",
                "documents.view_document",
                "documents.add_document",
            },
            Grade.HEO,
            "ice-central-london",
        ),
        Role(
            "authorising_officer",
            "Authorising officer (HMI/AD)",
            "Authorises visits at the level their grade allows",
            PERSON_READ
            | {
                "people.view_any_person",
                "work.view_task",
                "work.change_task",
                "work.view_workload",
                "documents.view_document",
            },
            Grade.G7,
            "ice-central-london",
        ),
        Role(
            "nrm_decision_maker",
            "Competent authority decision maker",
            "Decides modern-slavery referrals",
            CASEWORK,
            Grade.EO,
            "competent-authority",
        ),
        Role(
            "technical_specialist",
            "Technical specialist",
            "Second-pair-of-eyes checks on NRM decisions",
            CASEWORK | {"work.view_workload"},
            Grade.HEO,
            "competent-authority",
        ),
        Role(
            "removals",
            "Removals and detention gatekeeper",
            "Sets removal directions, records failed removals, accepts or rejects detention",
            CASEWORK | {"people.view_any_person"},
            Grade.HEO,
            "removals",
        ),
        Role(
            "assurance",
            "Assurance officer",
            "First- and second-line quality checks",
            PERSON_READ
            | {
                "people.view_any_person",
                "work.view_task",
                "work.view_any_queue",
                "documents.view_document",
                "core.view_access_history",
            },
            Grade.HEO,
            "assurance",
        ),
        Role(
            "line_manager",
            "Line manager",
            "Allocates work, reassigns, watches workload and backlogs",
            CASEWORK
            | {
                "people.view_any_person",
                "people.change_ownership",
                "work.allocate_tasks",
                "work.view_workload",
                "work.view_any_queue",
                "people.export_people",
            },
            Grade.SEO,
            "em-hub",
        ),
        Role(
            "performance_analyst",
            "Performance analyst",
            "Live management information; equality monitoring of outcomes",
            frozenset(
                {
                    "work.view_task",
                    "work.view_workload",
                    "work.view_any_queue",
                    "people.view_protected_characteristics",
                }
            ),
            Grade.HEO,
            "management-information",
        ),
        Role(
            "service_delivery",
            "Service delivery manager",
            "Supplier performance, issues log and risk register",
            frozenset({"work.view_task", "work.view_workload", "work.view_any_queue"}),
            Grade.SEO,
            "em-hub",
        ),
        Role(
            "data_protection",
            "Data protection officer",
            "Subject access requests, access investigations, audit verification",
            PERSON_READ
            | {
                "people.view_any_person",
                "people.view_restricted_person",
                "people.view_protected_characteristics",
                "core.view_access_history",
                "core.verify_audit",
                "documents.view_document",
            },
            Grade.SEO,
            "information-rights",
        ),
        Role(
            "records_manager",
            "Records and linkage manager",
            "Merges and unmerges records, resolves ownership",
            PERSON_READ
            | {
                "people.view_any_person",
                "people.change_person",
                "people.merge_person",
                "people.change_ownership",
                "people.add_note",
                "work.view_task",
                "work.change_task",
                "work.take_tasks",
            },
            Grade.HEO,
            "records",
        ),
        Role(
            "supplier",
            "Monitoring supplier (machine client)",
            "Sends breach notifications, fitting outcomes and service figures",
            frozenset(),
            Grade.AO,
            "",
        ),
        Role(
            "police_partner",
            "Police partner (external)",
            "Answers operational notification forms",
            frozenset(),
            Grade.AO,
            "",
        ),
        Role(
            "system_admin",
            "System administrator",
            "Manages users, teams, roles and machine clients",
            frozenset(
                {
                    "accounts.view_user",
                    "accounts.add_user",
                    "accounts.change_user",
                    "accounts.view_team",
                    "accounts.add_team",
                    "accounts.change_team",
                    "api.add_clientcredential",
                    "api.view_clientcredential",
                    "api.change_clientcredential",
                }
            ),
            Grade.SEO,
            "digital",
        ),
    ]
}


# Every registration made by a module, in order: (role key, permissions). The role-table test
# rebuilds each role's expected set from the table and these, independently of ROLES.
REGISTRATIONS: list[tuple[str, frozenset[str]]] = []
TABLE_PERMISSIONS: dict[str, frozenset[str]] = {
    key: role.permissions for key, role in ROLES.items()
}


def register_role_permissions(role_key: str, permissions: set[str] | frozenset[str]) -> None:
    """Let a module add its own permissions to a platform role (call from ``registrations.py``).
    The role gets a new set; no other role's set is touched."""
    added = frozenset(permissions)
    REGISTRATIONS.append((role_key, added))
    ROLES[role_key] = replace(ROLES[role_key], permissions=ROLES[role_key].permissions | added)


def register_role(role: Role) -> None:
    """Let a module add a role of its own."""
    if role.key in ROLES:
        raise ValueError(f"Role {role.key!r} already registered")
    ROLES[role.key] = role
    TABLE_PERMISSIONS[role.key] = role.permissions
