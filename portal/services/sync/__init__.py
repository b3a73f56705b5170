"""The copy from IQFast: runs, the store, requests, status, and what follows a sync."""
