"""Write a generated set of the four linkage sources (and its truth) to a folder."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from waymark.linkage import generator


class Command(BaseCommand):
    help = (
        "Generate test data for record linkage: legacy_cases.csv, casework.csv, one file per "
        "tracker, police.csv and truth.csv (which true person each row belongs to)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=int, required=True, help="Total rows over the four sources"
        )
        parser.add_argument("--out", required=True, help="Folder to write the files to")
        parser.add_argument("--seed", type=int, default=generator.DEFAULT_SEED)
        parser.add_argument(
            "--figure3",
            action="store_true",
            help="Ownership claims exactly as 001 Figure 3 (the demo)",
        )
        parser.add_argument(
            "--csv-trackers", action="store_true", help="Write the trackers as CSV instead of XLSX"
        )

    def handle(self, *args, scale, out, seed, figure3, csv_trackers, **options):
        started = time.perf_counter()
        try:
            gen = generator.generate(scale, seed=seed, figure3=figure3)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        written = generator.write_set(gen, out, xlsx_trackers=not csv_trackers)
        counts = gen.counts()
        self.stdout.write(
            f"Generated {sum(len(r) for r in gen.rows.values()):,} rows for "
            f"{counts['people']:,} true people (seed {seed}) in "
            f"{time.perf_counter() - started:.1f}s:"
        )
        self.stdout.write(f"  legacy_cases.csv         {counts['legacy_case']:>10,} rows")
        self.stdout.write(f"  casework.csv             {counts['casework']:>10,} rows")
        for label, rows in gen.trackers.items():
            name = f"tracker_{label}.{'csv' if csv_trackers else 'xlsx'}"
            self.stdout.write(f"  {name:<24} {len(rows):>10,} rows")
        self.stdout.write(f"  police.csv               {counts['police']:>10,} rows")
        self.stdout.write(f"  truth.csv                {len(gen.truth):>10,} rows")
        self.stdout.write(f"Files in {out}: {', '.join(sorted(written))}")
