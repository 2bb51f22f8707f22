"""Pixel Prompt's Lambda code: API routes, the fan-out worker and the provider adapters."""
