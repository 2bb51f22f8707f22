"""What deploy.py adds for the stack's secret: the rate-limit HMAC key and the keys version.

The template builds the secret itself from NoEcho parameters (DEPLOYMENT.md says why); this
module fills the two parameters an operator never writes:

- RateLimitSalt: random, made once on the stack's first deploy and then kept with
  UsePreviousValue (CloudFormation never shows it back, and a new one would reset every
  per-client counter);
- KeysVersion: a digest of the keys, the same one the template's Metadata carries. It is in
  the function's environment, so a changed key is a changed function configuration: Lambda
  starts new execution environments, and each reads the new secret on its first request.
"""

from __future__ import annotations

import secrets as random
from collections.abc import Mapping

from .params import Parameters
from .template import secrets_digest

SALT = "RateLimitSalt"
VERSION = "KeysVersion"
VERSION_LENGTH = 16  # hex digits: enough to tell versions apart, short in the console


def fill(values: Parameters, deployed: Mapping[str, str] | None, stack_name: str) -> Parameters:
    """`values` with the salt (new, or the deployed one kept) and the keys version."""
    if SALT in values.no_echo:
        if deployed is not None and SALT in deployed:
            values = values.keeping(SALT)
        else:
            values = values.with_values(**{SALT: random.token_hex(32)})
    version = secrets_digest(stack_name, values.secrets())[:VERSION_LENGTH]
    return values.with_values(**{VERSION: version})
