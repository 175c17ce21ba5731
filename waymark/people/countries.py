"""Nationalities as ISO 3166-1 alpha-3 codes (platform §1), with the ICAO codes for people
without a nationality that travel documents use (XXA stateless, XXB/XXC refugee, XXX unspecified)."""

from __future__ import annotations

from functools import lru_cache

import pycountry

NON_NATIONAL_CODES = {
    "XXA": "Stateless",
    "XXB": "Refugee (1951 Convention)",
    "XXC": "Refugee (other)",
    "XXX": "Unspecified nationality",
}


def country_name(code: str) -> str:
    """The country's common name, or the code itself if it is not known."""
    code = (code or "").strip().upper()
    if code in NON_NATIONAL_CODES:
        return NON_NATIONAL_CODES[code]
    country = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def is_valid_country(code: str) -> bool:
    code = (code or "").strip().upper()
    return code in NON_NATIONAL_CODES or (
        len(code) == 3 and pycountry.countries.get(alpha_3=code) is not None
    )


@lru_cache(maxsize=1)
def country_choices() -> tuple[tuple[str, str], ...]:
    """(code, name) pairs sorted by name, for select boxes."""
    pairs = [(c.alpha_3, getattr(c, "common_name", None) or c.name) for c in pycountry.countries]
    pairs += list(NON_NATIONAL_CODES.items())
    return tuple(sorted(pairs, key=lambda pair: pair[1]))
