"""Print the CloudFormation template as JSON: `python build_template.py > template.json`."""

import sys

from infra.template import main

if __name__ == "__main__":
    sys.exit(main())
