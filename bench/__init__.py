"""Benchmarks. Each module exposes run() -> list[tuple[str, str]] (what, figure); `python -m bench`."""
