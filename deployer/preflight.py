"""The preflight: before any AWS change, ask each provider about each slot's key and model.

For every configured slot (and the chat model /enhance will call) it makes the provider's own
cheap, non-billable call (the registry's key check and model lookup, see
pixelprompt/providers/probes.py), all slots in parallel within one time bound. The rows become
a table (slot, model, key, lifecycle, what to change); any slot that would fail makes it raise
one DeployError listing every problem (exit 2). A provider that cannot be reached is "not
verified" and falls back to the registry's lifecycle table: that alone never fails a deploy.
No key is ever printed: rows hold the parameter names, never the values.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.table import Table

from .errors import USAGE, DeployError
from .models import handler_module
from .params import Parameters
from .ui import UI

CALL_TIMEOUT = 8.0  # seconds for one provider call
TOTAL_TIMEOUT = 15.0  # seconds for the whole preflight, however many slots
MAX_PARALLEL = 8


@dataclass(frozen=True)
class Slot:
    index: int
    name: str  # as configured, e.g. "Gemini 3 Pro Image" or "openai/gpt-image-2"
    key: str  # the value of ModelNKey (kept in memory only, never shown)
    enhance: bool = False  # the chat model /enhance calls for PromptModelIndex

    @property
    def label(self) -> str:
        return f"Model{self.index}" + (" /enhance" if self.enhance else "")


@dataclass(frozen=True)
class Row:
    slot: str
    model: str  # provider/model-id
    key: str  # ✓ ✗ ? or "IAM role"
    lifecycle: str
    change: str  # what to change ("" when nothing)
    ok: bool  # False: this slot would fail
    verified: bool  # False: the provider gave no usable answer


def slots_of(values: Parameters) -> list[Slot]:
    """The configured slots 1..ModelCount, plus the chat model behind PromptModelIndex."""
    v = values.values
    count = _int(v.get("ModelCount"))
    found = [
        Slot(n, v.get(f"Model{n}Name", ""), v.get(f"Model{n}Key", ""))
        for n in range(1, count + 1)
        if v.get(f"Model{n}Name")
    ]
    prompt = next((slot for slot in found if slot.index == _int(v.get("PromptModelIndex"))), None)
    chat = _chat_name(prompt.name) if prompt else None
    if prompt and chat:
        found.append(Slot(prompt.index, chat, prompt.key, enhance=True))
    return found


def run(
    slots: list[Slot],
    context: Any,
    *,
    call_timeout: float = CALL_TIMEOUT,
    total_timeout: float = TOTAL_TIMEOUT,
    on: date | None = None,
) -> list[Row]:
    """Ask every provider at once; one row per slot, in slot order."""
    registry = handler_module("pixelprompt.providers.registry")
    catalog = handler_module("pixelprompt.providers.catalog")
    day = on or registry.today()
    resolved = {slot: _resolve(catalog, slot.name, day) for slot in slots}
    questions = {
        (spec.provider, spec.model_id, slot.key)  # one call per distinct question
        for slot, spec in resolved.items()
        if not isinstance(spec, str)
    }
    answers = _ask_all(registry, questions, context, call_timeout, total_timeout)
    rows = []
    for slot, spec in resolved.items():
        if isinstance(spec, str):
            rows.append(Row(slot.label, slot.name, "?", "refused", spec, False, False))
            continue
        probe = answers[(spec.provider, spec.model_id, slot.key)]
        rows.append(_row(slot, spec, registry.get(spec.provider), probe, day))
    return rows


def _ask_all(
    registry: Any,
    questions: set[tuple[str, str, str]],
    context: Any,
    call_timeout: float,
    total_timeout: float,
) -> dict[tuple[str, str, str], Any]:
    """Each (provider, model, key) asked in parallel; what has not answered in time is late."""
    pool = ThreadPoolExecutor(max_workers=MAX_PARALLEL, thread_name_prefix="preflight")
    try:
        futures: dict[tuple[str, str, str], Future[Any]] = {
            question: pool.submit(
                registry.get(question[0]).check, question[1], question[2], call_timeout, context
            )
            for question in questions
        }
        wait(list(futures.values()), timeout=total_timeout)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a hung provider must not hold us
    probes = handler_module("pixelprompt.providers.probes")
    late = probes.Probe(None, reached=False, detail=f"no answer within {total_timeout:g} s")
    return {
        question: future.result() if future.done() and not future.cancelled() else late
        for question, future in futures.items()
    }


KEY_MARKS = {True: "✓", False: "✗", None: "?"}


def _row(slot: Slot, spec: Any, provider: Any, probe: Any, day: date) -> Row:
    table = provider.lifecycle(spec.model_id, day)
    problems = []
    if probe.key is False:
        problems.append(
            f"Model{slot.index}Key: {probe.detail}; put a valid {provider.display_name} key there"
        )
    lifecycle, problem = _lifecycle(slot, provider, probe, table)
    problems += [problem] if problem else []
    if not probe.reached:
        lifecycle += f" (not verified: {probe.detail})"
    return Row(
        slot.label,
        f"{spec.provider}/{spec.model_id}",
        KEY_MARKS[probe.key] if provider.needs_key else "IAM role",
        lifecycle,
        "; ".join(problems or _notes(probe, table)),
        ok=not problems,
        verified=probe.reached,
    )


def _lifecycle(slot: Slot, provider: Any, probe: Any, table: Any) -> tuple[str, str | None]:
    """The lifecycle cell, and the problem it shows (if any). The provider's own answer wins;
    without one (no lookup endpoint, or not reached) the registry's table answers."""
    if probe.reached and probe.model == "missing":
        use = table.replacement or "a model it offers (docs/MODELS.md)"
        return "not offered", f"{slot.label}: {probe.detail}; use {use}"
    if probe.reached and probe.model in ("active", "legacy"):
        shutdown = probe.shutdown_on or table.shutdown_on
        return probe.model + (f", shuts down {shutdown}" if shutdown else ""), None
    if table.status == "shut down":
        return "shut down", f"{slot.label}: {provider.display_name} shut it down ({table.since})"
    return (f"{table.status} (our table)" if table.known else "not in our table"), None


def _notes(probe: Any, table: Any) -> list[str]:
    notes = []
    if probe.model == "legacy" or table.status == "legacy":
        notes.append(f"move to {table.replacement or 'a current model'} before it shuts down")
    if probe.needs:
        notes.append(f"needs {probe.needs}")
    if probe.reached and probe.detail:
        notes.append(probe.detail)
    return notes


def table(rows: list[Row]) -> Table:
    """The rows as a rich table (pure: no output)."""
    view = Table(title="Preflight: each slot's key and model, as the providers answer")
    for column in ("slot", "model", "key", "lifecycle", "what to change"):
        view.add_column(column, overflow="fold")
    for row in rows:
        style = "red" if not row.ok else ("yellow" if not row.verified or row.change else "")
        view.add_row(row.slot, row.model, row.key, row.lifecycle, row.change or "—", style=style)
    return view


def check(values: Parameters, ui: UI, context: Any, **options: Any) -> list[Row]:
    """Run the preflight, show the table; raise DeployError (exit 2) if any slot would fail."""
    ui.step("Preflight: asking each provider about each slot's key and model")
    started = time.monotonic()
    rows = run(slots_of(values), context, **options)
    ui.show(table(rows))
    failing = [row.change for row in rows if not row.ok]
    if failing:
        raise DeployError(
            f"The preflight found {len(failing)} slot(s) that would fail:",
            problems=tuple(failing),
            fix="Nothing was changed in AWS. Fix them and run again (or deploy anyway with "
            "--skip-check).",
            exit_code=USAGE,
        )
    unverified = sum(not row.verified for row in rows)
    ui.success(
        f"Preflight passed for {len(rows)} slot(s) in {time.monotonic() - started:.1f} s"
        + (f" ({unverified} not verified)" if unverified else "")
    )
    return rows


# -- where the calls go ----------------------------------------------------------------------
def aws_context(session: Any, region: str | None) -> Any:
    """The real providers; Bedrock through the deployer's own AWS session. (--local asks the
    provider simulator instead: local/deploy.py builds that context.)"""
    probes = handler_module("pixelprompt.providers.probes")
    return probes.Context(env={}, aws_session=session, region=region)


def _resolve(catalog: Any, name: str, day: date) -> Any:
    """A ModelSpec, or the catalog's sentence when the name is refused."""
    try:
        return catalog.resolve_model(name, on=day)
    except Exception as exc:  # ProviderError: the parameter check already reports these
        return str(getattr(exc, "message", exc))


def _chat_name(name: str) -> str | None:
    catalog = handler_module("pixelprompt.providers.catalog")
    try:
        spec = catalog.resolve_model(name)
    except Exception:
        return None
    chat = catalog.CHAT_MODELS.get(spec.provider)
    return f"{spec.provider}/{chat}" if chat else None


def _int(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except ValueError:
        return 0
