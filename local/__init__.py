"""Everything that emulates the outside world on this machine, apart from the product.

`local.aws` is the embedded AWS (moto's server plus the CloudFormation gaps it closes),
`local.run` serves a deployed stack's API, function and CDN on 127.0.0.1, and
`local.simulator` speaks each image provider's wire protocol. The product packages (handler,
infra, deployer) never import from here; `deploy.py --local` composes them at its edge.
"""
