"""The linkage engine: Splink 5 (Fellegi-Sunter) on DuckDB, with one pipeline configuration.

Everything here is pure: records in (the dicts of ``standardise.engine_record``), scores out. No
Django models, so the benchmark, the services and the Spark check share exactly this code.

- ``pipeline_settings()`` is the configuration (comparisons and blocking rules) every backend runs;
  ``model_train`` estimates its m and u probabilities without labels (random sampling for u,
  expectation maximisation for m), as a real migration must.
- ``pairs_predict`` / ``pairs_between`` score the blocked pairs and keep each comparison's
  contribution (label, Bayes factor, weight, the two values), so a caseworker sees why.
- ``clusters`` joins records linked at or above a threshold (connected components).
- ``Matcher`` scores one new record against a held population (intake, encounters,
  correspondence) with the same model.
"""

from __future__ import annotations

import logging
import random
import re
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

# Splink logs every step at INFO; the services record their own timings.
# Splink warns about levels a small training set never shows; the run's own report says more.
for _name in ("splink", "splink.internals"):
    logging.getLogger(_name).setLevel(logging.ERROR)

COLUMNS = [
    "unique_id",
    "source_kind",
    "given_std",
    "middle_std",
    "family_std",
    "given_phonetic",
    "family_phonetic",
    "dob",
    "birth_year",
    "sex",
    "nationality",
    "postcode_std",
    "postcode_district",
    "home_office_ref",
    "pnc_id",
]

# Which record fields each comparison shows side by side on the pair page.
COMPARISON_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("given_std", "family_std"),
    "dob": ("dob",),
    "home_office_ref": ("home_office_ref",),
    "pnc_id": ("pnc_id",),
    "nationality": ("nationality",),
    "postcode": ("postcode_std",),
    "sex": ("sex",),
}
COMPARISON_LABELS = {
    "name": "Name",
    "dob": "Date of birth",
    "home_office_ref": "Home Office reference",
    "pnc_id": "Police National Computer ID",
    "nationality": "Nationality",
    "postcode": "Postcode",
    "sex": "Sex",
}


class EngineError(Exception):
    """The engine could not run (no records, an untrainable model)."""


def _comparisons():
    """The comparisons, built from Splink's level creators so each backend renders its own SQL
    (DuckDB's ``jaro_winkler_similarity`` is Spark's ``jaro_winkler`` UDF, and so on)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def custom(sql: str, label: str, **options):
        return cll.CustomLevel(sql).configure(label_for_charts=label, **options)

    def both(level_given, level_family):
        return cll.And(level_given, level_family)

    name = cl.CustomComparison(
        output_column_name="name",
        comparison_description="Forename and surname",
        comparison_levels=[
            cll.And(cll.NullLevel("given_std"), cll.NullLevel("family_std")).configure(
                is_null_level=True, label_for_charts="Name missing"
            ),
            both(cll.ExactMatchLevel("given_std"), cll.ExactMatchLevel("family_std")).configure(
                label_for_charts="Forename and surname the same"
            ),
            cll.ColumnsReversedLevel("given_std", "family_std").configure(
                label_for_charts="Forename and surname swapped"
            ),
            both(
                cll.JaroWinklerLevel("given_std", 0.92), cll.JaroWinklerLevel("family_std", 0.92)
            ).configure(label_for_charts="Both names spelled nearly the same (typing error)"),
            both(
                cll.ExactMatchLevel("family_std"), cll.ExactMatchLevel("given_phonetic")
            ).configure(label_for_charts="Surname the same, forename sounds the same"),
            both(
                cll.ExactMatchLevel("given_std"), cll.ExactMatchLevel("family_phonetic")
            ).configure(label_for_charts="Forename the same, surname sounds the same"),
            both(
                cll.JaroWinklerLevel("given_std", 0.85), cll.JaroWinklerLevel("family_std", 0.85)
            ).configure(label_for_charts="Both names similar"),
            cll.ExactMatchLevel("family_std").configure(
                label_for_charts="Surname the same, forename different (an alias or a relative)"
            ),
            cll.ExactMatchLevel("given_std").configure(
                label_for_charts="Forename the same, surname different (an alias)"
            ),
            cll.ElseLevel().configure(label_for_charts="Names different"),
        ],
    )
    swapped = (
        "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
        "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)"
    )
    dob = cl.CustomComparison(
        output_column_name="dob",
        comparison_description="Date of birth",
        comparison_levels=[
            cll.NullLevel("dob").configure(label_for_charts="Date of birth missing"),
            cll.ExactMatchLevel("dob").configure(
                label_for_charts="Same date of birth",
                tf_adjustment_column="dob",
                tf_adjustment_weight=1.0,
            ),
            custom(swapped, "Day and month transposed"),
            cll.DamerauLevenshteinLevel("dob", 1).configure(
                label_for_charts="One digit different (typing error)"
            ),
            cll.ExactMatchLevel("birth_year").configure(label_for_charts="Same year of birth"),
            cll.ElseLevel().configure(label_for_charts="Dates of birth different"),
        ],
    )

    def exact(column: str, description: str, same: str, *, tf: bool = False, typo: bool = False):
        levels = [
            cll.NullLevel(column).configure(label_for_charts=f"{description} missing"),
            cll.ExactMatchLevel(column).configure(
                label_for_charts=same,
                **({"tf_adjustment_column": column, "tf_adjustment_weight": 1.0} if tf else {}),
            ),
        ]
        if typo:
            levels.append(
                cll.DamerauLevenshteinLevel(column, 1).configure(
                    label_for_charts="One character different (typing error)"
                )
            )
        levels.append(cll.ElseLevel().configure(label_for_charts=f"{description} different"))
        return cl.CustomComparison(
            output_column_name=column, comparison_description=description, comparison_levels=levels
        )

    postcode = cl.CustomComparison(
        output_column_name="postcode",
        comparison_description="Postcode",
        comparison_levels=[
            cll.NullLevel("postcode_std").configure(label_for_charts="Postcode missing"),
            cll.ExactMatchLevel("postcode_std").configure(label_for_charts="Same postcode"),
            cll.ExactMatchLevel("postcode_district").configure(
                label_for_charts="Same postcode district"
            ),
            cll.ElseLevel().configure(
                label_for_charts="Postcode different (a move or another person)"
            ),
        ],
    )
    return [
        name,
        dob,
        exact("home_office_ref", "Home Office reference", "Same Home Office reference", typo=True),
        exact(
            "pnc_id", "Police National Computer ID", "Same Police National Computer ID", typo=True
        ),
        exact("nationality", "Nationality", "Same nationality", tf=True),
        postcode,
        exact("sex", "Sex", "Same sex"),
    ]


# Blocking: only pairs that agree on one of these are compared. Each is an index-friendly
# equality, so comparisons stay near-linear in the number of records (docs/modules/linkage.md).
# Names alone are not a block: common names (thousands of MUHAMMAD KHANs in a national extract)
# would make the pairs grow with the square of the records, so names block with the year of birth.
BLOCKING_RULES: list[str] = [
    "l.home_office_ref = r.home_office_ref",
    "l.pnc_id = r.pnc_id",
    "l.family_phonetic = r.family_phonetic AND l.dob = r.dob",
    "l.given_phonetic = r.given_phonetic AND l.dob = r.dob",
    "l.family_std = r.family_std AND l.given_std = r.given_std AND l.birth_year = r.birth_year",
    "l.family_phonetic = r.given_phonetic AND l.given_phonetic = r.family_phonetic",
    "l.dob = r.dob AND l.postcode_std = r.postcode_std",
]
# Training: blocks for expectation maximisation (each leaves the blocked comparisons free to vary).
TRAINING_BLOCKS: list[str] = [
    "l.dob = r.dob AND l.nationality = r.nationality",
    "l.family_std = r.family_std AND l.given_std = r.given_std AND l.birth_year = r.birth_year",
    "l.home_office_ref = r.home_office_ref",
]
# The deterministic rule used to estimate the prior (the chance two random records match).
PRIOR_RULES = ["l.home_office_ref = r.home_office_ref AND l.dob = r.dob"]
PRIOR_RECALL = 0.7


def pipeline_settings(link_type: str = "dedupe_only"):
    """The one pipeline configuration (DuckDB here, Spark at national scale), as a Splink
    ``SettingsCreator``: ``.get_settings("spark")`` renders it for Spark."""
    from splink import SettingsCreator

    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        probability_two_random_records_match=1e-5,
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["source_kind"],
    )


def _table(records: Sequence[dict[str, Any]] | pa.Table) -> pa.Table:
    if isinstance(records, pa.Table):
        return records
    columns = {c: [r.get(c) or None for r in records] for c in COLUMNS}
    return pa.table({c: pa.array(v, type=pa.string()) for c, v in columns.items()})


def _settings_from_model(model: dict[str, Any] | None, link_type: str) -> dict[str, Any]:
    if not model:
        model = pipeline_settings(link_type).get_settings("duckdb").as_dict()
    settings = dict(model)
    settings["link_type"] = link_type
    settings["retain_matching_columns"] = True
    settings["retain_intermediate_calculation_columns"] = True
    settings["additional_columns_to_retain"] = ["source_kind"]
    settings["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": r} for r in BLOCKING_RULES
    ]
    return settings


@dataclass
class Session:
    """One DuckDB connection with Splink on it. ``threads`` caps DuckDB's threads."""

    threads: int | None = None
    memory_limit: str | None = None
    con: Any = field(init=False)
    db_api: Any = field(init=False)

    def __post_init__(self) -> None:
        from splink import DuckDBAPI

        self.con = duckdb.connect()
        # DuckDB spills to ./.tmp by default: keep spill files out of the working directory.
        self.con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/waymark-duckdb'")
        if self.threads:
            self.con.execute(f"SET threads = {int(self.threads)}")
        if self.memory_limit:
            self.con.execute(f"SET memory_limit = '{self.memory_limit}'")
        self.db_api = DuckDBAPI(connection=self.con)

    def close(self) -> None:
        self.con.close()


def _linker(session: Session, tables: list[pa.Table], settings: dict[str, Any]):
    from splink import Linker

    frames = [session.db_api.register(t) for t in tables]
    return Linker(frames[0] if len(frames) == 1 else frames, settings, log_level=logging.WARNING)


def model_train(
    records: Sequence[dict[str, Any]] | pa.Table,
    *,
    seed: int = 2026,
    max_pairs: float = 2e6,
    max_records: int | None = None,
    session: Session | None = None,
) -> dict[str, Any]:
    """Train m and u without labels: the prior from a deterministic rule, u from random pairs,
    m by expectation maximisation on a few blocks. Returns the Splink model as a dict.
    ``max_records`` trains on a seeded random sample of that many records (the parameters are
    proportions, which a sample of a few hundred thousand estimates as well as the whole)."""
    if max_records and not isinstance(records, pa.Table) and len(records) > max_records:
        records = random.Random(seed).sample(list(records), max_records)
    table = _table(records)
    if table.num_rows < 2:
        raise EngineError("At least two records are needed to train the linkage model")
    own = session is None
    session = session or Session()
    try:
        linker = _linker(session, [table], pipeline_settings())
        linker.training.estimate_probability_two_random_records_match(
            PRIOR_RULES, recall=PRIOR_RECALL
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        for block in TRAINING_BLOCKS:
            linker.training.estimate_parameters_using_expectation_maximisation(block)
        return linker.misc.save_model_to_json()
    finally:
        if own:
            session.close()


class PairScore:
    """One scored pair. ``contributions`` (per comparison: label, weight, Bayes factor, the two
    values) is read from the prediction table only when asked for: a national run scores millions
    of pairs and shows reasons for few."""

    __slots__ = (
        "_contributions",
        "_source",
        "guarded",
        "id_l",
        "id_r",
        "match_probability",
        "match_weight",
    )

    def __init__(
        self,
        id_l: str,
        id_r: str,
        match_probability: float,
        match_weight: float,
        contributions: list[dict[str, Any]] | None = None,
        source: tuple | None = None,
        guarded: bool = False,
    ) -> None:
        self.id_l, self.id_r = id_l, id_r
        self.match_probability, self.match_weight = match_probability, match_weight
        self.guarded = guarded
        self._contributions = contributions
        self._source = source

    @property
    def contributions(self) -> list[dict[str, Any]]:
        if self._contributions is None:
            if self._source is None:
                return []
            table, index, labels = self._source
            self._contributions = _contributions(table.slice(index, 1).to_pylist()[0], labels)
            self._source = None
        return self._contributions

    def swapped(self) -> PairScore:
        return PairScore(
            self.id_r,
            self.id_l,
            self.match_probability,
            self.match_weight,
            [{**c, "left": c["right"], "right": c["left"]} for c in self.contributions],
            guarded=self.guarded,
        )

    def __repr__(self) -> str:
        return f"PairScore({self.id_l!r}, {self.id_r!r}, {self.match_probability:.4f})"


def _contributions(
    row: dict[str, Any], level_labels: dict[str, dict[int, str]]
) -> list[dict[str, Any]]:
    out = []
    for name, fields in COMPARISON_FIELDS.items():
        gamma = row.get(f"gamma_{name}")
        weight = row.get(f"mw_{name}")
        if weight is None:
            continue
        weight = float(weight) + float(row.get(f"mw_tf_adj_{name}") or 0.0)
        out.append(
            {
                "field": name,
                "description": COMPARISON_LABELS[name],
                "label": level_labels.get(name, {}).get(
                    int(gamma) if gamma is not None else -1, ""
                ),
                "bayes_factor": 2.0**weight,
                "weight": weight,
                "left": " ".join(str(row.get(f"{f}_l") or "") for f in fields).strip(),
                "right": " ".join(str(row.get(f"{f}_r") or "") for f in fields).strip(),
            }
        )
    return out


def _level_labels(settings: dict[str, Any]) -> dict[str, dict[int, str]]:
    """gamma value -> label per comparison (Splink numbers levels from the top, null = -1)."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in settings["comparisons"]:
        levels = comparison["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        mapping = {
            -1: next(
                (lv["label_for_charts"] for lv in levels if lv.get("is_null_level")), "missing"
            )
        }
        for i, level in enumerate(non_null):
            mapping[len(non_null) - 1 - i] = level["label_for_charts"]
        labels[comparison["output_column_name"]] = mapping
    return labels


def _scores(frame, settings: dict[str, Any], *, with_contributions: bool = True) -> list[PairScore]:
    table = frame.as_pyarrow_table()
    labels = _level_labels(settings)
    ids_l = [str(v) for v in table.column("unique_id_l").to_pylist()]
    ids_r = [str(v) for v in table.column("unique_id_r").to_pylist()]
    probabilities = [float(v) for v in table.column("match_probability").to_pylist()]
    weights = [float(v) for v in table.column("match_weight").to_pylist()]
    guarded = _guarded(table)
    # DuckDB returns rows in no set order (threads): sort, so that a run is repeatable.
    order = sorted(range(len(ids_l)), key=lambda i: (-probabilities[i], ids_l[i], ids_r[i]))
    return [
        PairScore(
            ids_l[i],
            ids_r[i],
            probabilities[i],
            weights[i],
            source=(table, i, labels) if with_contributions else None,
            guarded=guarded[i],
        )
        for i in order
    ]


# Levels (gamma values, counted from the bottom non-null level at 0) that the twins guard reads.
_NAME_FORENAMES_DIFFER = {2, 0}  # "Surname the same, forename different" and "Names different"
_IDENTIFIER_SAME = 2  # "Same Home Office reference" / "Same Police National Computer ID"


def _guarded(table) -> list[bool]:
    """Pairs the model scores high that must still go to a person: the forenames differ and no
    identifier agrees. Twins and siblings share a surname, a date of birth, an address and a
    nationality, which the model (assuming the fields independent) adds up to near certainty;
    only the forename and their own references tell them apart (brief linkage.md §1)."""
    names = table.column("gamma_name").to_pylist()
    home_office = table.column("gamma_home_office_ref").to_pylist()
    pnc = table.column("gamma_pnc_id").to_pylist()
    return [
        n in _NAME_FORENAMES_DIFFER and h != _IDENTIFIER_SAME and p != _IDENTIFIER_SAME
        for n, h, p in zip(names, home_office, pnc, strict=True)
    ]


def linked(score: PairScore, threshold: float) -> bool:
    """Whether a pair is linked automatically: at or above the threshold and not guarded."""
    return score.match_probability >= threshold and not score.guarded


def pairs_predict(
    records: Sequence[dict[str, Any]] | pa.Table,
    model: dict[str, Any],
    *,
    threshold: float,
    session: Session | None = None,
    with_contributions: bool = True,
) -> list[PairScore]:
    """Score every blocked pair within ``records`` at or above ``threshold`` (dedupe)."""
    own = session is None
    session = session or Session()
    try:
        settings = _settings_from_model(model, "dedupe_only")
        linker = _linker(session, [_table(records)], settings)
        frame = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        return _scores(frame, settings, with_contributions=with_contributions)
    finally:
        if own:
            session.close()


def pairs_between(
    left: Sequence[dict[str, Any]] | pa.Table,
    right: Sequence[dict[str, Any]] | pa.Table,
    model: dict[str, Any],
    *,
    threshold: float,
    session: Session | None = None,
) -> list[PairScore]:
    """Score blocked pairs between ``left`` and ``right`` only (e.g. people against police records).
    ``id_l`` is always a left record, ``id_r`` a right one."""
    own = session is None
    session = session or Session()
    try:
        settings = _settings_from_model(model, "link_only")
        left_t, right_t = _table(left), _table(right)
        if not left_t.num_rows or not right_t.num_rows:
            return []
        linker = _linker(session, [left_t, right_t], settings)
        frame = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        left_ids = set(left_t.column("unique_id").to_pylist())
        out = []
        for score in _scores(frame, settings):
            out.append(score if score.id_l in left_ids else score.swapped())
        return out
    finally:
        if own:
            session.close()


def clusters(ids: Iterable[str], pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Connected components over the given links: unique_id -> cluster id (the smallest member id).
    Union-find in Python: linear, and the same answer as Splink's connected components."""
    parent: dict[str, str] = {i: i for i in ids}

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    return {i: find(i) for i in parent}


def splink_clusters(
    records: Sequence[dict[str, Any]] | pa.Table,
    model: dict[str, Any],
    *,
    threshold: float,
    session: Session | None = None,
) -> dict[str, str]:
    """Bare Splink: predict + Splink's own connected-components clustering (the benchmark's
    baseline, and a check that ``clusters`` agrees)."""
    own = session is None
    session = session or Session()
    try:
        settings = _settings_from_model(model, "dedupe_only")
        linker = _linker(session, [_table(records)], settings)
        frame = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
            frame, threshold_match_probability=threshold
        )
        table = clustered.as_pyarrow_table()
        return dict(
            zip(
                table.column("unique_id").to_pylist(),
                table.column("cluster_id").to_pylist(),
                strict=True,
            )
        )
    finally:
        if own:
            session.close()


_SAFE = re.compile(r"^[A-Za-z0-9_ .,'/-]*$")


class Matcher:
    """One new record against a population, with the trained model (incremental linking).

    The population sits in DuckDB once; a match looks up candidates by the blocking keys, then
    Splink scores only those pairs. Thread-safe: one lock around the connection."""

    def __init__(
        self,
        model: dict[str, Any],
        population: Sequence[dict[str, Any]] | pa.Table,
        *,
        threads: int | None = None,
    ) -> None:
        from splink import Linker

        self._lock = threading.Lock()
        self.session = Session(threads=threads)
        self.settings = _settings_from_model(model, "dedupe_only")
        table = _table(population)
        self.size = table.num_rows
        self.session.con.register("population_arrow", table)
        self.session.con.execute("CREATE TABLE population AS SELECT * FROM population_arrow")
        self.session.con.unregister("population_arrow")
        for column in ("home_office_ref", "pnc_id", "dob", "family_std"):
            self.session.con.execute(f"CREATE INDEX population_{column} ON population ({column})")
        # A linker over the population supplies the term frequencies the model adjusts by.
        self._linker = Linker(
            self.session.db_api.register("population"), self.settings, log_level=logging.WARNING
        )
        for column in ("dob", "nationality"):
            self._linker.table_management.compute_tf_table(column)
        tf_sql = {  # the two term-frequency columns the model adjusts by (fixed names, not input)
            "dob": "SELECT dob, count(*) / (SELECT count(*) FROM population WHERE dob IS NOT NULL) "
            "FROM population WHERE dob IS NOT NULL GROUP BY 1",
            "nationality": "SELECT nationality, count(*) / (SELECT count(*) FROM population WHERE nationality "
            "IS NOT NULL) FROM population WHERE nationality IS NOT NULL GROUP BY 1",
        }
        self._tf = {
            column: dict(self.session.con.execute(sql).fetchall()) for column, sql in tf_sql.items()
        }

    def _candidates(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        where, params = [], []
        for rule in BLOCKING_RULES:
            parts = [p.strip() for p in rule.split("AND")]
            clause, values = [], []
            for part in parts:
                left, right = (s.strip() for s in part.split("="))
                column_l = left.split(".", 1)[1]
                column_r = right.split(".", 1)[1]
                value = record.get(column_l)
                if not value:
                    break
                clause.append(f"{column_r} = ?")
                values.append(value)
            else:
                where.append("(" + " AND ".join(clause) + ")")
                params.extend(values)
        if not where:
            return []
        sql = f"SELECT * FROM population WHERE {' OR '.join(where)} LIMIT 500"  # noqa: S608 - columns are ours
        cursor = self.session.con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _with_tf(self, record: dict[str, Any]) -> dict[str, Any]:
        row = {c: (record.get(c) or None) for c in COLUMNS}
        for column, freqs in self._tf.items():
            row[f"tf_{column}"] = freqs.get(row[column]) if row[column] else None
        return row

    def match(
        self, record: dict[str, Any], *, limit: int = 5, threshold: float = 0.0
    ) -> list[PairScore]:
        with self._lock:
            candidates = [
                c for c in self._candidates(record) if c["unique_id"] != record.get("unique_id")
            ]
            if not candidates:
                return []
            left = [self._with_tf(record)] * len(candidates)
            right = [self._with_tf(c) for c in candidates]
            frame = self._linker.inference.score_pairs(left, right)
            scores = [s for s in _scores(frame, self.settings) if s.match_probability >= threshold]
        scores.sort(key=lambda s: -s.match_weight)
        return scores[:limit]

    def close(self) -> None:
        self.session.close()


def accuracy(
    predicted_links: Iterable[tuple[str, str]],
    truth: dict[str, Any],
    ids: Iterable[str] | None = None,
) -> dict[str, float]:
    """Pairwise precision, recall and F1 of links (after transitive closure, i.e. of the final
    clusters) against a truth of unique_id -> person key. Counts pairs without listing them."""
    ids = list(ids) if ids is not None else list(truth)
    found = clusters(ids, predicted_links)
    return clusters_accuracy(found, truth)


def _pairs_in(groups: dict[Any, int]) -> int:
    return sum(n * (n - 1) // 2 for n in groups.values())


def clusters_accuracy(found: dict[str, str], truth: dict[str, Any]) -> dict[str, float]:
    """Precision/recall/F1 over all record pairs implied by two clusterings."""
    from collections import Counter

    predicted = Counter(found.values())
    actual = Counter(truth[i] for i in found)
    both = Counter((found[i], truth[i]) for i in found)
    tp, pp, ap = _pairs_in(both), _pairs_in(predicted), _pairs_in(actual)
    precision = tp / pp if pp else 1.0
    recall = tp / ap if ap else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    exact = Counter()
    members: dict[str, set] = {}
    for i, c in found.items():
        members.setdefault(c, set()).add(truth[i])
    truth_sizes = Counter(truth[i] for i in found)
    for c, keys in members.items():
        if len(keys) == 1:
            key = next(iter(keys))
            if predicted[c] == truth_sizes[key]:
                exact["exact"] += 1
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_pairs": ap,
        "predicted_pairs": pp,
        "clusters": len(predicted),
        "true_people": len(actual),
        "clusters_exact": exact["exact"] / len(actual) if actual else 1.0,
    }


def pairwise_accuracy(
    scores: Iterable[tuple[str, str, float]],
    truth: dict[str, Any],
    *,
    threshold: float,
    ids: Iterable[str],
) -> dict[str, float]:
    """Precision/recall/F1 of the scored pairs at ``threshold`` themselves (before clustering):
    a true pair never scored (not blocked) counts as missed."""
    from collections import Counter

    tp = fp = 0
    for a, b, p in scores:
        if p >= threshold:
            if truth[a] == truth[b]:
                tp += 1
            else:
                fp += 1
    actual = _pairs_in(Counter(truth[i] for i in ids))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_pairs": actual,
        "predicted_pairs": tp + fp,
    }
