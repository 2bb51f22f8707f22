"""Read and validate the parameters file against the template's own Parameter definitions.

Local only: no AWS calls. Every problem is collected and reported at once; values of NoEcho
parameters never appear in a message.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import USAGE, DeployError
from .models import ModelCatalog, UnknownModel

# Parameters deploy.py fills in itself; a parameters file must not set them.
DEPLOY_FILLED = ("CodeBucket", "CodeKey", "BedrockModelIds", "RateLimitSalt", "KeysVersion")
# NoEcho values that are not the operator's: generated once and kept, so they stay out of the
# secrets digest (a kept value is never sent back, and must not look like a change).
DIGEST_EXEMPT = frozenset({"RateLimitSalt"})
_SLOT = re.compile(r"^Model(\d+)Name$")
_KEY = re.compile(r"^Model(\d+)Key$")


# Number parameters that may be fractional: the function reads them with float().
FRACTIONAL_NUMBERS = frozenset({"DailyBudgetUsd"})


@dataclass(frozen=True)
class ParamSpec:
    """One template Parameter, as CloudFormation sees it."""

    name: str
    type: str = "String"
    default: str | None = None
    no_echo: bool = False
    allowed_values: tuple[str, ...] = ()
    allowed_pattern: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    min_length: int | None = None
    max_length: int | None = None

    @classmethod
    def from_template(cls, name: str, body: Mapping[str, Any]) -> ParamSpec:
        default = body.get("Default")
        return cls(
            name=name,
            type=body.get("Type", "String"),
            default=None if default is None else _text(default),
            no_echo=str(body.get("NoEcho", "false")).lower() == "true",
            allowed_values=tuple(_text(v) or "" for v in body.get("AllowedValues", ())),
            allowed_pattern=body.get("AllowedPattern"),
            min_value=_num(body.get("MinValue")),
            max_value=_num(body.get("MaxValue")),
            min_length=body.get("MinLength"),
            max_length=body.get("MaxLength"),
        )

    def label(self, value: str) -> str:
        """How to mention a value in a message: never for NoEcho."""
        return f"{self.name} (value hidden)" if self.no_echo else f"{self.name} '{value}'"


def specs_from_template(template: Mapping[str, Any]) -> dict[str, ParamSpec]:
    return {
        name: ParamSpec.from_template(name, body)
        for name, body in template.get("Parameters", {}).items()
    }


@dataclass(frozen=True)
class Parameters:
    """Validated values (as CloudFormation strings) and which of them are secret."""

    values: dict[str, str]
    no_echo: frozenset[str] = field(default_factory=frozenset)
    kept: frozenset[str] = field(default_factory=frozenset)  # sent as UsePreviousValue

    def with_values(self, **extra: str) -> Parameters:
        return Parameters({**self.values, **extra}, self.no_echo, self.kept - set(extra))

    def keeping(self, name: str) -> Parameters:
        """The deployed value of `name` stays (CloudFormation's UsePreviousValue)."""
        values = {k: v for k, v in self.values.items() if k != name}
        return Parameters(values, self.no_echo, self.kept | {name})

    def secrets(self) -> dict[str, str]:
        """The operator's NoEcho values (what the secrets digest covers)."""
        return {
            k: v for k, v in self.values.items() if k in self.no_echo and k not in DIGEST_EXEMPT
        }

    def redacted(self) -> dict[str, str]:
        return {k: ("****" if k in self.no_echo else v) for k, v in self.values.items()}

    def model_names(self) -> list[str]:
        """Names of the configured slots 1..ModelCount, in order."""
        count = _int(self.values.get("ModelCount")) or 0
        names = (self.values.get(f"Model{n}Name", "") for n in range(1, count + 1))
        return [name for name in names if name]

    def placeholder_keys(self) -> list[str]:
        """Secret parameters still holding parameters.example.json's placeholders."""
        return [k for k, v in sorted(self.secrets().items()) if "REPLACE" in v.upper()]

    def to_cloudformation(self) -> list[dict[str, Any]]:
        given: list[dict[str, Any]] = [
            {"ParameterKey": k, "ParameterValue": v} for k, v in self.values.items()
        ]
        given += [{"ParameterKey": k, "UsePreviousValue": True} for k in self.kept]
        return sorted(given, key=lambda p: p["ParameterKey"])


def load(path: Path, specs: Mapping[str, ParamSpec], catalog: ModelCatalog | None) -> Parameters:
    """Read `path` and validate it; raise one DeployError (exit 2) naming every problem."""
    raw, problems = read_file(path)
    if raw or not problems:  # a file that could not be read says only that
        values, more = _check_values(raw, specs)
        problems += more + model_problems(values, specs, catalog)
    if problems:
        raise DeployError(
            f"The parameters file {path} has {len(problems)} problem(s):",
            problems=tuple(problems),
            fix="Fix them and run again; nothing was deployed.",
            exit_code=USAGE,
        )
    no_echo = frozenset(name for name, spec in specs.items() if spec.no_echo)
    return Parameters(values, no_echo)


def read_file(path: Path) -> tuple[dict[str, Any], list[str]]:
    """Both documented forms: {"Parameters": {...}} and [{"ParameterKey", "ParameterValue"}]."""
    repeated: list[str] = []
    try:
        data = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_no_repeats(repeated))
    except FileNotFoundError:
        return {}, [f"The file {path} does not exist."]
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [f"The file {path} cannot be read: {exc}."]
    except json.JSONDecodeError as exc:
        return {}, [f"The file is not valid JSON: {exc.msg} at line {exc.lineno}."]
    if repeated:  # JSON would keep the last value silently; say so instead of guessing
        return {}, [f"'{key}' is given more than once in one object; keep one." for key in repeated]
    if data in ([], {}, {"Parameters": {}}):  # otherwise "ModelCount is 9 but ... are empty"
        return {}, [
            "It sets no parameters; start from parameters.example.json (models and their keys)."
        ]
    if isinstance(data, dict) and isinstance(data.get("Parameters"), dict):
        extra = sorted(set(data) - {"Parameters"})
        problems = [
            f"Top-level key '{k}' is not used; put parameters under 'Parameters'." for k in extra
        ]
        return dict(data["Parameters"]), problems
    if isinstance(data, list):
        return _from_list(data)
    return {}, [
        'The file must be {"Parameters": {"Name": value, ...}} or CloudFormation\'s list '
        '[{"ParameterKey": "Name", "ParameterValue": "value"}, ...].'
    ]


def _no_repeats(repeated: list[str]) -> Any:
    """json.loads hook: build each object, noting every key that appears twice in it."""

    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen and key not in repeated:
                repeated.append(key)
            seen[key] = value
        return seen

    return build


def _from_list(items: list[Any]) -> tuple[dict[str, Any], list[str]]:
    raw: dict[str, Any] = {}
    problems: list[str] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or "ParameterKey" not in item:
            problems.append(f"Item {number} of the list has no ParameterKey.")
            continue
        key = item["ParameterKey"]
        if key in raw:
            problems.append(f"{key} is given more than once (item {number}).")
        raw[key] = item.get("ParameterValue", "")
    return raw, problems


def _check_values(
    raw: Mapping[str, Any], specs: Mapping[str, ParamSpec]
) -> tuple[dict[str, str], list[str]]:
    values: dict[str, str] = {}
    problems: list[str] = []
    for name, value in raw.items():
        spec = specs.get(name)
        if name in DEPLOY_FILLED:
            problems.append(f"{name} is filled in by deploy.py; remove it from the file.")
        elif spec is None:
            problems.append(_unknown(name, specs))
        elif (text := _text(value)) is None:
            shown = "a hidden value" if spec.no_echo else f"{type(value).__name__}"
            problems.append(f"{name} must be a string or a number, not {shown}.")
        elif _KEY.match(name) and (bad := key_problem(name, text.strip())):
            values[name] = text.strip()  # present: the slot's "needs a key" rule is satisfied
            problems.append(bad)
        else:
            # A key pasted with a stray space or newline around it is the same key.
            values[name] = text.strip() if _KEY.match(name) else text
            problems += _constraint_problems(spec, values[name])
    for name, spec in specs.items():
        if spec.default is None and name not in raw and name not in DEPLOY_FILLED:
            problems.append(f"{name} is required (the template gives it no default).")
    return values, problems


def key_problem(name: str, key: str) -> str | None:
    """A key that would break the HTTP header it goes into, or the secret's JSON; the sentence
    names the slot and the kind of character, never the key."""
    if any(ord(c) < 32 or ord(c) == 127 for c in key):
        return (
            f"{name} holds a control character (a line break or tab inside the key?); "
            "no provider's key has one: paste the key again on one line."
        )
    if any(c in ' "\\' for c in key) or not key.isascii():
        return (
            f"{name} holds a space, a quote, a backslash or a non-ASCII character; no "
            "provider's key has one: check that only the key was pasted."
        )
    return None


def _unknown(name: str, specs: Mapping[str, ParamSpec]) -> str:
    close = difflib.get_close_matches(name, list(specs), n=1)
    hint = f" Did you mean {close[0]}?" if close else ""
    return f"{name} is not a parameter of the template.{hint}"


def _constraint_problems(spec: ParamSpec, text: str) -> list[str]:
    problems: list[str] = []
    if spec.type == "Number":
        number = _num(text)
        if number is None:
            return [f"{spec.label(text)} must be a number."]
        if spec.min_value is not None and number < spec.min_value:
            problems.append(f"{spec.label(text)} must be at least {_fmt(spec.min_value)}.")
        if spec.max_value is not None and number > spec.max_value:
            problems.append(f"{spec.label(text)} must be at most {_fmt(spec.max_value)}.")
        # A count, an index or a limit is read with int() by the function, so 2.5 would deploy
        # and then answer 503 CONFIG_ERROR; only sums of money may have cents.
        if number != int(number) and spec.name not in FRACTIONAL_NUMBERS:
            problems.append(f"{spec.label(text)} must be a whole number.")
    elif spec.type == "List<Number>" and any(_num(p) is None for p in text.split(",") if p):
        problems.append(f"{spec.label(text)} must be a comma-separated list of numbers.")
    if spec.allowed_values and not _allowed(spec, text):
        choices = ", ".join(spec.allowed_values)
        problems.append(f"{spec.label(text)} must be one of: {choices}.")
    if spec.allowed_pattern and not re.fullmatch(spec.allowed_pattern, text):
        problems.append(f"{spec.label(text)} must match the pattern {spec.allowed_pattern}.")
    if (check := FORMATS.get(spec.name)) is not None:
        problems += check(spec, text)
    if spec.min_length is not None and len(text) < int(spec.min_length):
        problems.append(f"{spec.label(text)} must be at least {spec.min_length} characters.")
    if spec.max_length is not None and len(text) > int(spec.max_length):
        problems.append(f"{spec.label(text)} must be at most {spec.max_length} characters.")
    return problems


def _ip_list(spec: ParamSpec, text: str) -> list[str]:
    """IPWhitelist: comma-separated IP addresses, compared exactly with the caller's source IP."""
    bad = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            ipaddress.ip_address(item)
        except ValueError:
            bad.append(item)
    if not bad:
        return []
    shown = ", ".join(f"'{b}'" for b in bad[:5])
    verb = "is" if len(bad) == 1 else "are"
    return [f"{spec.name} must list IP addresses separated by commas; {shown} {verb} not."]


# String parameters whose values have a shape the template's type cannot say.
FORMATS = {"IPWhitelist": _ip_list}


def _allowed(spec: ParamSpec, text: str) -> bool:
    if text in spec.allowed_values:
        return True
    number = _num(text) if spec.type == "Number" else None
    return number is not None and number in {_num(v) for v in spec.allowed_values}


def model_problems(
    values: Mapping[str, str], specs: Mapping[str, ParamSpec], catalog: ModelCatalog | None
) -> list[str]:
    """Cross-field rules: ModelCount vs the named slots, PromptModelIndex, names and keys."""
    count = _int(_value(values, specs, "ModelCount"))
    if count is None:
        return []
    slots = sorted(int(m.group(1)) for name in specs if (m := _SLOT.match(name)))
    if slots and not 1 <= count <= max(slots):
        if _outside_template_range(specs.get("ModelCount"), count):
            return []  # the template's MinValue/MaxValue check has said so, once
        return [f"ModelCount must be between 1 and {max(slots)}, not {count}."]
    named = [n for n in slots if _value(values, specs, f"Model{n}Name")]
    problems = _count_problems(count, named)
    index = _int(_value(values, specs, "PromptModelIndex"))
    if index is not None and not 1 <= index <= count:
        problems.append(
            f"PromptModelIndex must name one of the {count} models (1-{count}), not {index}."
        )
    if catalog is not None:
        for n in (n for n in named if n <= count):
            problems += _slot_problems(n, values, specs, catalog)
    return problems + _environment_size_problems(values, specs, slots)


def _outside_template_range(spec: ParamSpec | None, number: float) -> bool:
    if spec is None:
        return False
    low = spec.min_value if spec.min_value is not None else -math.inf
    high = spec.max_value if spec.max_value is not None else math.inf
    return not low <= number <= high


# Lambda refuses a function whose environment variables (names + values) pass 4 KB. Keys live in
# the stack's secret, so only the model names and IPWhitelist grow with the configuration; the
# other variables (bucket, domain, limits, secret ARN and version) are counted generously, so
# CloudFormation never gets to fail on this half-way through a deploy.
LAMBDA_ENVIRONMENT_LIMIT = 4096
OTHER_VARIABLES_ALLOWANCE = 600


def _environment_size_problems(
    values: Mapping[str, str], specs: Mapping[str, ParamSpec], slots: list[int]
) -> list[str]:
    size = OTHER_VARIABLES_ALLOWANCE + len(_value(values, specs, "IPWhitelist") or "")
    for n in slots:
        size += len(f"MODEL_{n}_NAME") + len(_value(values, specs, f"Model{n}Name") or "")
    if size <= LAMBDA_ENVIRONMENT_LIMIT:
        return []
    return [
        f"The model names and IPWhitelist come to about {size} bytes of Lambda environment "
        f"variables; Lambda allows {LAMBDA_ENVIRONMENT_LIMIT}. Shorten IPWhitelist or the "
        "model names (unused slots can be left empty)."
    ]


def _count_problems(count: int, named: list[int]) -> list[str]:
    problems: list[str] = []
    empty = [n for n in range(1, count + 1) if n not in named]
    if empty:
        slots = ", ".join(f"Model{n}Name" for n in empty)
        problems.append(
            f"ModelCount is {count} but {slots} {'is' if len(empty) == 1 else 'are'} empty: "
            f"name a model there or lower ModelCount."
        )
    extra = [n for n in named if n > count]
    if extra:
        slots = ", ".join(f"Model{n}Name" for n in extra)
        problems.append(
            f"ModelCount is {count} but {slots} {'is' if len(extra) == 1 else 'are'} also "
            f"named: raise ModelCount to {max(extra)} or empty "
            f"{'it' if len(extra) == 1 else 'them'}."
        )
    return problems


def _slot_problems(
    n: int, values: Mapping[str, str], specs: Mapping[str, ParamSpec], catalog: ModelCatalog
) -> list[str]:
    name = _value(values, specs, f"Model{n}Name") or ""
    try:
        model = catalog.resolve(name)
    except UnknownModel as exc:
        return [f"Model{n}Name: {exc}"]
    if model.needs_key and not _value(values, specs, f"Model{n}Key"):
        return [
            f"Model{n}Name '{name}' is served by {model.provider}, which needs an API key: "
            f"put it in Model{n}Key."
        ]
    return []


def bedrock_id_slots(spec: ParamSpec) -> int:
    """How many items the template's BedrockModelIds takes: as many as its Default holds."""
    return len((spec.default or "").split(","))


def bedrock_model_ids(params: Parameters, catalog: ModelCatalog | None, *, slots: int) -> str:
    """The Bedrock model ids the function may invoke, comma-separated, in slot order: those the
    configured slots name, and the chat model /enhance uses when the prompt model is on Bedrock;
    padded with empty items to `slots` items, as the template selects each one by index."""
    ids = _named_bedrock_ids(params, catalog)
    if len(ids) > slots:
        raise DeployError(
            f"The slots name {len(ids)} Bedrock model ids; the template has room for {slots}.",
            fix="Rebuild the template (python build_template.py) from this checkout.",
        )
    return ",".join(ids + [""] * (slots - len(ids)))


def _named_bedrock_ids(params: Parameters, catalog: ModelCatalog | None) -> list[str]:
    count = _int(params.values.get("ModelCount")) or 0
    if catalog is None:
        return []
    prompt_slot = _int(params.values.get("PromptModelIndex"))
    ids: list[str] = []
    for n in range(1, count + 1):
        name = params.values.get(f"Model{n}Name")
        if not name:
            continue
        try:
            model = catalog.resolve(name)
        except UnknownModel:
            continue
        if model.provider != "bedrock":
            continue
        wanted = [model.model_id]
        if n == prompt_slot and model.chat_model_id:
            wanted.append(model.chat_model_id)
        ids.extend(i for i in wanted if i not in ids)
    return ids


def _value(values: Mapping[str, str], specs: Mapping[str, ParamSpec], name: str) -> str | None:
    if name in values:
        return values[name]
    spec = specs.get(name)
    return spec.default if spec else None


def _text(value: Any) -> str | None:
    """A JSON value as CloudFormation's string; None for types a parameter cannot take."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ",".join(str(v) for v in value)
    return None


def _num(value: Any) -> float | None:
    try:
        return float(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def _int(value: str | None) -> int | None:
    number = _num(value)
    return int(number) if number is not None and number == int(number) else None


def _fmt(number: float) -> str:
    return str(int(number)) if number == int(number) else str(number)
