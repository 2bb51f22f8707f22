"""A stack's life outside a deploy: make it deployable first (wait, recreate, explain), delete.

Sceptre's shape: raw statuses map to a few states (`stack.State`), and each operation is
followed through its own events until it settles.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from .errors import DeployError
from .events import EventFeed, Watcher, cause_sentence, last_operation, root_cause
from .stack import RECREATE, StackInfo, State, describe, outputs_as_dict
from .ui import UI


def new_token() -> str:
    return f"pixel-prompt-{uuid.uuid4()}"


class Lifecycle:
    def __init__(
        self, cf: Any, ui: UI, watcher: Watcher, token: Callable[[], str] = new_token
    ) -> None:
        self.cf = cf
        self.ui = ui
        self.watcher = watcher
        self.new_token = token

    def settle(self, name: str) -> StackInfo | None:
        """Make the stack deployable: wait, or delete a failed first create, or explain."""
        info = describe(self.cf, name)
        if info is None:
            return None
        if info.status in RECREATE:
            self._recreate(info)
            return None
        if info.status == "UPDATE_ROLLBACK_FAILED":
            raise self._rollback_failed(info)
        if info.status == "DELETE_FAILED":
            raise DeployError(
                f"Stack {name} is DELETE_FAILED: {info.reason}",
                fix=f"Run `python deploy.py --delete --stack-name {name}` again once the "
                "cause is fixed.",
            )
        if info.state is State.IN_PROGRESS:
            self._wait(info)
            return self.settle(name)
        return info

    def _recreate(self, info: StackInfo) -> None:
        why = {
            "REVIEW_IN_PROGRESS": "it was never created (a change set was made but not executed)",
        }.get(info.status, "its first create failed, and such a stack can only be deleted")
        self.ui.warn(f"Stack {info.name} is {info.status}: {why}.")
        cause = self._past_cause(info)
        if cause:
            self.ui.say(f"  Earlier failure: {cause}")
        if not self.ui.confirm(f"Delete stack {info.name} and create it again?"):
            raise DeployError(
                f"Stack {info.name} was left as it is ({info.status}); nothing was deployed."
            )
        self._delete(info)
        return None

    def _rollback_failed(self, info: StackInfo) -> DeployError:
        """Name both the update's failure and what then stopped the rollback."""
        events = last_operation(EventFeed(self.cf, info.stack_id, None, None).poll())
        turn = next(
            (i for i, e in enumerate(events) if e.status == "UPDATE_ROLLBACK_IN_PROGRESS"),
            len(events),
        )
        failed, blocked = root_cause(events[:turn]), root_cause(events[turn:])
        causes = [f"the update failed at {cause_sentence(failed, None)}"] if failed else []
        if blocked and not blocked.is_stack:
            causes.append(f"the rollback failed at {cause_sentence(blocked, None)}")
        detail = f" ({'; '.join(causes)})" if causes else ""
        return DeployError(
            f"Stack {info.name} is UPDATE_ROLLBACK_FAILED: CloudFormation could not roll back "
            f"the last update{detail}, and no update is possible until it does.",
            fix=f"Fix what stopped the rollback, then run `aws cloudformation "
            f"continue-update-rollback --stack-name {info.name}` (add --resources-to-skip "
            "LOGICAL_ID for a resource that cannot be restored), wait for "
            "UPDATE_ROLLBACK_COMPLETE, and deploy again.",
        )

    def _past_cause(self, info: StackInfo) -> str:
        events = last_operation(EventFeed(self.cf, info.stack_id, None, None).poll())
        cause = root_cause(events)
        return cause_sentence(cause, None) if cause else ""

    def _wait(self, info: StackInfo) -> None:
        """Follow somebody else's operation (no token of ours) until it settles."""
        self.ui.step(f"Stack {info.name} is {info.status}; waiting for that operation to finish")
        feed = EventFeed.starting_now(self.cf, info.stack_id, None)
        self.watcher.wait(info.stack_id, feed, info.name)

    def delete(self, name: str, region: str) -> bool:
        """Delete the stack after confirmation; False when there was none."""
        info = describe(self.cf, name)
        if info is None:
            self.ui.say(f"There is no stack named {name} in {region}; nothing to delete.")
            return False
        if info.state is State.IN_PROGRESS and info.status not in RECREATE:
            self._wait(info)
        bucket = outputs_as_dict(info).get("S3BucketName")
        if not self.ui.confirm(
            f"Delete stack {name} and its resources (the image bucket is kept)?"
        ):
            self.ui.say("Nothing was deleted.")
            return False
        self._delete(info)
        self.ui.success(f"Deleted stack {name}.")
        if bucket:
            self.ui.say(retained_bucket_note(bucket))
        return True

    def _delete(self, info: StackInfo) -> None:
        token = self.new_token()
        feed = EventFeed.starting_now(self.cf, info.stack_id, token)
        self.cf.delete_stack(StackName=info.stack_id, ClientRequestToken=token)
        final = self.watcher.wait(info.stack_id, feed, f"Delete {info.name}")
        if final is not None:
            raise DeployError(
                f"Deleting stack {info.name} failed. Root cause: "
                + cause_sentence(root_cause(feed.history), final),
                fix="Fix the cause (e.g. empty a bucket the stack owns) and delete again.",
            )


def retained_bucket_note(bucket: str) -> str:
    return (
        f"The image bucket {bucket} is retained by design (DeletionPolicy: Retain), so generated "
        f"images survive a delete. To remove it too:\n"
        f"  aws s3 rm s3://{bucket} --recursive\n"
        f"  aws s3 rb s3://{bucket}"
    )
