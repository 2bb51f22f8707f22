"""A deploy as an ordered list of steps (chalice's shape), run by one small loop.

Each step does one job and returns the context, or an `Outcome` that ends the deploy: a live
stack's outcome (created, updated, unchanged, no changes) still runs the finishing steps
(outputs, web page, report); the others (not executed, declined) stop there. `deploy_steps()`
is the one composition of a deploy; `plan_steps()` is the same list without the steps that
change anything, ending at a change set to review; `--local` composes its own list around
these (local/deploy.py).

Collaborators come in through `Services` (client factory, UI, sleep, token source), so tests
pass Stubber-backed or local-AWS clients.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from . import changeset, diff, preflight, secret
from . import outputs as outputs_view
from .artifacts import (
    CODE_PREFIX,
    TEMPLATE_PREFIX,
    ArtifactBucket,
    default_bucket_name,
    ensure_bucket,
)
from .aws import ClientFactory
from .build import Prepared, Validated, package, validate
from .errors import DeployError
from .events import EventFeed, Watcher, cause_sentence, root_cause
from .lifecycle import Lifecycle, new_token
from .params import Parameters
from .stack import (
    StackInfo,
    State,
    deployed_template,
    describe,
    output_descriptions,
    outputs_as_dict,
)
from .template import Body, with_secrets_digest
from .ui import UI

FRONTEND_DIR = Path(__file__).resolve().parent.parent / "frontend"


class Outcome(StrEnum):
    """How a deploy ended (a str, so `outcome == "created"` reads as before)."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # the stack already runs this template, code and parameters
    NO_CHANGES = "no-changes"  # CloudFormation's change set was empty
    NOT_EXECUTED = "not-executed"  # --no-execute: a change set is left to review
    DECLINED = "declined"

    @property
    def live(self) -> bool:
        """The stack is up and runs what was asked: show and publish what it has."""
        return self in {Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED, Outcome.NO_CHANGES}


@dataclass(frozen=True)
class DeployRequest:
    stack_name: str
    execute: bool = True
    force: bool = False
    artifacts_bucket: str | None = None
    params_file: Path | None = None
    outputs_file: Path | None = None
    skip_check: bool = False  # --skip-check: no preflight


@dataclass(frozen=True)
class DeployResult:
    outcome: Outcome
    outputs: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)


@dataclass
class Services:
    """Everything a step talks to. AWS is reached on first use, so the local steps (validate,
    package) report their problems before a missing region or profile could."""

    connect: Callable[[], ClientFactory]
    ui: UI
    sleep: Callable[[float], None] = time.sleep
    # ClientRequestToken of each operation: its events carry it, so only they are shown.
    new_token: Callable[[], str] = new_token
    frontend_dir: Path = FRONTEND_DIR

    @cached_property
    def factory(self) -> ClientFactory:
        return self.connect()

    @cached_property
    def cf(self) -> Any:
        return self.factory.client("cloudformation")

    @cached_property
    def watcher(self) -> Watcher:
        return Watcher(self.cf, self.ui, self.sleep)

    @cached_property
    def lifecycle(self) -> Lifecycle:
        return Lifecycle(self.cf, self.ui, self.watcher, lambda: self.new_token())


@dataclass
class DeployContext:
    """What the steps know so far; each step fills in its part."""

    request: DeployRequest
    services: Services
    validated: Validated | None = None
    prepared: Prepared | None = None
    account: str = ""
    info: StackInfo | None = None  # the stack as found, settled
    values: Parameters | None = None  # the file's, plus CodeBucket and CodeKey
    body: Body | None = None
    bucket_name: str = ""
    code_key: str = ""
    bucket: ArtifactBucket | None = None
    template_arg: dict[str, str] = field(default_factory=dict)
    change_set: changeset.ChangeSet | None = None
    final: StackInfo | None = None  # the stack once the deploy is over
    outcome: Outcome | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    @property
    def ui(self) -> UI:
        return self.services.ui

    def need(self, value: Any, what: str) -> Any:
        """A value an earlier step sets; a missing one is a wiring mistake, said plainly."""
        if value is None:
            raise DeployError(f"The deploy steps are out of order: {what} is not known yet.")
        return value


StepResult = DeployContext | Outcome


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[DeployContext], StepResult]
    executes: bool = False  # changes the stack or what it serves (left out of a plan)
    finishing: bool = False  # runs after a live outcome too


def run_steps(steps: Iterable[Step], ctx: DeployContext) -> DeployResult:
    """Run the steps in order; after an outcome, only the finishing ones (for a live stack)."""
    for step in steps:
        if ctx.outcome is not None and not (step.finishing and ctx.outcome.live):
            continue
        result = step.run(ctx)
        if isinstance(result, Outcome):
            ctx.outcome = result
    if ctx.outcome is None:
        raise DeployError("The deploy steps ended without an outcome.")
    return DeployResult(ctx.outcome, ctx.outputs, ctx.descriptions)


# -- the local steps: no AWS calls ---------------------------------------------------------------
PLACEHOLDER_NOTE = (
    "the preflight will find the providers refusing them (with --skip-check, those models "
    "answer with an authentication error) until you put real keys there."
)


def validating(placeholder_note: str = PLACEHOLDER_NOTE) -> Step:
    """The validate step; `placeholder_note` says what keys left as the example's mean."""

    def step(ctx: DeployContext) -> StepResult:
        params_file = ctx.need(ctx.request.params_file, "the parameters file")
        ctx.validated = validate(params_file, ctx.ui)
        if placeholders := ctx.validated.params.placeholder_keys():
            ctx.ui.warn(
                f"{', '.join(placeholders)} still hold the example's placeholder; "
                + placeholder_note
            )
        return ctx

    return Step("validate", step)


def package_step(ctx: DeployContext) -> StepResult:
    ctx.prepared = package(ctx.need(ctx.validated, "the validated parameters"), ctx.ui)
    return ctx


def preflight_step(ctx: DeployContext) -> StepResult:
    """Ask each provider about each slot's key and model (deployer/preflight.py), before any
    AWS change; any slot that would fail stops the deploy with every problem listed."""
    if ctx.request.skip_check:
        return ctx
    values = ctx.need(ctx.validated, "the validated parameters").params
    factory = ctx.services.factory
    preflight.check(values, ctx.ui, preflight.aws_context(factory.session, factory.region))
    return ctx


# -- reading what is deployed --------------------------------------------------------------------
def settle_step(ctx: DeployContext) -> StepResult:
    """Who we are, where the code goes, and the stack in a deployable state."""
    services, request = ctx.services, ctx.request
    prepared = ctx.need(ctx.prepared, "the package")
    ctx.account = services.factory.account_id()
    ctx.info = services.lifecycle.settle(request.stack_name)
    ctx.bucket_name = request.artifacts_bucket or default_bucket_name(
        ctx.account, services.factory.region
    )
    ctx.code_key = f"{CODE_PREFIX}{prepared.package.sha256}.zip"
    ctx.values = prepared.params.with_values(CodeBucket=ctx.bucket_name, CodeKey=ctx.code_key)
    if secret.VERSION in prepared.specs:  # the provider keys' secret, and its version
        deployed = ctx.info.parameters if ctx.info else None
        ctx.values = secret.fill(ctx.values, deployed, request.stack_name)
    ctx.body = with_secrets_digest(prepared.template, request.stack_name, ctx.values.secrets())
    return ctx


def compare_step(ctx: DeployContext) -> StepResult:
    """The stack already runs exactly this (CDK's shortcut): done, nothing uploaded. Otherwise
    show the parameters that change."""
    info, body = ctx.info, ctx.need(ctx.body, "the template body")
    if info is None:
        return ctx
    cf = ctx.services.cf
    deployed = deployed_template(cf, info.stack_id) if info.state is State.COMPLETE else None
    prepared, values = ctx.need(ctx.prepared, "the package"), ctx.need(ctx.values, "values")
    changes = diff.parameter_changes(info.parameters, deployed, values, prepared.specs, body.data)
    if changes:
        ctx.ui.show(diff.table(changes))
    if deployed == body.data and not changes and not ctx.request.force:
        ctx.ui.success(
            f"No changes: stack {ctx.request.stack_name} already runs this template, code "
            "and parameters."
        )
        ctx.final = info
        return Outcome.UNCHANGED
    return ctx


# -- artifacts ----------------------------------------------------------------------------------
def ensure_bucket_step(ctx: DeployContext) -> StepResult:
    factory = ctx.services.factory
    ctx.bucket = ensure_bucket(
        factory.client("s3"),
        ctx.bucket_name,
        factory.region,
        ctx.ui,
        tls_only=not (factory.endpoint_url or "").startswith("http://"),
        finish_setup=ctx.request.artifacts_bucket is None,
    )
    return ctx


def upload_step(ctx: DeployContext) -> StepResult:
    """The zip (once per content) and, when too large to send inline, the template."""
    bucket, prepared = ctx.need(ctx.bucket, "the bucket"), ctx.need(ctx.prepared, "package")
    if bucket.upload_file(prepared.package.path, ctx.code_key):
        ctx.ui.step(f"Uploaded the code to s3://{bucket.name}/{ctx.code_key}")
    else:
        ctx.ui.say(f"  code already in s3://{bucket.name}/{ctx.code_key} (not uploaded again)")
    body = ctx.need(ctx.body, "the template body")
    if body.inline:
        ctx.template_arg = {"TemplateBody": body.text}
    else:
        key = f"{TEMPLATE_PREFIX}{body.sha256}.json"
        bucket.upload_bytes(body.text.encode(), key)
        ctx.template_arg = {"TemplateURL": bucket.url(key)}
    return ctx


# -- the change set -----------------------------------------------------------------------------
def change_set_step(ctx: DeployContext) -> StepResult:
    cf, name = ctx.services.cf, ctx.request.stack_name
    kind = "UPDATE" if ctx.info else "CREATE"
    ctx.ui.step(f"Creating a change set ({kind}) for stack {name}")
    values = ctx.need(ctx.values, "the parameter values")
    cs = changeset.create(cf, name, kind, ctx.template_arg, values.to_cloudformation())
    cs = changeset.wait(cf, cs, ctx.services.sleep)
    if cs.empty:
        discard(ctx, cs)
        ctx.ui.success("No changes: CloudFormation found nothing to update.")
        ctx.final = describe(cf, name)
        return Outcome.NO_CHANGES
    if cs.status != "CREATE_COMPLETE":
        discard(ctx, cs)
        raise DeployError(
            f"CloudFormation could not create the change set: {cs.reason or cs.status}"
        )
    ctx.ui.show(changeset.table(cs))
    ctx.change_set = cs
    return ctx


def review_step(ctx: DeployContext) -> StepResult:
    """The end of a plan: the change set stays for someone to look at and execute."""
    cs = ctx.need(ctx.change_set, "the change set")
    ctx.ui.say(
        f"Change set {cs.name} is ready and was not executed (--no-execute). Execute it with:\n"
        f"  aws cloudformation execute-change-set --change-set-name {cs.arn}"
    )
    return Outcome.NOT_EXECUTED


def confirm_step(ctx: DeployContext) -> StepResult:
    cs = ctx.need(ctx.change_set, "the change set")
    try:
        confirmed = ctx.ui.confirm(f"Deploy these changes to stack {ctx.request.stack_name}?")
    except (DeployError, KeyboardInterrupt):
        discard(ctx, cs)  # nobody answered: leave nothing half-made behind
        raise
    if not confirmed:
        discard(ctx, cs)
        ctx.ui.say("Nothing was deployed.")
        return Outcome.DECLINED
    return ctx


def execute_step(ctx: DeployContext) -> StepResult:
    """Execute the change set and follow the stack's events until it settles."""
    cs, services = ctx.need(ctx.change_set, "the change set"), ctx.services
    token = services.new_token()
    feed = EventFeed.starting_now(services.cf, cs.stack_id, token)
    changeset.execute(services.cf, cs, token)
    title = f"{cs.kind.title()} {cs.stack_id.split('/')[1]}"
    final = services.watcher.wait(cs.stack_id, feed, title)
    if final is None or final.state is not State.COMPLETE:
        again = (
            "the stack rolled back to its last good state."
            if cs.kind == "UPDATE"
            else "it will replace the failed stack."
        )
        raise DeployError(
            "The deploy failed. Root cause: " + cause_sentence(root_cause(feed.history), final),
            fix=f"Fix the cause and run deploy.py again; {again}",
        )
    ctx.ui.success(f"Stack {final.name}: {final.status}")
    ctx.final = final
    return Outcome.CREATED if cs.kind == "CREATE" else Outcome.UPDATED


def discard(ctx: DeployContext, cs: changeset.ChangeSet) -> None:
    """Delete the change set, and the empty shell a CREATE change set leaves behind."""
    changeset.delete(ctx.services.cf, cs)
    if cs.kind == "CREATE":
        ctx.services.cf.delete_stack(StackName=cs.stack_id)


# -- finishing: a live stack's outputs, its web page, the report ---------------------------------
def outputs_step(ctx: DeployContext) -> StepResult:
    if ctx.final is not None:
        ctx.outputs = {**outputs_as_dict(ctx.final), **ctx.outputs}
        ctx.descriptions = {**output_descriptions(ctx.final), **ctx.descriptions}
    return ctx


def publish_site(ctx: DeployContext, api_endpoint: str) -> None:
    """Upload frontend/ and its config.json (naming `api_endpoint`) to the stack's bucket.

    Idempotent (unchanged files are skipped), so it runs on every deploy.
    """
    frontend = ctx.services.frontend_dir
    if not (frontend / "index.html").exists() or "S3BucketName" not in ctx.outputs:
        return
    from .site import upload_site

    models = ctx.prepared.params.model_names() if ctx.prepared else []
    s3 = ctx.services.factory.client("s3")
    upload_site(s3, ctx.outputs["S3BucketName"], api_endpoint, frontend, ctx.ui, models=models)


def publish_site_step(ctx: DeployContext) -> StepResult:
    publish_site(ctx, ctx.outputs.get("ApiEndpoint", ""))
    return ctx


def report_step(ctx: DeployContext) -> StepResult:
    """The outputs as a table, and as a flat JSON file when asked."""
    if not ctx.outputs:
        return ctx
    title = f"Outputs of {ctx.request.stack_name}"
    ctx.ui.show(outputs_view.table(ctx.outputs, ctx.descriptions, title))
    if ctx.request.outputs_file is not None:
        outputs_view.write_file(ctx.request.outputs_file, ctx.outputs)
        ctx.ui.say(f"Outputs written to {ctx.request.outputs_file}")
    return ctx


# -- the compositions -------------------------------------------------------------------------
BUILD_STEPS = (
    validating(),
    Step("package", package_step),
    Step("preflight", preflight_step),  # after the local build, before any AWS change
)
AWS_STEPS = (
    Step("settle", settle_step),
    Step("compare", compare_step),
    Step("ensure artifacts bucket", ensure_bucket_step),
    Step("upload", upload_step),
    Step("change set", change_set_step),
    Step("confirm", confirm_step, executes=True),
    Step("execute", execute_step, executes=True),
)
FINISH_STEPS = (
    Step("outputs", outputs_step, finishing=True),
    Step("publish site", publish_site_step, executes=True, finishing=True),
    Step("report", report_step, finishing=True),
)


def deploy_steps() -> list[Step]:
    """A deploy from the parameters file to the report."""
    return [*BUILD_STEPS, *AWS_STEPS, *FINISH_STEPS]


def plan_steps(steps: Sequence[Step] | None = None) -> list[Step]:
    """The same steps without those that change anything, ending at the change set to review."""
    kept = [s for s in (steps or deploy_steps()) if not s.executes and not s.finishing]
    return [*kept, Step("review", review_step)]


def replace(steps: Sequence[Step], name: str, *new: Step) -> list[Step]:
    """`steps` with the step called `name` replaced by `new` (several, or none)."""
    if name not in {s.name for s in steps}:
        raise ValueError(f"no step named {name!r}")
    out: list[Step] = []
    for step in steps:
        out.extend(new if step.name == name else (step,))
    return out


class Deployer:
    """The deploy steps against one account: `deploy` from prepared inputs, and `delete`."""

    def __init__(
        self,
        factory: ClientFactory | Callable[[], ClientFactory],
        ui: UI,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        connect = factory if callable(factory) else (lambda: factory)
        self.services = Services(connect, ui, sleep)

    @property
    def new_token(self) -> Callable[[], str]:
        return self.services.new_token

    @new_token.setter
    def new_token(self, make: Callable[[], str]) -> None:
        self.services.new_token = make

    def run(self, steps: Iterable[Step], request: DeployRequest, **known: Any) -> DeployResult:
        return run_steps(steps, DeployContext(request, self.services, **known))

    def deploy(self, prepared: Prepared, request: DeployRequest) -> DeployResult:
        """The AWS part of a deploy, for inputs already validated and packaged."""
        steps = [*AWS_STEPS, *FINISH_STEPS]
        return self.run(steps if request.execute else plan_steps(steps), request, prepared=prepared)

    def settle(self, name: str) -> StackInfo | None:
        return self.services.lifecycle.settle(name)

    def delete(self, name: str) -> bool:
        self.services.factory.account_id()
        return self.services.lifecycle.delete(name, self.services.factory.region)
