"""The Pixel Prompt Complete CloudFormation stack as a troposphere object graph.

The template shares its routes, CORS and names with the function through
`pixelprompt.contract`, which lives in handler/ (the Lambda zip's root): handler/ is put on
the import path here, once, for every importer of infra and deployer.
"""

import sys
from pathlib import Path

HANDLER_DIR = Path(__file__).resolve().parent.parent / "handler"
if str(HANDLER_DIR) not in sys.path:
    sys.path.append(str(HANDLER_DIR))
