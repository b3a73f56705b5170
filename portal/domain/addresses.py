"""A company's address as people read it: the page's identity card and the dossier PDF write it the same way."""
from __future__ import annotations


def address_text(address: str | None, city: str | None) -> str:
    """An address with its city, unless the address already ends with it ("Jakarta Timur, Jakarta Timur")."""
    address, city = (address or "").strip(), (city or "").strip()
    if city and address.casefold().endswith(city.casefold()):
        city = ""
    return ", ".join(part for part in (address, city) if part) or "–"
