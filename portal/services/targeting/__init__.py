"""Inspection targeting (DOMAIN: inspection targeting): keys, settings, decisions. See decisions.py."""
