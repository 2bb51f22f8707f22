"""Benchmarks. Each module exposes run() -> list[tuple[str, str]]: (what, figure).

`python -m bench` runs them all side by side and prints one table.
"""
