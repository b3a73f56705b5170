"""How the CLI reports input it refuses: the same translated messages the pages show (Indonesian by default)."""
from __future__ import annotations

import sys
from typing import NoReturn

import click

from portal.i18n import DEFAULT_LANGUAGE, t
from portal.validation import InvalidInput

# The exit status of a refused command line (click's own for a usage error).
REFUSED = 2


def refuse(error: InvalidInput, language: str = DEFAULT_LANGUAGE) -> NoReturn:
    """Print each field's message ("Kesalahan: to: …") on stderr and stop with status 2; nothing was written."""
    for field, message in error.messages(lambda key, **params: t(key, language, **params)).items():
        click.echo(t("cli.error", language, message=f"{field}: {message}"), err=True)
    sys.exit(REFUSED)
