"""One factory for boto3 clients (profile, region, endpoint) and the credential checks.

Errors that mean "you cannot reach AWS as anyone" become one sentence and exit code 2.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)

from .errors import USAGE, DeployError

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5, read_timeout=60
)
# The first call (who am I?) decides quickly whether anybody answers: an endpoint that is dead,
# or accepts connections and never answers, is a sentence after at most
# (connect 4 s + read 9 s) x 2 attempts, under 30 s, instead of minutes of retries.
PROBE_ATTEMPTS = 2
PROBE_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": PROBE_ATTEMPTS}, connect_timeout=4, read_timeout=9
)
# ClientError codes that mean the credentials themselves are bad.
_BAD_CREDENTIAL_CODES = {
    "ExpiredToken": "Your AWS session token has expired.",
    "ExpiredTokenException": "Your AWS session token has expired.",
    "RequestExpired": "Your AWS credentials have expired (or this machine's clock is wrong).",
    "InvalidClientTokenId": "AWS does not recognise the access key in use.",
    "UnrecognizedClientException": "AWS does not recognise the access key in use.",
    "SignatureDoesNotMatch": "AWS rejected the request signature: the secret key is wrong.",
    "AuthFailure": "AWS rejected the credentials in use.",
}


@dataclass(frozen=True)
class Target:
    """Where to deploy: which profile, region and (optionally) AWS-compatible endpoint."""

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    # Explicit keys (aws_access_key_id, ...) instead of boto3's default credential chain.
    access_keys: Mapping[str, str] | None = None

    @property
    def effective_endpoint(self) -> str | None:
        return self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None


class ClientFactory:
    """Makes every boto3 client the deployer uses, all from one Session."""

    def __init__(
        self, session: boto3.Session, endpoint_url: str | None, probe_config: Config | None = None
    ) -> None:
        self.session = session
        self.endpoint_url = endpoint_url
        self.probe_config = probe_config or PROBE_CONFIG

    @property
    def region(self) -> str:
        return self.session.region_name or ""

    def client(self, service: str, config: Config = _CONFIG) -> Any:
        try:
            # Any service by name: the stubs type each literal name, not a str.
            return self.session.client(  # type: ignore[call-overload]
                service, endpoint_url=self.endpoint_url, config=config
            )
        except NoRegionError as exc:
            raise _no_region() from exc

    def account_id(self) -> str:
        """The caller's account id; the first AWS call, so it carries the credential checks."""
        try:
            return self.client("sts", self.probe_config).get_caller_identity()["Account"]
        except (ConnectTimeoutError, ReadTimeoutError) as exc:
            raise DeployError(
                f"{self.endpoint_url or 'AWS'} did not answer within "
                f"{_seconds(self.probe_config):g} s, "
                "twice.",
                fix="Check that the endpoint is up and reachable (and --endpoint-url, if given).",
                exit_code=USAGE,
            ) from exc
        except (BotoCoreError, ClientError) as exc:
            known = credential_error(exc, self)
            if known is None and isinstance(exc, BotoCoreError):  # no AWS answer at all
                known = DeployError(
                    f"Could not talk to {self.endpoint_url or 'AWS'}: {exc}",
                    fix="Check --endpoint-url (or AWS_ENDPOINT_URL): it must be an "
                    "AWS-compatible API that is running.",
                    exit_code=USAGE,
                )
            if known is None:
                raise
            raise known from exc


def _seconds(config: Config) -> float:
    """The longest one attempt under `config` can wait: connect plus read timeout."""
    return float(getattr(config, "connect_timeout", 0)) + float(getattr(config, "read_timeout", 0))


def make_factory(target: Target) -> ClientFactory:
    """Build the Session; a missing profile or an unknown region is a usage error."""
    endpoint = target.effective_endpoint
    kwargs: dict[str, Any] = {"region_name": target.region}
    if target.profile:
        kwargs["profile_name"] = target.profile
    if target.access_keys:
        kwargs.update(target.access_keys)
    try:
        session = boto3.Session(**kwargs)
    except ProfileNotFound as exc:
        raise DeployError(
            f"The AWS profile '{target.profile}' does not exist.",
            fix="Check the name with `aws configure list-profiles`, or drop --profile.",
            exit_code=USAGE,
        ) from exc
    _check_region(session, endpoint)
    return ClientFactory(session, endpoint)


def _check_region(session: boto3.Session, endpoint: str | None) -> None:
    region = session.region_name
    if not region:
        raise _no_region()
    if endpoint:
        return  # an AWS-compatible endpoint may use any region name
    known = {
        name
        for partition in session.get_available_partitions()
        for name in session.get_available_regions("cloudformation", partition_name=partition)
    }
    if region not in known:
        raise DeployError(
            f"'{region}' is not an AWS region.",
            fix="Pass a region such as us-east-1 or eu-west-1 with --region.",
            exit_code=USAGE,
        )


def _no_region() -> DeployError:
    return DeployError(
        "No AWS region is set.",
        fix="Pass --region (e.g. --region us-east-1), or set AWS_REGION, or set a region "
        "in your profile with `aws configure`.",
        exit_code=USAGE,
    )


def credential_error(exc: Exception, factory: ClientFactory | None = None) -> DeployError | None:
    """Turn a botocore failure that means 'cannot talk to AWS' into one sentence, else None."""
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return DeployError(
            "No AWS credentials were found.",
            fix="Run `aws configure` (or `aws sso login --profile NAME` and pass --profile), "
            "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
            exit_code=USAGE,
        )
    if isinstance(exc, EndpointConnectionError):
        where = (
            factory.endpoint_url if factory and factory.endpoint_url else exc.kwargs["endpoint_url"]
        )
        return DeployError(
            f"Could not connect to {where}.",
            fix="Check the network, the --region, and (if you passed one) that --endpoint-url "
            "is running.",
            exit_code=USAGE,
        )
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _BAD_CREDENTIAL_CODES:
            return DeployError(
                _BAD_CREDENTIAL_CODES[code],
                fix="Refresh your credentials (e.g. `aws sso login`) or pick another --profile.",
                exit_code=USAGE,
            )
    return None
