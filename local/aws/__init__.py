"""The embedded AWS endpoint behind ``deploy.py --local``.

``LocalAws`` runs moto's server in this process on 127.0.0.1 and closes the CloudFormation gaps
that keep the project's real template from deploying on stock moto. ``local/aws/README.md`` says
what is emulated and what is not; each patch module says which moto behaviour it replaces::

    with LocalAws() as aws:          # or aws = LocalAws(port); url = aws.start(); ...; aws.stop()
        boto3.client("cloudformation", endpoint_url=aws.endpoint_url, ...)

Starting a server installs the patches (idempotent). moto's state is process-global: the first
server started in a process begins from an empty account, later concurrent ones share it.

Lambda ``Invoke`` hook (used by the local run, local.run)::

    local.aws.set_invoke_handler(fn)   # fn(function_name, qualifier, payload, invocation_type)
                                      #    -> (status, body, headers)
    local.aws.set_invoke_handler(None) # back to moto's own (Docker-based) invoke

When a handler is set, every ``Invoke`` (``RequestResponse`` and ``Event``) and legacy
``InvokeAsync`` call is answered by ``fn`` instead of moto. The function is first looked up in
moto's Lambda backend (unknown names still get ``ResourceNotFoundException``) and ``fn`` receives
its plain name (never an ARN), the qualifier or ``None``, the raw request payload and the
invocation type. Its status, body and headers are returned as they are, so ``fn`` decides the
Lambda semantics: e.g. ``(202, b"", {})`` for ``Event``, ``(200, body, {"X-Amz-Function-Error":
"Unhandled"})`` for a failed synchronous call. ``DryRun`` is answered with 204 without calling it.
``fn`` runs on a server thread and may be called concurrently.
"""

from local.aws.invoke import InvokeHandler, set_invoke_handler
from local.aws.server import LocalAws

__all__ = ["InvokeHandler", "LocalAws", "set_invoke_handler"]
