"""Everything the deployer says or asks goes through one injected `UI` (a rich Console)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from rich.console import Console, RenderableType
from rich.markup import escape

from .errors import USAGE, DeployError


class UI:
    """Output and confirmation. `assume_yes` answers every question with yes."""

    def __init__(
        self,
        console: Console,
        *,
        assume_yes: bool = False,
        stdin: TextIO | None = None,
        ask: Callable[[str], str] | None = None,
    ) -> None:
        self.console = console
        self.assume_yes = assume_yes
        self._stdin = stdin if stdin is not None else sys.stdin
        self._ask = ask or (lambda prompt: console.input(prompt))

    @property
    def live(self) -> bool:
        """True when a live (redrawn) display makes sense: a terminal, not a log."""
        return self.console.is_terminal and not self.console.is_dumb_terminal

    def say(self, text: str) -> None:
        self.console.print(text, highlight=False, soft_wrap=True)

    def step(self, text: str) -> None:
        self.console.print(f"[bold cyan]>[/] {escape(text)}", highlight=False, soft_wrap=True)

    def warn(self, text: str) -> None:
        self.console.print(f"[yellow]![/] {escape(text)}", highlight=False, soft_wrap=True)

    def success(self, text: str) -> None:
        self.console.print(f"[green]✓[/] {escape(text)}", highlight=False, soft_wrap=True)

    def show(self, renderable: RenderableType) -> None:
        self.console.print(renderable)

    def confirm(self, question: str) -> bool:
        """Ask a yes/no question; without a terminal and without --yes, refuse (exit 2)."""
        if self.assume_yes:
            return True
        if not self._stdin.isatty():
            raise DeployError(
                f"{question} Input is not a terminal, so there is no one to answer.",
                fix="Re-run with --yes to confirm non-interactively.",
                exit_code=USAGE,
            )
        answer = self._ask(f"{escape(question)} [y/N] ").strip().lower()
        return answer in {"y", "yes"}
