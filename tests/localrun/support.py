"""Test support: a tiny function deployed the way CloudFormation does it (zip in S3,
create_function from S3Bucket/S3Key), so these tests need no other part's code."""

from __future__ import annotations

import io
import json
import textwrap
import uuid
import zipfile

from local.run.aws import LocalAwsClients
from local.run.logs import LogSink

ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)

# The test function: its behaviour is chosen by the event, so one artifact covers every case.
HANDLER = textwrap.dedent(
    """
    import json, os, sys, time, uuid
    import boto3

    VERSION = "{version}"
    PID = os.getpid()
    COUNT = 0

    def lambda_handler(event, context):
        global COUNT
        COUNT += 1
        if isinstance(event.get("Records"), list):  # an SQS batch: keep each, fail "fail*"
            failed = []
            for record in event["Records"]:
                boto3.client("s3").put_object(
                    Bucket=os.environ["RECORD_BUCKET"],
                    Key=f"sqs/{{record['messageId']}}/{{uuid.uuid4()}}",
                    Body=json.dumps(record).encode(),
                )
                if record["body"].startswith("fail"):
                    failed.append({{"itemIdentifier": record["messageId"]}})
            return {{"batchItemFailures": failed}}
        query = event.get("queryStringParameters") or {{}}
        action = query.get("do") or event.get("do")
        if event.get("record"):
            boto3.client("s3").put_object(
                Bucket=os.environ["RECORD_BUCKET"],
                Key=f"attempts/{{context.aws_request_id}}/{{uuid.uuid4()}}",
                Body=b"1",
            )
        if action == "raise":
            raise ValueError("boom from " + VERSION)
        if action == "crash":
            os._exit(3)
        if action == "sleep":
            time.sleep(float(query.get("s") or event.get("s") or 5))
        if action == "logmany":
            for i in range(300):
                print(json.dumps({{"level": "INFO", "message": f"line {{i}}"}}))
        if action == "log":
            print(json.dumps({{"level": "INFO", "message": "generate accepted", "job": "j-1"}}))
        if action == "bare":
            return {{"bare": True}}
        if action == "bad":
            return {{"statusCode": "not-a-status"}}
        return {{
            "statusCode": 201 if action == "created" else 200,
            "headers": {{"Content-Type": "application/json", "X-Version": VERSION,
                        "Access-Control-Allow-Origin": "https://backend.example"}},
            "cookies": ["a=1; Path=/"],
            "body": json.dumps({{
                "version": VERSION, "count": COUNT, "pid": PID,
                "remaining": context.get_remaining_time_in_millis(),
                "requestId": context.aws_request_id,
                "event": event,
                "env": {{k: os.environ.get(k) for k in (
                    "AWS_ENDPOINT_URL", "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION",
                    "CLOUDFRONT_DOMAIN", "DEPLOYED_VAR", "AWS_ACCESS_KEY_ID", "LAMBDA_TASK_ROOT",
                    "AWS_LAMBDA_LOG_STREAM_NAME",
                )}},
                "paths": {{"boto3": boto3.__file__, "handler": __file__}},
            }}),
        }}
    """
)


def handler_zip(version: str = "v1", extra: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("lambda_function.py", HANDLER.format(version=version))
        for name, text in (extra or {}).items():
            zf.writestr(name, text)
    return buf.getvalue()


class Deployed:
    """One function deployed to the local AWS, with helpers to redeploy it."""

    def __init__(self, aws: LocalAwsClients, timeout: int = 5, with_dlq: bool = True) -> None:
        self.aws = aws
        suffix = uuid.uuid4().hex[:8]
        self.name = f"fn-{suffix}"
        self.bucket = f"code-{suffix}"
        self.record_bucket = f"records-{suffix}"
        s3 = aws.client("s3")
        s3.create_bucket(Bucket=self.bucket)
        s3.create_bucket(Bucket=self.record_bucket)
        role = aws.client("iam").create_role(
            RoleName=f"role-{suffix}", AssumeRolePolicyDocument=ROLE_POLICY
        )["Role"]["Arn"]
        self.dlq_url: str | None = None
        extra: dict = {}
        if with_dlq:
            sqs = aws.client("sqs")
            self.dlq_url = sqs.create_queue(QueueName=f"dlq-{suffix}")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=self.dlq_url, AttributeNames=["QueueArn"])
            extra["DeadLetterConfig"] = {"TargetArn": arn["Attributes"]["QueueArn"]}
        key = self._upload("v1")
        aws.client("lambda").create_function(
            FunctionName=self.name,
            Runtime="python3.12",
            Role=role,
            Handler="lambda_function.lambda_handler",
            Code={"S3Bucket": self.bucket, "S3Key": key},
            Timeout=timeout,
            MemorySize=256,
            Environment={
                "Variables": {"DEPLOYED_VAR": "from-config", "RECORD_BUCKET": self.record_bucket}
            },
            **extra,
        )

    def _upload(self, version: str) -> str:
        key = f"artifacts/{version}-{uuid.uuid4().hex}.zip"
        self.aws.client("s3").put_object(Bucket=self.bucket, Key=key, Body=handler_zip(version))
        return key

    def redeploy(self, version: str, body: bytes | None = None) -> None:
        """New code through the Lambda API (`body` replaces the zip, e.g. with a broken one)."""
        key = self._upload(version)
        if body is not None:
            self.aws.client("s3").put_object(Bucket=self.bucket, Key=key, Body=body)
        self.aws.client("lambda").update_function_code(
            FunctionName=self.name, S3Bucket=self.bucket, S3Key=key
        )

    def attempts(self, request_id: str) -> int:
        page = self.aws.client("s3").list_objects_v2(
            Bucket=self.record_bucket, Prefix=f"attempts/{request_id}/"
        )
        return page.get("KeyCount", 0)


class ListSink(LogSink):
    """Keeps every line so that tests can assert on what the terminal would show."""

    def __init__(self) -> None:
        super().__init__(None)
        self.lines: list[str] = []

    def line(self, source: str, text: str) -> None:
        self.lines.append(f"[{source}] {text}")
