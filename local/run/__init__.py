"""`deploy.py --local` serving: the deployed HTTP API, function, async Invoke and CDN on 127.0.0.1.

run = localrun.serve(endpoint_url, stack_name, outputs, console, local_port=0)
run.outputs   # LocalApiEndpoint, LocalCloudFrontUrl, LocalProviderSimulatorUrl
run.hints     # lines to print: what to try next
run.wait()    # until run.stop() (idempotent; stops every server and worker process)
"""

from .discovery import StackNotServable
from .errors import LocalRunError
from .httpserve import PortInUse
from .serve import LocalRun, serve

__all__ = ["LocalRun", "LocalRunError", "PortInUse", "StackNotServable", "serve"]
