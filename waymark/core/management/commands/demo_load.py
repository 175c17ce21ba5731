"""Load deterministic demo data and print the demo users (``make run`` calls it with --if-empty)."""

from __future__ import annotations

import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from waymark.accounts.rules import demo_data_refused_reason
from waymark.core import clock
from waymark.demo.generator import DEFAULT_SEED, demo_load, demo_users_table
from waymark.people.models import Person


class Command(BaseCommand):
    help = "Load demo data (teams, demo users, people, timelines, tasks) at a chosen scale."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Multiple of the seeds' volumes (1 = 11,236 people)",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="Random seed (same seed, same data)"
        )
        parser.add_argument(
            "--anchor",
            default="",
            help="ISO date-time the history is generated back from (default: now)",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any person is already recorded"
        )
        parser.add_argument(
            "--no-correspondence",
            action="store_true",
            help="Skip the inbound correspondence examples",
        )
        parser.add_argument(
            "--users",
            action="store_true",
            help="Only print the demo users (make run prints them last, once the site answers)",
        )

    def handle(self, *args, **options):
        refused = demo_data_refused_reason()
        if refused:
            raise CommandError(refused)
        if options["scale"] <= 0:
            raise CommandError("--scale must be more than 0")
        if options["users"]:
            users = demo_users_table()
            self.stdout.write(self._users_table(users) if users else "No demo users yet.")
            return
        if options["if_empty"] and Person.objects.exists():
            self.stdout.write("Demo data not loaded: people are already recorded.")
            users = demo_users_table()
            if users:
                self.stdout.write(self._users_table(users))
            return
        anchor = None
        if options["anchor"]:
            anchor = datetime.fromisoformat(options["anchor"])
            if anchor.tzinfo is None:
                anchor = anchor.replace(tzinfo=clock.LONDON)
        started = time.monotonic()
        result = demo_load(
            scale=options["scale"],
            seed=options["seed"],
            anchor=anchor,
            progress=self.stdout.write,
            correspondence=not options["no_correspondence"],
        )
        elapsed = time.monotonic() - started
        counts = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {counts.get('person', 0):,} people, {counts.get('event', 0):,} timeline events, "
                f"{counts.get('task', 0):,} tasks, {counts.get('correspondence', 0):,} correspondence items "
                f"in {elapsed:.1f}s."
            )
        )
        self.stdout.write(self._users_table(result.users))

    @staticmethod
    def _users_table(users: list[dict[str, str]]) -> str:
        columns = ["username", "role", "grade", "team", "password"]
        widths = {c: max(len(c), *(len(u[c]) for u in users)) for c in columns}
        lines = [
            "",
            "Demo users (sign in at /accounts/sign-in/):",
            "  ".join(c.ljust(widths[c]) for c in columns),
            "  ".join("-" * widths[c] for c in columns),
        ]
        lines += ["  ".join(u[c].ljust(widths[c]) for c in columns) for u in users]
        return "\n".join(line.rstrip() for line in lines)
