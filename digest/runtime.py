"""The composition root: settings, a configured fetcher, the clock and the environment, built once per command."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest.config import Settings, resolve

if TYPE_CHECKING:  # requests is imported only by a command that reads sources
    from digest.fetch import Fetcher


def utc_now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def configured_fetcher(settings: Settings) -> Fetcher:
    """The one way to make a fetcher: every [fetch] setting, and the HTTP cache under state_dir."""
    from digest.fetch import Fetcher

    return Fetcher.from_settings(settings)


@dataclass(frozen=True)
class Runtime:
    """What a command needs from the outside world, resolved once in the CLI and passed in."""

    settings: Settings
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    clock: Callable[[], datetime] = utc_now
    # How the settings were resolved, so that the preview can re-read them after an edit.
    cli: Mapping[str, Any] = field(default_factory=dict)
    config_path: Path | None = None

    @classmethod
    def resolve(
        cls,
        cli: Mapping[str, Any] | None = None,
        config_path: Path | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> Runtime:
        """Resolve settings (CLI > environment > file > defaults) and wrap them with the edges."""
        environ = os.environ if environ is None else environ
        cli = dict(cli or {})
        settings = resolve(cli, environ=environ, config_path=config_path)
        return cls(settings, environ, clock, cli, config_path)

    def reload(self) -> Runtime:
        """The same runtime with settings read again (the configuration file may have changed)."""
        settings = resolve(self.cli, environ=self.environ, config_path=self.config_path)
        if (settings.fetch, settings.build.state_dir) == (self.settings.fetch, self.settings.build.state_dir):
            fresh = replace(self, settings=settings)
            if "fetcher" in self.__dict__:  # keep the connection pool and cache when [fetch] is unchanged
                fresh.__dict__["fetcher"] = self.__dict__["fetcher"]
            return fresh
        return replace(self, settings=settings)

    @cached_property
    def fetcher(self) -> Fetcher:
        """The fetcher configured from these settings (made on first use)."""
        return configured_fetcher(self.settings)

    def now(self) -> datetime:
        """The current time, from the runtime's clock."""
        return self.clock()
