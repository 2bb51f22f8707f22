"""The deployer's one error type: what went wrong, how to fix it, and the exit code."""

from __future__ import annotations

USAGE = 2  # bad usage, bad parameters, no credentials
FAILED = 1  # the deploy itself failed


class DeployError(Exception):
    """A failure a person can act on. `problems` lists several sentences when there are many."""

    def __init__(
        self,
        message: str,
        *,
        fix: str | None = None,
        exit_code: int = FAILED,
        problems: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.exit_code = exit_code
        self.problems = problems

    def render(self) -> str:
        """The text shown to the user (no traceback)."""
        lines = [self.message]
        lines += [f"  - {problem}" for problem in self.problems]
        if self.fix:
            lines.append(self.fix)
        return "\n".join(lines)
