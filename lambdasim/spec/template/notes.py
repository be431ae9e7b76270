"""Why each property lambdasim does not model is ignored, and which properties are inert.

*Inert* properties cannot change what Lambda does with an event (names, tags, code location,
handler, IAM role, descriptions, the key schema of a table whose stream is read): they are
listed in the mapping table's note, not warned about. Every other property not read becomes a
warning ``ignored: Res.Prop = value (reason)``; a property with no entry here is ``(not
modelled)``.
"""

from __future__ import annotations

NAMES = frozenset({"Tags", "Description", "Name"})

FUNCTION_INERT = NAMES | {
    "Code", "Handler", "Role", "FunctionName", "Environment", "ImageConfig", "LoggingConfig",
    "RecursiveLoop", "RuntimeManagementConfig", "CodeSigningConfigArn", "KmsKeyArn",
    "PublishToLatestPublished"}
FUNCTION = {
    "Layers": "layers are not modelled: their load time belongs in cold_start",
    "VpcConfig": "VPC networking is not modelled (since 2019 a VPC adds no per-invocation "
                 "cold start)",
    "EphemeralStorage": "/tmp size is not modelled (neither its cost)",
    "FileSystemConfigs": "EFS mounts are not modelled",
    "SnapStart": "SnapStart is not modelled: cold starts are as given by cold_start",
    "TracingConfig": "X-Ray tracing overhead is not modelled",
    "PackageType": "container images are not modelled apart: cold starts are as given by "
                   "cold_start",
    "Runtime": "this lambdasim has no runtime field: cold starts are as given by cold_start",
    "CapacityProviderConfig": "Lambda managed instances are not modelled",
    "TenancyConfig": "tenant isolation is not modelled",
    "DurableConfig": "durable functions are not modelled",
    "FunctionScalingConfig": "managed-instance scaling is not modelled",
}

MAPPING_INERT = NAMES | {"FunctionName", "EventSourceArn", "MetricsConfig", "LoggingConfig"}
MAPPING = {
    "TumblingWindowInSeconds": "tumbling windows are not modelled",
    "FilterCriteria": "event filtering is not modelled: the workload is the records that "
                      "pass the filter",
    "KmsKeyArn": "filter-criteria encryption is not modelled",
    "ProvisionedPollerConfig": "provisioned-mode pollers are not modelled",
    "Queues": "Amazon MQ settings do not apply",
    "Topics": "Kafka settings do not apply",
    "SourceAccessConfigurations": "source access (VPC, secrets) is not modelled",
    "SelfManagedEventSource": "Kafka settings do not apply",
    "SelfManagedKafkaEventSourceConfig": "Kafka settings do not apply",
    "AmazonManagedKafkaEventSourceConfig": "Kafka settings do not apply",
    "DocumentDBEventSourceConfig": "DocumentDB settings do not apply",
}
STREAM_ONLY = ("ParallelizationFactor", "StartingPosition", "StartingPositionTimestamp",
               "MaximumRetryAttempts", "MaximumRecordAgeInSeconds",
               "BisectBatchOnFunctionError", "TumblingWindowInSeconds")

QUEUE_INERT = NAMES | {"QueueName", "RedriveAllowPolicy", "ReceiveMessageWaitTimeSeconds"}
QUEUE = {
    "DelaySeconds": "delay queues are not modelled: messages are visible at once",
    "MaximumMessageSize": "message size comes from the workload's record_bytes",
    "KmsMasterKeyId": "encryption is not modelled",
    "KmsDataKeyReusePeriodSeconds": "encryption is not modelled",
    "SqsManagedSseEnabled": "encryption is not modelled",
    "ContentBasedDeduplication": "FIFO deduplication is not modelled",
    "DeduplicationScope": "FIFO deduplication is not modelled",
    "FifoThroughputLimit": "FIFO throughput limits are not modelled",
}

STREAM_INERT = NAMES | {"DesiredShardLevelMetrics"}
STREAM = {
    "StreamEncryption": "encryption is not modelled",
    "MaxRecordSizeInKiB": "record size comes from the workload's record_bytes",
    "WarmThroughputMiBps": "on-demand warm throughput is not modelled",
    "WarmThroughputObject": "on-demand warm throughput is not modelled",
}
#: a DynamoDB table: only its stream is simulated
TABLE_READ = ("StreamSpecification", "BillingMode", "ProvisionedThroughput")
TOPIC_INERT = NAMES | {"TopicName", "DisplayName", "Subscription"}
SUBSCRIPTION_INERT = frozenset({"Protocol", "Endpoint", "TopicArn", "Region",
                                "RawMessageDelivery", "SubscriptionRoleArn"})
SUBSCRIPTION = {
    "FilterPolicy": "message filtering is not modelled: the workload is the messages that "
                    "pass the filter",
    "FilterPolicyScope": "message filtering is not modelled",
    "DeliveryPolicy": "SNS delivery retries are not modelled (Lambda accepts asynchronous "
                      "events at once)",
    "RedrivePolicy": "SNS's own dead-letter queue is not modelled",
    "ReplayPolicy": "message replay is not modelled",
}
RULE_INERT = NAMES | {"EventBusName", "RoleArn", "Targets"}
RULE = {"EventPattern": "event matching is not modelled: the workload is the events that "
                        "match the pattern"}
TARGET_INERT = frozenset({"Arn", "Id", "Input", "InputPath", "InputTransformer", "RoleArn"})
TARGET = {"RetryPolicy": "EventBridge's retries of its own delivery are not modelled",
          "DeadLetterConfig": "EventBridge's own dead-letter queue is not modelled"}
INVOKE_CONFIG_INERT = frozenset({"FunctionName", "Qualifier"})
URL_INERT = frozenset({"TargetFunctionArn", "Qualifier", "AuthType", "Cors"})
URL = {"InvokeMode": "response streaming is not modelled: the latency is to the end of the "
                     "invocation"}

#: resource types that are wiring, not behaviour: a mapping row, no warning
WIRING = {
    "AWS::Lambda::Permission": "invoke permission",
    "AWS::Lambda::Version": "published version",
    "AWS::Lambda::Alias": "alias",
    "AWS::Kinesis::StreamConsumer": "enhanced fan-out consumer",
}
#: why a resource type is skipped
SKIPPED = {
    "AWS::IAM::": "IAM is not modelled",
    "AWS::Logs::": "logging is not modelled",
    "AWS::CloudWatch::": "alarms and dashboards are not modelled",
    "AWS::CodeDeploy::": "gradual deployments are not modelled",
    "AWS::ApiGateway::": "API Gateway itself is not modelled: calls reach the function directly",
    "AWS::ApiGatewayV2::": "API Gateway itself is not modelled: calls reach the function directly",
    "AWS::Lambda::LayerVersion": "layers are not modelled",
    "AWS::KMS::": "encryption is not modelled",
    "AWS::EC2::": "networking is not modelled",
    "AWS::CloudFormation::": "stack plumbing is not modelled",
    "Custom::": "custom resources run at deploy time, not under load",
    "AWS::StepFunctions::": "Step Functions is not modelled",
    "AWS::Scheduler::ScheduleGroup": "a schedule group holds no schedule",
}
DEFAULT_SKIP = "not a Lambda invocation path lambdasim models"


def skip_reason(rtype: str) -> str:
    for prefix, why in SKIPPED.items():
        if rtype.startswith(prefix):
            return why
    return DEFAULT_SKIP
