"""Calls every operation of botocore's Kinesis model against a running Runnel.

Run by e2e/boto3_all_ops_test.go:

    python3 all_ops.py http://127.0.0.1:PORT ACCOUNT_ID

It uses boto3 exactly as an application would (endpoint_url, static dummy
credentials, us-east-1, retries off), checks the key fields of every
answer, prints "OK <Operation>" once an operation's answers have all been
checked, and at the end requires that the set of operations it sent equals
the installed model's operation list, so an operation added to the model
fails the test until it is covered here. Any failure raises, which exits
non-zero with a traceback.
"""

import datetime
import json
import sys
import time

import boto3
import botocore.config
import botocore.session

ENDPOINT, ACCOUNT = sys.argv[1], sys.argv[2]
REGION = "us-east-1"
STREAM = "all-ops"
STREAM_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{STREAM}"
MAX_HASH = 2**128 - 1

client = boto3.client(
    "kinesis",
    endpoint_url=ENDPOINT,
    region_name=REGION,
    aws_access_key_id="AKIDTEST",
    aws_secret_access_key="secret",
    config=botocore.config.Config(retries={"total_max_attempts": 1}, read_timeout=30, connect_timeout=10),
)

# Every operation boto3 actually sends, whatever method sent it.
sent = set()
client.meta.events.register("before-call.kinesis", lambda model, **_: sent.add(model.name))

checked = set()


def ok(op):
    """Reports op as checked; each op is reported once."""
    if op not in checked:
        checked.add(op)
        print(f"OK {op}", flush=True)


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def poll(what, cond, timeout=10.0):
    """Calls cond until it returns a true value (returned) or timeout passes."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    last = None
    while True:
        last = cond()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def summary():
    return client.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]


def wait_active():
    return poll(f"{STREAM} ACTIVE", lambda: (lambda s: s if s["StreamStatus"] == "ACTIVE" else None)(summary()))


def open_shards():
    """The open shards (ListShards AT_LATEST), sorted by starting hash key."""
    out = client.list_shards(StreamName=STREAM, ShardFilter={"Type": "AT_LATEST"})
    return sorted(out["Shards"], key=lambda s: int(s["HashKeyRange"]["StartingHashKey"]))


def error_code(fn, **kwargs):
    try:
        fn(**kwargs)
    except client.exceptions.ClientError as err:
        return err.response["Error"]["Code"]
    raise AssertionError(f"{fn.__name__} {kwargs} succeeded; want an error")


def read_all(shard_id, iterator_type="TRIM_HORIZON", **kwargs):
    it = client.get_shard_iterator(StreamName=STREAM, ShardId=shard_id, ShardIteratorType=iterator_type, **kwargs)
    expect(isinstance(it["ShardIterator"], str) and 1 <= len(it["ShardIterator"]) <= 512, f"ShardIterator {it}")
    iterator, records = it["ShardIterator"], []
    for _ in range(100):
        out = client.get_records(ShardIterator=iterator, Limit=1000)
        records += out["Records"]
        if out.get("NextShardIterator") is None or (not out["Records"] and out["MillisBehindLatest"] == 0):
            return records, out
        iterator = out["NextShardIterator"]
    raise AssertionError(f"{shard_id} not caught up after 100 GetRecords")


# ---------------------------------------------------------------- account
limits = client.describe_limits()
expect(limits["ShardLimit"] >= 1 and limits["OpenShardCount"] == 0, f"DescribeLimits {limits}")
expect(limits["OnDemandStreamCount"] == 0 and limits["OnDemandStreamCountLimit"] >= 1, f"DescribeLimits {limits}")
ok("DescribeLimits")

settings = client.describe_account_settings()
eq(settings["MinimumThroughputBillingCommitment"]["Status"], "DISABLED", "DescribeAccountSettings status")
ok("DescribeAccountSettings")

# ---------------------------------------------------------------- stream
client.create_stream(StreamName=STREAM, ShardCount=2, Tags={"team": "runnel"})
s = wait_active()
eq(s["StreamName"], STREAM, "StreamName")
eq(s["StreamARN"], STREAM_ARN, "StreamARN")
eq(s["OpenShardCount"], 2, "OpenShardCount")
eq(s["RetentionPeriodHours"], 24, "RetentionPeriodHours")
eq(s["StreamModeDetails"]["StreamMode"], "PROVISIONED", "StreamMode")
eq(s["EncryptionType"], "NONE", "EncryptionType")
eq(s["ConsumerCount"], 0, "ConsumerCount")
expect(isinstance(s["StreamCreationTimestamp"], datetime.datetime), f"StreamCreationTimestamp {s}")
ok("CreateStream")
ok("DescribeStreamSummary")

d = client.describe_stream(StreamName=STREAM)["StreamDescription"]
eq(d["StreamStatus"], "ACTIVE", "DescribeStream status")
eq(d["HasMoreShards"], False, "HasMoreShards")
eq([sh["ShardId"] for sh in d["Shards"]], ["shardId-000000000000", "shardId-000000000001"], "ShardIds")
eq(d["Shards"][0]["HashKeyRange"]["StartingHashKey"], "0", "first StartingHashKey")
eq(d["Shards"][1]["HashKeyRange"]["EndingHashKey"], str(MAX_HASH), "last EndingHashKey")
eq(int(d["Shards"][0]["HashKeyRange"]["EndingHashKey"]) + 1, int(d["Shards"][1]["HashKeyRange"]["StartingHashKey"]), "adjacent ranges")
expect(all("EndingSequenceNumber" not in sh["SequenceNumberRange"] for sh in d["Shards"]), "open shards have no EndingSequenceNumber")
ok("DescribeStream")

streams = client.list_streams()
expect(STREAM in streams["StreamNames"] and streams["HasMoreStreams"] is False, f"ListStreams {streams}")
expect(any(x["StreamARN"] == STREAM_ARN and x["StreamStatus"] == "ACTIVE" for x in streams["StreamSummaries"]), f"StreamSummaries {streams}")
ok("ListStreams")

eq(client.describe_limits()["OpenShardCount"], 2, "DescribeLimits OpenShardCount after CreateStream")

shards = client.list_shards(StreamName=STREAM)
eq([sh["ShardId"] for sh in shards["Shards"]], ["shardId-000000000000", "shardId-000000000001"], "ListShards")
expect("NextToken" not in shards, f"ListShards NextToken {shards}")
page = client.list_shards(StreamName=STREAM, MaxResults=1)
eq(len(page["Shards"]), 1, "ListShards page size")
page2 = client.list_shards(NextToken=page["NextToken"])
eq(page2["Shards"][0]["ShardId"], "shardId-000000000001", "ListShards second page")
ok("ListShards")

# ---------------------------------------------------------------- records
SHARD0 = "shardId-000000000000"
first = client.put_record(StreamName=STREAM, PartitionKey="pk", Data=bytes(range(256)), ExplicitHashKey="0")
eq(first["ShardId"], SHARD0, "PutRecord ShardId")
expect(first["SequenceNumber"].isdigit(), f"PutRecord SequenceNumber {first}")
eq(first["EncryptionType"], "NONE", "PutRecord EncryptionType")
second = client.put_record(StreamName=STREAM, PartitionKey="pk", Data=b"second", ExplicitHashKey="0",
                           SequenceNumberForOrdering=first["SequenceNumber"])
expect(int(second["SequenceNumber"]) > int(first["SequenceNumber"]), "SequenceNumberForOrdering")
ok("PutRecord")

batch = client.put_records(StreamName=STREAM, Records=[
    {"PartitionKey": f"k{i}", "Data": f"batch-{i}".encode(), "ExplicitHashKey": "0" if i % 2 == 0 else str(MAX_HASH)}
    for i in range(6)])
eq(batch["FailedRecordCount"], 0, "PutRecords FailedRecordCount")
eq([r["ShardId"] for r in batch["Records"]], [SHARD0, "shardId-000000000001"] * 3, "PutRecords ShardIds")
expect(all(r["SequenceNumber"].isdigit() for r in batch["Records"]), "PutRecords SequenceNumbers")
ok("PutRecords")

recs, last = read_all(SHARD0)
eq([r["Data"] for r in recs], [bytes(range(256)), b"second", b"batch-0", b"batch-2", b"batch-4"], "GetRecords data")
eq(recs[0]["SequenceNumber"], first["SequenceNumber"], "GetRecords first SequenceNumber")
eq(recs[0]["PartitionKey"], "pk", "GetRecords PartitionKey")
expect(isinstance(recs[0]["ApproximateArrivalTimestamp"], datetime.datetime), "ApproximateArrivalTimestamp")
eq(last["MillisBehindLatest"], 0, "MillisBehindLatest caught up")
expect(last.get("NextShardIterator"), "open shard keeps a NextShardIterator")
at, _ = read_all(SHARD0, "AT_SEQUENCE_NUMBER", StartingSequenceNumber=second["SequenceNumber"])
eq([r["Data"] for r in at][:1], [b"second"], "AT_SEQUENCE_NUMBER")
after, _ = read_all(SHARD0, "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=second["SequenceNumber"])
eq([r["Data"] for r in after], [b"batch-0", b"batch-2", b"batch-4"], "AFTER_SEQUENCE_NUMBER")
ts, _ = read_all(SHARD0, "AT_TIMESTAMP", Timestamp=datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc))
eq(len(ts), 5, "AT_TIMESTAMP before the first record")
latest, _ = read_all(SHARD0, "LATEST")
eq(latest, [], "LATEST")
ok("GetShardIterator")
ok("GetRecords")

# ---------------------------------------------------------------- tags
eq(client.list_tags_for_stream(StreamName=STREAM)["Tags"], [{"Key": "team", "Value": "runnel"}], "CreateStream Tags")
client.add_tags_to_stream(StreamName=STREAM, Tags={"env": "test", "owner": "e2e"})
t = client.list_tags_for_stream(StreamName=STREAM)
eq(sorted((x["Key"], x["Value"]) for x in t["Tags"]), [("env", "test"), ("owner", "e2e"), ("team", "runnel")], "AddTagsToStream")
eq(t["HasMoreTags"], False, "HasMoreTags")
ok("AddTagsToStream")
ok("ListTagsForStream")
client.remove_tags_from_stream(StreamName=STREAM, TagKeys=["owner"])
eq(sorted(x["Key"] for x in client.list_tags_for_stream(StreamName=STREAM)["Tags"]), ["env", "team"], "RemoveTagsFromStream")
ok("RemoveTagsFromStream")

client.tag_resource(ResourceARN=STREAM_ARN, Tags={"cost": "42"})
rt = client.list_tags_for_resource(ResourceARN=STREAM_ARN)
eq(sorted((x["Key"], x["Value"]) for x in rt["Tags"]), [("cost", "42"), ("env", "test"), ("team", "runnel")], "TagResource")
ok("TagResource")
ok("ListTagsForResource")
client.untag_resource(ResourceARN=STREAM_ARN, TagKeys=["cost", "env"])
eq([x["Key"] for x in client.list_tags_for_resource(ResourceARN=STREAM_ARN)["Tags"]], ["team"], "UntagResource")
ok("UntagResource")

# ---------------------------------------------------------------- retention
client.increase_stream_retention_period(StreamName=STREAM, RetentionPeriodHours=48)
eq(summary()["RetentionPeriodHours"], 48, "IncreaseStreamRetentionPeriod")
ok("IncreaseStreamRetentionPeriod")
client.decrease_stream_retention_period(StreamARN=STREAM_ARN, RetentionPeriodHours=36)
eq(summary()["RetentionPeriodHours"], 36, "DecreaseStreamRetentionPeriod")
ok("DecreaseStreamRetentionPeriod")

# ---------------------------------------------------------------- monitoring
m = client.enable_enhanced_monitoring(StreamName=STREAM, ShardLevelMetrics=["IncomingBytes", "OutgoingRecords"])
eq(m["StreamName"], STREAM, "EnableEnhancedMonitoring StreamName")
eq(m["StreamARN"], STREAM_ARN, "EnableEnhancedMonitoring StreamARN")
eq(m["CurrentShardLevelMetrics"], [], "EnableEnhancedMonitoring Current")
eq(sorted(m["DesiredShardLevelMetrics"]), ["IncomingBytes", "OutgoingRecords"], "EnableEnhancedMonitoring Desired")
eq(sorted(summary()["EnhancedMonitoring"][0]["ShardLevelMetrics"]), ["IncomingBytes", "OutgoingRecords"], "summary EnhancedMonitoring")
ok("EnableEnhancedMonitoring")
m = client.disable_enhanced_monitoring(StreamName=STREAM, ShardLevelMetrics=["IncomingBytes"])
eq(sorted(m["CurrentShardLevelMetrics"]), ["IncomingBytes", "OutgoingRecords"], "DisableEnhancedMonitoring Current")
eq(m["DesiredShardLevelMetrics"], ["OutgoingRecords"], "DisableEnhancedMonitoring Desired")
ok("DisableEnhancedMonitoring")

# ---------------------------------------------------------------- encryption
client.start_stream_encryption(StreamName=STREAM, EncryptionType="KMS", KeyId="alias/aws/kinesis")
s = wait_active()
eq((s["EncryptionType"], s.get("KeyId")), ("KMS", "alias/aws/kinesis"), "StartStreamEncryption summary")
enc = client.put_record(StreamName=STREAM, PartitionKey="pk", Data=b"secret record", ExplicitHashKey="0")
eq(enc["EncryptionType"], "KMS", "PutRecord EncryptionType after StartStreamEncryption")
got, _ = read_all(SHARD0, "AT_SEQUENCE_NUMBER", StartingSequenceNumber=enc["SequenceNumber"])
eq((got[0]["Data"], got[0].get("EncryptionType")), (b"secret record", "KMS"), "encrypted record read back")
ok("StartStreamEncryption")
client.stop_stream_encryption(StreamName=STREAM, EncryptionType="KMS", KeyId="alias/aws/kinesis")
s = wait_active()
eq(s["EncryptionType"], "NONE", "StopStreamEncryption summary")
expect("KeyId" not in s, f"KeyId after StopStreamEncryption: {s}")
eq(client.put_record(StreamName=STREAM, PartitionKey="pk", Data=b"plain", ExplicitHashKey="0")["EncryptionType"], "NONE",
   "PutRecord EncryptionType after StopStreamEncryption")
ok("StopStreamEncryption")

# ---------------------------------------------------------------- consumers
reg = client.register_stream_consumer(StreamARN=STREAM_ARN, ConsumerName="app")["Consumer"]
CONSUMER_ARN = reg["ConsumerARN"]
eq(reg["ConsumerName"], "app", "RegisterStreamConsumer ConsumerName")
expect(CONSUMER_ARN.startswith(STREAM_ARN + "/consumer/app:"), f"ConsumerARN {CONSUMER_ARN}")
expect(reg["ConsumerStatus"] in ("CREATING", "ACTIVE"), f"RegisterStreamConsumer status {reg}")
ok("RegisterStreamConsumer")

desc = poll("consumer ACTIVE", lambda: (lambda c: c if c["ConsumerStatus"] == "ACTIVE" else None)(
    client.describe_stream_consumer(ConsumerARN=CONSUMER_ARN)["ConsumerDescription"]))
eq((desc["ConsumerName"], desc["StreamARN"]), ("app", STREAM_ARN), "DescribeStreamConsumer")
by_name = client.describe_stream_consumer(StreamARN=STREAM_ARN, ConsumerName="app")["ConsumerDescription"]
eq(by_name["ConsumerARN"], CONSUMER_ARN, "DescribeStreamConsumer by name")
ok("DescribeStreamConsumer")

listed = client.list_stream_consumers(StreamARN=STREAM_ARN)["Consumers"]
eq([(c["ConsumerName"], c["ConsumerARN"], c["ConsumerStatus"]) for c in listed], [("app", CONSUMER_ARN, "ACTIVE")], "ListStreamConsumers")
eq(summary()["ConsumerCount"], 1, "ConsumerCount")
ok("ListStreamConsumers")

sub = client.subscribe_to_shard(ConsumerARN=CONSUMER_ARN, ShardId=SHARD0, StartingPosition={"Type": "TRIM_HORIZON"})
events = sub["EventStream"]
try:
    event = next(iter(events))["SubscribeToShardEvent"]
finally:
    events.close()
expect(event["Records"], f"first SubscribeToShardEvent has no records: {event}")
eq(event["Records"][0]["Data"], bytes(range(256)), "SubscribeToShard first record")
eq(event["Records"][0]["SequenceNumber"], first["SequenceNumber"], "SubscribeToShard first SequenceNumber")
eq(event["ContinuationSequenceNumber"], event["Records"][-1]["SequenceNumber"], "ContinuationSequenceNumber")
expect(isinstance(event["MillisBehindLatest"], int), f"MillisBehindLatest {event}")
ok("SubscribeToShard")

# ---------------------------------------------------------------- resource policies
POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "read", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": ["kinesis:DescribeStreamSummary", "kinesis:GetRecords"],
        "Resource": STREAM_ARN,
    }],
})
client.put_resource_policy(ResourceARN=STREAM_ARN, Policy=POLICY)
ok("PutResourcePolicy")
eq(json.loads(client.get_resource_policy(ResourceARN=STREAM_ARN)["Policy"]), json.loads(POLICY), "GetResourcePolicy")
ok("GetResourcePolicy")
client.delete_resource_policy(ResourceARN=STREAM_ARN)
eq(json.loads(client.get_resource_policy(ResourceARN=STREAM_ARN)["Policy"]), {}, "GetResourcePolicy after delete")
ok("DeleteResourcePolicy")

client.deregister_stream_consumer(ConsumerARN=CONSUMER_ARN)
poll("consumer gone", lambda: not client.list_stream_consumers(StreamARN=STREAM_ARN).get("Consumers"))
eq(error_code(client.describe_stream_consumer, ConsumerARN=CONSUMER_ARN), "ResourceNotFoundException", "consumer after deregister")
ok("DeregisterStreamConsumer")

# ---------------------------------------------------------------- resharding
parent = open_shards()[0]
lo, hi = int(parent["HashKeyRange"]["StartingHashKey"]), int(parent["HashKeyRange"]["EndingHashKey"])
client.split_shard(StreamName=STREAM, ShardToSplit=parent["ShardId"], NewStartingHashKey=str((lo + hi) // 2 + 1))
wait_active()
now_open = open_shards()
eq(len(now_open), 3, "open shards after SplitShard")
eq([sh.get("ParentShardId") for sh in now_open[:2]], [parent["ShardId"]] * 2, "split children's ParentShardId")
closed, tail = read_all(parent["ShardId"])
expect(tail.get("NextShardIterator") is None, "split parent ends with a null NextShardIterator")
eq(sorted(c["ShardId"] for c in tail["ChildShards"]), sorted(sh["ShardId"] for sh in now_open[:2]), "ChildShards")
ok("SplitShard")

a, b = now_open[0], now_open[1]
client.merge_shards(StreamName=STREAM, ShardToMerge=a["ShardId"], AdjacentShardToMerge=b["ShardId"])
wait_active()
merged = open_shards()
eq(len(merged), 2, "open shards after MergeShards")
eq((merged[0].get("ParentShardId"), merged[0].get("AdjacentParentShardId")), (a["ShardId"], b["ShardId"]), "merged parents")
eq(merged[0]["HashKeyRange"]["StartingHashKey"], "0", "merged range start")
ok("MergeShards")

usc = client.update_shard_count(StreamName=STREAM, TargetShardCount=4, ScalingType="UNIFORM_SCALING")
eq((usc["StreamName"], usc["CurrentShardCount"], usc["TargetShardCount"], usc["StreamARN"]), (STREAM, 2, 4, STREAM_ARN), "UpdateShardCount")
eq(wait_active()["OpenShardCount"], 4, "OpenShardCount after UpdateShardCount")
eq(len(open_shards()), 4, "open shards after UpdateShardCount")
ok("UpdateShardCount")

client.update_max_record_size(StreamARN=STREAM_ARN, MaxRecordSizeInKiB=2048)
eq(wait_active()["MaxRecordSizeInKiB"], 2048, "UpdateMaxRecordSize")
big = client.put_record(StreamName=STREAM, PartitionKey="big", Data=b"x" * (1024 * 1024 + 1))
expect(big["SequenceNumber"].isdigit(), "a record over 1 MiB after UpdateMaxRecordSize 2048")
ok("UpdateMaxRecordSize")

client.update_stream_mode(StreamARN=STREAM_ARN, StreamModeDetails={"StreamMode": "ON_DEMAND"})
eq(wait_active()["StreamModeDetails"]["StreamMode"], "ON_DEMAND", "UpdateStreamMode")
eq(client.describe_limits()["OnDemandStreamCount"], 1, "OnDemandStreamCount")
ok("UpdateStreamMode")

acct = client.update_account_settings(MinimumThroughputBillingCommitment={"Status": "ENABLED"})["MinimumThroughputBillingCommitment"]
eq(acct["Status"], "ENABLED", "UpdateAccountSettings ENABLED")
expect(isinstance(acct["StartedAt"], datetime.datetime) and isinstance(acct["EarliestAllowedEndAt"], datetime.datetime), f"commitment {acct}")
expect(acct["EarliestAllowedEndAt"] > acct["StartedAt"], f"commitment {acct}")
eq(client.describe_account_settings()["MinimumThroughputBillingCommitment"]["Status"], "ENABLED", "DescribeAccountSettings after enable")
ok("UpdateAccountSettings")

warm = client.update_stream_warm_throughput(StreamARN=STREAM_ARN, WarmThroughputMiBps=100)
eq((warm["StreamName"], warm["StreamARN"], warm["WarmThroughput"]["TargetMiBps"]), (STREAM, STREAM_ARN, 100), "UpdateStreamWarmThroughput")
eq(wait_active()["WarmThroughput"], {"TargetMiBps": 100, "CurrentMiBps": 100}, "summary WarmThroughput")
ok("UpdateStreamWarmThroughput")

# ---------------------------------------------------------------- delete
client.delete_stream(StreamName=STREAM, EnforceConsumerDeletion=True)
poll(f"{STREAM} deleted", lambda: error_code(client.describe_stream_summary, StreamName=STREAM) == "ResourceNotFoundException")
expect(STREAM not in client.list_streams()["StreamNames"], "ListStreams after DeleteStream")
ok("DeleteStream")

# ---------------------------------------------------------------- coverage
model = set(botocore.session.get_session().get_service_model("kinesis").operation_names)
eq(sorted(model - sent), [], "model operations never sent")
eq(sorted(sent - model), [], "operations sent that the model lacks")
eq(sorted(model - checked), [], "model operations sent but not checked")
print(f"ALL {len(model)} operations OK", flush=True)
