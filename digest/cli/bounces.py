"""`digest bounces`: read bounce and complaint reports that arrived after a send."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digest.cli.app import command
from digest.cli.options import ConfigOpt
from digest.runtime import Runtime
from digest.subscribers import SubscriberStore


@command("digest bounces ~/Maildir/.Bounces")
def bounces(
    path: Annotated[Path, typer.Argument(help="An mbox file, a maildir, a folder of .eml files or one .eml file.")],
    config: ConfigOpt = None,
) -> None:
    """Suppress the addresses that bounced or complained: hard bounces and complaints at once, soft
    bounces after [bounces] soft_limit issues in a row. Messages that are no bounce are counted and left."""
    from digest.bounces import apply

    settings = Runtime.resolve({}, config_path=config).settings
    counts = apply(SubscriberStore.in_state_dir(settings.build.state_dir), path, settings.bounces.soft_limit)
    for where in counts.unreadable:
        typer.echo(f"warning: {where}: not a readable message (counted as ignored)", err=True)
    typer.echo(f"Read {counts.read} message(s): {counts.hard} hard, {counts.soft} soft, {counts.complaints} "
               f"complaint(s), {counts.delivered} delivered, {counts.ignored} ignored (no bounce), "
               f"{counts.unknown} unknown recipient(s); {counts.suppressed} address(es) newly suppressed")
