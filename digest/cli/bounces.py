"""`digest bounces`: read bounce and complaint reports that arrived after a send."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digest.cli.app import command
from digest.cli.options import ConfigOpt
from digest.errors import ConfigError
from digest.runtime import Runtime
from digest.subscribers import SubscriberStore


@command("digest bounces ~/Maildir/.Bounces")
def bounces(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="An mbox file, a maildir, a folder of .eml files or one .eml file (default: the IMAP folder "
            "in [bounces] imap)."
        ),
    ] = None,
    imap: Annotated[
        bool,
        typer.Option(
            "--imap", help="Read the unseen messages of the IMAP folder in [bounces] imap (the default without a path)."
        ),
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Suppress the addresses that bounced or complained: hard bounces and complaints at once, soft
    bounces after [bounces] soft_limit issues in a row. Messages that are no bounce are counted and left."""
    settings = Runtime.resolve({}, config_path=config).settings
    store = SubscriberStore.in_state_dir(settings.build.state_dir)
    if path is not None and imap:
        raise ConfigError("give a file or folder, or --imap, not both")
    if path is None:
        from digest.bounces_imap import (
            PASSWORD_ENV,
            BounceMailbox,
            apply_mailbox,
            parse_mailbox,
        )

        if not settings.bounces.imap:
            raise ConfigError(
                "no reports to read: give an mbox, a maildir or .eml files, or set [bounces] imap "
                "to read an IMAP folder"
            )
        where = parse_mailbox(settings.bounces.imap)
        if not settings.bounces.imap_password:
            raise ConfigError(f"{PASSWORD_ENV} is not set: it holds the password of {where.describe()}")
        box = BounceMailbox(where, settings.bounces.imap_password, settings.bounces.imap_move_to)
        counts = apply_mailbox(store, box, settings.bounces.soft_limit)
    else:
        from digest.bounces import apply

        counts = apply(store, path, settings.bounces.soft_limit)
    for unreadable in counts.unreadable:
        typer.echo(f"warning: {unreadable}: not a readable message (counted as ignored)", err=True)
    typer.echo(
        f"Read {counts.read} message(s): {counts.hard} hard, {counts.soft} soft, {counts.complaints} "
        f"complaint(s), {counts.delivered} delivered, {counts.ignored} ignored (no bounce), "
        f"{counts.unknown} unknown recipient(s); {counts.suppressed} address(es) newly suppressed"
    )
