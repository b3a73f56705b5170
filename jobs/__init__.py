"""The scheduler process (``qcorner scheduler``) and its jobs: IQFast sync, reconciliation, and later more."""
