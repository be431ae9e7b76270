"""AWS's documented limits and rules, in one place, each with its source.

Sources are pages of the AWS Lambda Developer Guide (LDG), the Kinesis Data Streams Developer
Guide (KDG), the DynamoDB Developer Guide and the boto3 guide, as collected in the team's
``aws-lambda-facts.md``. Numbers AWS does not publish are not here: they are scenario
parameters with documented defaults (see ``lambdasim defaults``).
"""

MIB = 1024 * 1024

# -- Lambda (LDG: lambda-runtime-environment, gettingstarted-limits, lambda-concurrency) ----
INIT_LIMIT_S = 10.0
"""The init phase is limited to 10 s."""
SYNC_PAYLOAD_BYTES = 6 * MIB
"""Synchronous invocation payload (6 MB); caps a stream or SQS batch."""
UNRESERVED_MINIMUM = 100
"""Concurrency AWS keeps unreserved: min(100, account limit) (LDG: lambda-concurrency)."""
THROTTLE_REASONS = ("account", "reserved", "scaling")

# -- Synchronous callers (boto3 guide: retries) -------------------------------------------
SDK_ATTEMPTS = {"none": 1, "standard": 3, "legacy": 5}
"""Attempts in all per boto3 retry mode ("none" = the caller does not retry)."""
SDK_BACKOFF_CAP_S = 20.0
"""boto3 standard mode: exponential backoff with full jitter, capped at 20 s."""

# -- Kinesis and DynamoDB Streams (KDG service limits; LDG with-kinesis, with-ddb) ---------
SHARD_WRITE_RECORDS = 1000
"""Records per second a Kinesis shard accepts."""
SHARD_WRITE_BYTES = MIB
"""Bytes per second a Kinesis shard accepts (1 MB/s)."""
STREAM_READ = {
    "kinesis": {"calls_per_s": 5.0, "bytes_per_s": 2 * MIB, "records_per_call": 10_000,
                "poll_interval_s": 1.0},
    "dynamodb": {"calls_per_s": 5.0, "bytes_per_s": 2 * MIB, "records_per_call": 1_000,
                 "poll_interval_s": 0.25},
}
"""Per shard: GetRecords calls/s, bytes/s and records per call shared by the standard
consumers; Lambda's base poll interval (Kinesis once a second, DynamoDB four times)."""
DYNAMODB_READERS = 2
"""Readers per DynamoDB stream shard before reads are throttled."""

# -- SQS (LDG services-sqs-scaling, with-sqs; SQS Developer Guide) -------------------------
SQS_SCALING = {"2023": (300, 1250), "legacy": (60, 1000)}
"""Scaling rule -> (pollers added per minute, most pollers); "2023" since November 2023."""
SQS_START_POLLERS = 5
"""A mapping starts with five concurrent batches."""
SQS_AGE_SKIP_RECEIVES = 3
"""ApproximateAgeOfOldestMessage ignores messages received three times or more."""
