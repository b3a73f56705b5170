"""The one company / handler picker: a drop-down that searches the synced registry as the officer types.

callbacks.common.register_picker_search fills its options (name or NPWP, at most 20 at a time).
"""
from __future__ import annotations

from dash import dcc

from portal.i18n import t


def dropdown_labels() -> dict:
    """The search drop-down's own words, in the reader's language."""
    return {"search": t("nnc.dropdown.search"), "no_options_found": t("nnc.dropdown.none"),
            "clear_search": t("nnc.dropdown.clear_search"), "clear_selection": t("nnc.dropdown.clear")}


def company_label(company: dict | None) -> str:
    """A company or handler as the search list shows it: name · NPWP · city."""
    if not company:
        return ""
    return " · ".join(part for part in (company["name"], company.get("tax_id"), company.get("city")) if part)


def company_option(company: dict) -> dict:
    """One drop-down choice for a company or handler."""
    return {"label": company_label(company), "value": company["id"]}


def company_picker(component_id: str, placeholder: str, **kwargs):
    """An empty search-as-you-type drop-down (options arrive while typing)."""
    return dcc.Dropdown(id=component_id, options=[], search_order="original", placeholder=placeholder,
                        className="qc-nnc-dropdown qc-picker", labels=dropdown_labels(), **kwargs)
