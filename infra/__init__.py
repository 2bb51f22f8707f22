"""The Pixel Prompt Complete CloudFormation stack as a troposphere object graph (issue 2)."""
