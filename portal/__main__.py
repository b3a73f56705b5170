"""`python -m portal` is the same as the `qcorner` command."""
from portal.cli.main import main

main()
