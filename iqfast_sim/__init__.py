"""The IQFast simulator: a stand-in for the certification system (never imported by the portal's runtime)."""
