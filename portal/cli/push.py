"""`qcorner push keys`: a VAPID key pair for Web Push (issue 20), printed as the settings' environment lines."""
from __future__ import annotations

import click

from portal.services import push as push_service


@click.group("push")
def push():
    """Web Push to the service users' devices."""


@push.command("keys")
@click.option("--subject", default="mailto:admin@example.invalid", show_default=True,
              help="the operator's mailto: address that push services may write to")
def keys(subject: str):
    """Print a new VAPID key pair as QCORNER_* lines for the station's environment (.env or the systemd unit).

    Keep the pair for good: a new pair makes every device subscribe again (their subscriptions name the old key).
    """
    pair = push_service.generate_keys()
    click.echo("QCORNER_PUSH_ENABLED=1")
    click.echo(f"QCORNER_VAPID_PUBLIC_KEY={pair['public']}")
    click.echo(f"QCORNER_VAPID_PRIVATE_KEY={pair['private']}")
    click.echo(f"QCORNER_VAPID_SUBJECT={subject}")
