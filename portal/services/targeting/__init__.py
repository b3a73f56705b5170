"""Inspection targeting (DOMAIN: inspection targeting): keys, settings, decisions. See decisions.py."""
from portal.services.targeting.deciding import decide_new_applications, decision_for, decisions  # noqa: E402,F401
