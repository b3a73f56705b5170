"""The NNC register (ISPM 13): recording, follow-up, search, exports, archive and import."""
