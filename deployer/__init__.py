"""Deploys Pixel Prompt: parameters -> zip -> artifacts -> change set -> stack -> outputs.

`pipeline` runs the deploy as ordered steps (chalice's shape): `params`, `packager` and
`template` are local and make no AWS calls; `preflight` asks the providers; `stack` and
`changeset` describe; the executing steps change things. `cli` builds the collaborators and
hands off; `boundary` turns every failure into a sentence and an exit code.
"""

import infra as _infra  # noqa: F401  (puts handler/ on the path, for pixelprompt.contract)
