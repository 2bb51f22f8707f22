"""--stack-name is checked before anything runs: the function's name must fit Lambda's 64."""

from __future__ import annotations

import pytest

from deployer.cli import MAX_STACK_NAME, main


@pytest.mark.parametrize(
    ("name", "reason"),
    [("a" * (MAX_STACK_NAME + 1), "at most 54"), ("9lives", "start with a letter")],
)
def test_a_bad_stack_name_is_a_usage_error(
    name: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--params", "parameters.example.json", "--stack-name", name])
    assert exited.value.code == 2
    assert reason in capsys.readouterr().err


def test_the_longest_fitting_name_is_accepted() -> None:
    from deployer.cli import stack_name

    assert stack_name("p" * MAX_STACK_NAME) == "p" * MAX_STACK_NAME
