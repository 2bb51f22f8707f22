"""The AWS stage: settle the stack, upload, change set, confirm, execute, watch, outputs.

Collaborators come in (client factory, UI, sleep), so tests pass Stubber-backed clients.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import changeset, diff, secret
from .artifacts import (
    CODE_PREFIX,
    TEMPLATE_PREFIX,
    ArtifactBucket,
    default_bucket_name,
    ensure_bucket,
)
from .aws import ClientFactory, is_loopback
from .build import Prepared
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


@dataclass(frozen=True)
class DeployRequest:
    stack_name: str
    execute: bool = True
    force: bool = False
    artifacts_bucket: str | None = None


@dataclass(frozen=True)
class DeployResult:
    outcome: str  # created | updated | unchanged | no-changes | not-executed | declined
    outputs: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)


class Deployer:
    def __init__(self, factory: ClientFactory, ui: UI, sleep: Callable[[float], None] = time.sleep):
        self.factory = factory
        self.ui = ui
        self.sleep = sleep
        self.cf = factory.client("cloudformation")
        self.watcher = Watcher(self.cf, ui, sleep)
        self.lifecycle = Lifecycle(self.cf, ui, self.watcher)
        # ClientRequestToken of each operation: its events carry it, so only they are shown.
        self.new_token: Callable[[], str] = new_token
        self.models: list[str] = []  # the configured model names, for the page's config.json

    # -- deploy ---------------------------------------------------------------------------
    def deploy(self, prepared: Prepared, request: DeployRequest) -> DeployResult:
        self.models = prepared.params.model_names()
        account = self.factory.account_id()
        info = self.settle(request.stack_name)
        bucket_name = request.artifacts_bucket or default_bucket_name(account, self.factory.region)
        code_key = f"{CODE_PREFIX}{prepared.package.sha256}.zip"
        values = prepared.params.with_values(CodeBucket=bucket_name, CodeKey=code_key)
        if secret.VERSION in prepared.specs:
            values = secret.fill(values, info.parameters if info else None, request.stack_name)
        body = with_secrets_digest(prepared.template, request.stack_name, values.secrets())
        if self._compare(info, body, values, prepared) and not request.force:
            self.ui.success(
                f"No changes: stack {request.stack_name} already runs this template, code "
                "and parameters."
            )
            return self._finish("unchanged", info)
        bucket = ensure_bucket(
            self.factory.client("s3"),
            bucket_name,
            self.factory.region,
            self.ui,
            tls_only=not (self.factory.endpoint_url or "").startswith("http://"),
        )
        if bucket.upload_file(prepared.package.path, code_key):
            self.ui.step(f"Uploaded the code to s3://{bucket.name}/{code_key}")
        else:
            self.ui.say(f"  code already in s3://{bucket.name}/{code_key} (not uploaded again)")
        return self._change(request, info, self._template_arg(bucket, body), values)

    def _compare(
        self, info: StackInfo | None, body: Body, values: Parameters, prepared: Prepared
    ) -> bool:
        """True when the stack already runs exactly this (CDK's shortcut); else show the
        parameters that change."""
        if info is None:
            return False
        deployed = (
            deployed_template(self.cf, info.stack_id) if info.state is State.COMPLETE else None
        )
        changes = diff.parameter_changes(
            info.parameters, deployed, values, prepared.specs, body.data
        )
        if changes:
            self.ui.show(diff.table(changes))
        return deployed == body.data and not changes

    def _template_arg(self, bucket: ArtifactBucket, body: Body) -> dict[str, str]:
        if body.inline:
            return {"TemplateBody": body.text}
        key = f"{TEMPLATE_PREFIX}{body.sha256}.json"
        bucket.upload_bytes(body.text.encode(), key)
        return {"TemplateURL": bucket.url(key)}

    def _change(
        self,
        request: DeployRequest,
        info: StackInfo | None,
        template: dict[str, str],
        values: Parameters,
    ) -> DeployResult:
        kind = "UPDATE" if info else "CREATE"
        self.ui.step(f"Creating a change set ({kind}) for stack {request.stack_name}")
        cs = changeset.create(
            self.cf, request.stack_name, kind, template, values.to_cloudformation()
        )
        cs = changeset.wait(self.cf, cs, self.sleep)
        if cs.empty:
            self._discard(cs)
            self.ui.success("No changes: CloudFormation found nothing to update.")
            return self._finish("no-changes", describe(self.cf, request.stack_name))
        if cs.status != "CREATE_COMPLETE":
            self._discard(cs)
            raise DeployError(
                f"CloudFormation could not create the change set: {cs.reason or cs.status}"
            )
        self.ui.show(changeset.table(cs))
        if not request.execute:
            self.ui.say(
                f"Change set {cs.name} is ready and was not executed (--no-execute). "
                "Execute it with:\n"
                f"  aws cloudformation execute-change-set --change-set-name {cs.arn}"
            )
            return DeployResult("not-executed")
        try:
            confirmed = self.ui.confirm(f"Deploy these changes to stack {request.stack_name}?")
        except DeployError:
            self._discard(cs)  # nobody to ask: leave nothing half-made behind
            raise
        if not confirmed:
            self._discard(cs)
            self.ui.say("Nothing was deployed.")
            return DeployResult("declined")
        return self._execute(cs)

    def _execute(self, cs: changeset.ChangeSet) -> DeployResult:
        token = self.new_token()
        feed = EventFeed.starting_now(self.cf, cs.stack_id, token)
        changeset.execute(self.cf, cs, token)
        final = self.watcher.wait(
            cs.stack_id, feed, f"{cs.kind.title()} {cs.stack_id.split('/')[1]}"
        )
        if final is None or final.state is not State.COMPLETE:
            raise DeployError(
                "The deploy failed. Root cause: " + cause_sentence(root_cause(feed.history), final),
                fix="Fix the cause and run deploy.py again; the stack rolled back to its last "
                "good state."
                if cs.kind == "UPDATE"
                else "Fix the cause and run deploy.py again; it will replace the failed stack.",
            )
        self.ui.success(f"Stack {final.name}: {final.status}")
        return self._finish("created" if cs.kind == "CREATE" else "updated", final)

    def _discard(self, cs: changeset.ChangeSet) -> None:
        """Delete the change set, and the empty shell a CREATE change set leaves behind."""
        changeset.delete(self.cf, cs)
        if cs.kind == "CREATE":
            self.cf.delete_stack(StackName=cs.stack_id)

    def _finish(self, outcome: str, info: StackInfo | None) -> DeployResult:
        if info is None:
            return DeployResult(outcome)
        values = outputs_as_dict(info)
        self.publish_site(values)
        return DeployResult(outcome, values, output_descriptions(info))

    # -- the web page (issue 6) -------------------------------------------------------------
    def publish_site(self, outputs: dict[str, str]) -> None:
        """Upload frontend/ and its config.json to the stack's bucket once the stack is up.

        Idempotent (unchanged files are skipped), so it runs on every deploy, and again in
        --local once the local API's address (LocalApiEndpoint) is known.
        """
        if not (FRONTEND_DIR / "index.html").exists() or "S3BucketName" not in outputs:
            return
        from .site import current_api_endpoint, upload_site

        s3 = self.factory.client("s3")
        endpoint = outputs.get("LocalApiEndpoint")
        if not endpoint and is_loopback(self.factory.endpoint_url):
            # A redeploy into a running --local stack: keep the API address the page is served
            # with, since the stack's own ApiEndpoint is not served on this machine.
            endpoint = current_api_endpoint(s3, outputs["S3BucketName"])
        upload_site(
            s3,
            outputs["S3BucketName"],
            endpoint or outputs.get("ApiEndpoint", ""),
            FRONTEND_DIR,
            self.ui,
            models=self.models,
        )

    # -- the stack's state first, and delete ----------------------------------------------------
    def settle(self, name: str) -> StackInfo | None:
        return self.lifecycle.settle(name)

    def delete(self, name: str) -> bool:
        self.factory.account_id()
        return self.lifecycle.delete(name, self.factory.region)
