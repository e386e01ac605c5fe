"""Amazon SES (API v2) through boto3: one SendEmail call per message with the complete MIME message,
so every header digest writes (List-Unsubscribe, List-Id, Message-ID) goes out as written.

Credentials come from the AWS chain (environment, shared files, instance or task role); the account's
sending rate (GetAccount SendQuota.MaxSendRate) caps the run's rate.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn
from urllib.parse import urlsplit

from digest.errors import ConfigError, SendError
from digest.message import Envelope, MessageFactory
from digest.subscribers import Subscriber
from digest.transport import ConnectionLost, Reply, TemporaryFailure
from digest.transports.base import ACCEPTED, REJECTED, Outcome, Throttled, reply_for

log = logging.getLogger(__name__)

BATCH_SIZE = 25  # messages recorded together in the ledger; each is its own call
THROTTLING = {"Throttling", "ThrottlingException", "TooManyRequestsException"}
AUTH = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "AccessDeniedException",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "IncompleteSignature",
    "MissingAuthenticationToken",
}
STOPS = {
    "AccountSuspendedException",
    "SendingPausedException",
    "MailFromDomainNotVerifiedException",
    "LimitExceededException",
    "NotFoundException",
}
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


def _boto3() -> Any:
    try:
        import boto3
        import botocore.config
    except ImportError:
        raise ConfigError("send.api = ses://... needs boto3: pip install 'digest[ses]'") from None
    return boto3, botocore.config


class SESConnection:
    """Sends each message of a batch with SendEmail (Raw content); the boto3 client is shared."""

    def __init__(self, transport: SESTransport):
        self.transport = transport

    def send_batch(
        self, factory: MessageFactory, batch: Sequence[Subscriber], test_copy: bool = False
    ) -> list[Outcome]:
        """One call per message; stops at the first batch-wide problem (the rest is retried as a whole)."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        t = self.transport
        outcomes: list[Outcome] = []
        for sub in batch:
            envelope = factory.build(sub, test_copy=test_copy)
            try:
                answer = t.client.send_email(
                    FromEmailAddress=envelope.sender,
                    Destination={"ToAddresses": [envelope.recipient]},
                    Content={"Raw": {"Data": envelope.data}},
                )
            except ClientError as exc:
                outcome = t.classify(exc, sub, envelope.sender)
                if outcome is None:
                    if outcomes:  # the ones already accepted must be recorded, not sent twice
                        log.info("%s: stopping the batch after %d messages (%s)", t.describe(), len(outcomes), exc)
                        return outcomes + [Outcome(s.email, "retry", 0, str(exc)) for s in batch[len(outcomes) :]]
                    t.raise_for(exc)
                outcomes.append(outcome)
                continue
            except NoCredentialsError:
                raise SendError(
                    f"{t.describe()}: no AWS credentials found (environment, shared credentials file or instance role)"
                ) from None
            except BotoCoreError as exc:
                if outcomes:
                    return outcomes + [Outcome(s.email, "retry", 0, str(exc)) for s in batch[len(outcomes) :]]
                raise ConnectionLost(f"{t.describe()}: {exc.__class__.__name__}") from None
            outcomes.append(Outcome(sub.email, ACCEPTED, 200, str(answer.get("MessageId", ""))))
        return outcomes

    def send(self, envelope: Envelope) -> Reply:
        """Send one complete message (a signup confirmation) as it is written."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        t = self.transport
        try:
            answer = t.client.send_email(
                FromEmailAddress=envelope.sender,
                Destination={"ToAddresses": [envelope.recipient]},
                Content={"Raw": {"Data": envelope.data}},
            )
        except ClientError as exc:
            outcome = t.classify(exc, Subscriber(envelope.recipient), envelope.sender)
            if outcome is None:
                t.raise_for(exc)
                raise
            return reply_for(outcome)
        except NoCredentialsError:
            raise SendError(
                f"{t.describe()}: no AWS credentials found (environment, shared credentials file or instance role)"
            ) from None
        except BotoCoreError as exc:
            raise ConnectionLost(f"{t.describe()}: {exc.__class__.__name__}") from None
        return Reply(250, str(answer.get("MessageId", "")))

    def close(self) -> None:
        """The client is shared; nothing to close."""


class SESTransport:
    """`ses://REGION`, e.g. ses://eu-west-1."""

    def __init__(self, url: str, endpoint: str, environ: Mapping[str, str], connections: int = 1):
        region = urlsplit(url).hostname or ""
        if not _REGION.match(region):
            raise ConfigError(f"send.api: {url!r}: write ses://REGION, e.g. ses://eu-west-1")
        boto3, config = _boto3()
        self.region, self.endpoint = region, endpoint
        session = boto3.session.Session(region_name=region)
        cfg = config.Config(
            retries={"max_attempts": 1}, max_pool_connections=max(10, connections), connect_timeout=10, read_timeout=60
        )
        self.client = session.client("sesv2", endpoint_url=endpoint or None, config=cfg)
        self._v1 = session.client("ses", endpoint_url=endpoint or None, config=cfg)
        self.batch_size = BATCH_SIZE

    def describe(self) -> str:
        """ses REGION (and the endpoint when overridden)."""
        return f"ses {self.region}" + (f" via {self.endpoint}" if self.endpoint else "")

    def connect(self) -> SESConnection:
        """A connection sharing the thread-safe boto3 client."""
        return SESConnection(self)

    def max_rate(self) -> float:
        """SendQuota.MaxSendRate from GetAccount (GetSendQuota where only the older API answers)."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        try:
            try:
                return float(self.client.get_account()["SendQuota"]["MaxSendRate"])
            except ClientError as exc:
                if _code(exc) in AUTH:
                    raise
                log.info("%s: GetAccount failed (%s); asking GetSendQuota", self.describe(), _code(exc))
                return float(self._v1.get_send_quota()["MaxSendRate"])
        except NoCredentialsError:
            raise SendError(
                f"{self.describe()}: no AWS credentials found (environment, shared credentials file or instance role)"
            ) from None
        except ClientError as exc:
            self.raise_for(exc)
        except (BotoCoreError, KeyError, ValueError, TypeError) as exc:
            raise SendError(f"{self.describe()}: cannot read the account's sending rate ({exc})") from None
        return 0.0

    def classify(self, exc: Any, sub: Subscriber, sender: str) -> Outcome | None:
        """A per-recipient outcome for this error, or None when it concerns the whole batch."""
        code, text = _code(exc), _message(exc)
        if code == "MessageRejected" and sender.lower() not in text.lower():
            # Only an error naming the address itself suppresses it; an unverified recipient in the
            # SES sandbox is the account's problem, not the subscriber's.
            return Outcome(sub.email, REJECTED, 554, f"{code}: {text}", suppress="not verified" not in text.lower())
        if code == "BadRequestException" and sub.email.lower() in text.lower():
            return Outcome(sub.email, REJECTED, 553, f"{code}: {text}", suppress=True)
        return None

    def raise_for(self, exc: Any) -> NoReturn:
        """Raise the batch-wide error for an SES error code."""
        code, text = _code(exc), _message(exc)
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in THROTTLING or "maximum sending rate" in text.lower():
            raise Throttled(429, f"{self.describe()}: {code}: {text}", 1.0)
        if code in AUTH:
            raise SendError(
                f"{self.describe()} rejected the AWS credentials ({code}); check the AWS "
                "credential chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, instance role)"
            )
        if code in STOPS or code == "MessageRejected":
            raise SendError(f"{self.describe()} refused to send ({code}: {text})")
        if status >= 500 or code in ("InternalFailure", "ServiceUnavailable", "InternalServerError"):
            raise TemporaryFailure(status or 500, f"{self.describe()}: {code}: {text}")
        raise SendError(f"{self.describe()}: {code}: {text}")


def _code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _message(exc: Any) -> str:
    return " ".join(str(exc.response.get("Error", {}).get("Message", "")).split())[:300]
