"""Compliance profiling: ranking, profiles, rollups and guidance."""
