// Drives a running Runnel with the AWS SDK for JavaScript v3, exactly as an
// application would: the Kinesis client with its DEFAULT request handler,
// which for Kinesis is NodeHttp2Handler, so every call is HTTP/2 even to a
// plain http:// endpoint (prior knowledge, h2c). Run by e2e/js_sdk_test.go:
//
//   node kinesis.mjs http://127.0.0.1:PORT STREAM_NAME
//
// It prints one JSON line with what it saw and exits non-zero on any
// mismatch. The register-consumer and SubscribeToShard steps of the
// JavaScript scenario are added together with SubscribeToShard (enhanced
// fan-out); this script covers the request/response operations.
import {
  KinesisClient,
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  PutRecordCommand,
  PutRecordsCommand,
  GetShardIteratorCommand,
  GetRecordsCommand,
  DeleteStreamCommand,
} from "@aws-sdk/client-kinesis";
import assert from "node:assert/strict";

const [endpoint, stream] = process.argv.slice(2);
if (!endpoint || !stream) {
  console.error("usage: node kinesis.mjs ENDPOINT STREAM");
  process.exit(2);
}

const client = new KinesisClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
  maxAttempts: 1,
});

// The default handler must be the HTTP/2 one: that is what makes this test
// about h2c (kinesalite#118, aws-sdk-js-v3#3780).
const handler = client.config.requestHandler;
assert.equal(handler.constructor.name, "NodeHttp2Handler", "default request handler");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitStatus(want) {
  for (let i = 0; i < 200; i++) {
    const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    if (out.StreamDescriptionSummary.StreamStatus === want) return out.StreamDescriptionSummary;
    await sleep(50);
  }
  throw new Error(`stream ${stream} never became ${want}`);
}

// Every byte value, so a base64 or transcoding slip shows.
const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

try {
  await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  const summary = await waitStatus("ACTIVE");
  assert.equal(summary.OpenShardCount, 1);
  assert.ok(summary.StreamCreationTimestamp instanceof Date, "StreamCreationTimestamp is a Date");

  const one = await client.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "pk-0", Data: allBytes }));
  assert.equal(one.SequenceNumber.length, 56);
  assert.equal(one.ShardId, "shardId-000000000000");

  const many = await client.send(new PutRecordsCommand({
    StreamName: stream,
    Records: [1, 2, 3].map((i) => ({ PartitionKey: `pk-${i}`, Data: new TextEncoder().encode(`record-${i}`) })),
  }));
  assert.equal(many.FailedRecordCount ?? 0, 0);
  assert.equal(many.Records.length, 3);

  const it = await client.send(new GetShardIteratorCommand({
    StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON",
  }));
  const got = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator, Limit: 100 }));
  assert.equal(got.Records.length, 4);
  assert.deepEqual(Array.from(got.Records[0].Data), Array.from(allBytes));
  assert.equal(got.Records[0].SequenceNumber, one.SequenceNumber);
  for (let i = 1; i <= 3; i++) {
    assert.equal(new TextDecoder().decode(got.Records[i].Data), `record-${i}`);
    assert.equal(got.Records[i].PartitionKey, `pk-${i}`);
  }
  const age = Date.now() - got.Records[0].ApproximateArrivalTimestamp.getTime();
  assert.ok(age >= -1000 && age < 60000, `ApproximateArrivalTimestamp is ${age} ms old`);

  // A modelled error arrives as the SDK's typed exception.
  await assert.rejects(
    client.send(new DescribeStreamSummaryCommand({ StreamName: `${stream}-missing` })),
    (err) => err.name === "ResourceNotFoundException" && err.message.includes("not found"),
  );

  await client.send(new DeleteStreamCommand({ StreamName: stream }));

  console.log(JSON.stringify({
    ok: true,
    handler: handler.constructor.name,
    records: got.Records.length,
  }));
} finally {
  client.destroy();
}
