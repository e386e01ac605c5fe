"""The DigestError family: every failure a user can cause or fix.

Only the CLI turns these into a message and an exit code; stages raise them.
"""


class DigestError(Exception):
    """Base for every error digest reports to its user as one line."""

    exit_code = 1


class ConfigError(DigestError):
    """The configuration file, an option or an environment variable is invalid."""


class SourceError(DigestError):
    """A source could not be read or parsed."""


class ItemError(DigestError):
    """One item of a source is unusable (missing field, bad date, ...)."""


class EmptyIssueError(DigestError):
    """The selected week has no articles; nothing was written."""

    exit_code = 3


class RenderError(DigestError):
    """A template failed to render."""


class SendError(DigestError):
    """Delivery could not start or finished with undelivered recipients."""


class StateError(DigestError):
    """A file under state_dir (ledger, subscriber list, records) is damaged, foreign or cannot be written."""


class LostLedgerError(StateError):
    """The ledger has no record of an issue that other records show as sent: sending again would repeat it."""
