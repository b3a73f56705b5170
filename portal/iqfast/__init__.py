"""Connectors to the certification system IQFast, and a simulator that stands in for it."""
