"""Errors serve() raises with a sentence a person can act on (the deployer prints it)."""

from __future__ import annotations


class LocalRunError(RuntimeError):
    """The local run cannot start; str(error) says why and what to do."""
