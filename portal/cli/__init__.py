"""The `qcorner` command (also `python -m portal`): one module per command group."""
