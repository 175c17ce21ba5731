"""Files shaped the way the generator does not make them (issue 18): an outside extract with names,
dates of birth and addresses but no Home Office reference, nationality or PNC number, postcodes of
other countries, some dates of birth and forenames missing, and the usual typing errors. Rows go
through the importer's standardisation (``record_standardise_warned``) to engine records, with the
truth (unique_id -> person) beside them."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from waymark.linkage import standardise

FORENAMES = [
    "Adrian",
    "Agnieszka",
    "Aleksander",
    "Alina",
    "Andrea",
    "Anton",
    "Beatriz",
    "Bogdan",
    "Camille",
    "Carlos",
    "Chiara",
    "Cristina",
    "Daniela",
    "Darius",
    "Diego",
    "Dmitri",
    "Elif",
    "Emil",
    "Esra",
    "Fabio",
    "Farah",
    "Filip",
    "Giulia",
    "Hana",
    "Hugo",
    "Ilse",
    "Irina",
    "Ivan",
    "Jakub",
    "Jana",
    "Javier",
    "Joana",
    "Jonas",
    "Karim",
    "Katarzyna",
    "Kemal",
    "Lars",
    "Leila",
    "Lucia",
    "Luka",
    "Magda",
    "Marco",
    "Marek",
    "Maria",
    "Mateo",
    "Milan",
    "Mira",
    "Nadia",
    "Nikola",
    "Nils",
    "Olga",
    "Omar",
    "Paula",
    "Pavel",
    "Petra",
    "Rafael",
    "Rania",
    "Sara",
    "Selin",
    "Sergio",
    "Simona",
    "Sofia",
    "Stefan",
    "Tomas",
    "Ugo",
    "Vera",
    "Viktor",
    "Yara",
    "Youssef",
    "Zofia",
    "Zoran",
]
SURNAMES = [
    "Almeida",
    "Andersen",
    "Aydin",
    "Bauer",
    "Becker",
    "Bianchi",
    "Borg",
    "Costa",
    "Dimitrov",
    "Dubois",
    "Fernandes",
    "Ferrari",
    "Fischer",
    "Garcia",
    "Georgiou",
    "Hansen",
    "Horvat",
    "Ionescu",
    "Jansen",
    "Kaya",
    "Keller",
    "Kovacs",
    "Kowalczyk",
    "Lambert",
    "Larsen",
    "Lopez",
    "Marino",
    "Martin",
    "Meyer",
    "Moreau",
    "Morales",
    "Nielsen",
    "Novak",
    "Oliveira",
    "Papadopoulos",
    "Pereira",
    "Petrovic",
    "Popa",
    "Ricci",
    "Romero",
    "Rossi",
    "Ruiz",
    "Santos",
    "Schmidt",
    "Schneider",
    "Sorensen",
    "Stoica",
    "Szabo",
    "Toth",
    "Vasquez",
    "Vidal",
    "Wagner",
    "Weber",
    "Wojcik",
    "Yildiz",
    "Zielinski",
]
STREETS = [
    "Hauptstrasse",
    "Bahnhofstrasse",
    "Rue de la Paix",
    "Via Roma",
    "Calle Mayor",
    "Rua Augusta",
    "Kungsgatan",
    "Ulica Dluga",
    "Avenue Foch",
    "Piazza Navona",
    "Gran Via",
    "Vaci utca",
    "Strada Lipscani",
    "Rue Lepic",
    "Via Dante",
    "Schillerstrasse",
]
TOWNS = [
    ("Berlin", "101"),
    ("Paris", "750"),
    ("Roma", "001"),
    ("Madrid", "280"),
    ("Lisboa", "110"),
    ("Stockholm", "111"),
    ("Warszawa", "00-"),
    ("Budapest", "105"),
    ("Bucuresti", "030"),
    ("Wien", "101"),
]


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + letter + text[i:]
    if kind == 2:
        return text[:i] + letter + text[i + 1 :]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def _person(rng: random.Random) -> dict[str, Any]:
    town, prefix = rng.choice(TOWNS)
    number = rng.randint(1, 180)
    street = rng.choice(STREETS)
    return {
        "given": rng.choice(FORENAMES),
        "family": rng.choice(SURNAMES),
        "dob": date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55)),
        "street": street,
        "number": number,
        "town": town,
        "postcode": f"{prefix}{rng.randint(10, 99)}",
    }


def outside_rows(
    people: int = 150,
    *,
    seed: int = 18,
    missing_dob: float = 0.10,
    missing_given: float = 0.04,
    typo: float = 0.12,
    moved: float = 0.10,
    twins: float = 0.02,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Mapped rows (importer field -> value) of ``people`` people, one to four rows each, and the
    truth: source_ref -> person key."""
    rng = random.Random(seed)
    population = []
    for i in range(people):
        person = _person(rng)
        population.append((f"P{i}", person))
        if rng.random() < twins:  # a twin: same surname, birth date and address, another forename
            twin = dict(person, given=rng.choice([f for f in FORENAMES if f != person["given"]]))
            population.append((f"P{i}T", twin))
    rows, truth = [], {}
    for key, person in population:
        for n in range(rng.choice((1, 2, 2, 3, 3, 4))):
            given, family = person["given"], person["family"]
            if rng.random() < typo:
                given = _typo(rng, given)
            if rng.random() < typo:
                family = _typo(rng, family)
            if rng.random() < missing_given:
                given = ""
            dob = person["dob"]
            dob_text = dob.strftime("%d/%m/%Y")
            if rng.random() < typo / 3 and dob.day <= 12:
                dob_text = dob.strftime("%m/%d/%Y")  # day and month transposed
            if rng.random() < missing_dob:
                dob_text = ""
            address = f"{person['number']} {person['street']}, {person['town']}"
            postcode = person["postcode"]
            if rng.random() < moved:
                other = _person(rng)
                address = f"{other['number']} {other['street']}, {other['town']}"
                postcode = other["postcode"]
            elif rng.random() < typo:
                address = f"{person['number']} {_typo(rng, person['street'])}, {person['town']}"
            ref = f"X{key}-{n}"
            rows.append(
                {
                    "source_ref": ref,
                    "given_names": given,
                    "family_name": family.upper() if rng.random() < 0.5 else family,
                    "date_of_birth": dob_text,
                    "address": address,
                    "postcode": postcode.lower() if rng.random() < 0.3 else postcode,
                }
            )
            truth[ref] = key
    return rows, truth


def engine_records_of(
    rows: list[dict[str, Any]], truth: dict[str, str], *, drop: tuple[str, ...] = ()
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Engine records of mapped rows, through the importer's standardisation (``drop``: fields
    blanked in every row)."""
    records, by_id = [], {}
    for row in rows:
        mapped = {k: ("" if k in drop else v) for k, v in row.items()}
        std, _warnings = standardise.record_standardise_warned(mapped, source_kind="legacy_case")
        uid = f"legacy_case:{row['source_ref']}"
        records.append(standardise.engine_record(uid, "legacy_case", std))
        by_id[uid] = truth[row["source_ref"]]
    return records, by_id
