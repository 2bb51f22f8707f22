"""Deploys Pixel Prompt: parameters -> zip -> artifacts -> change set -> stack -> outputs.

Stages (chalice's shape): `params`, `packager` and `template` are local and make no AWS
calls; `stack` and `changeset` describe; `pipeline` executes. `cli` is the one error boundary.
"""

import infra as _infra  # noqa: F401  (puts handler/ on the path, for pixelprompt.contract)
