// Drives a running Runnel with the AWS SDK for JavaScript v3, exactly as an
// application would: the Kinesis client with its DEFAULT request handler,
// which for Kinesis is NodeHttp2Handler, so every call is HTTP/2 even to a
// plain http:// endpoint (prior knowledge, h2c). Run by e2e/js_sdk_test.go:
//
//   node kinesis.mjs http://127.0.0.1:PORT STREAM_NAME
//
// It prints one JSON line with what it saw and exits non-zero on any
// mismatch. Besides the request/response operations it registers an
// enhanced fan-out consumer and reads SubscribeToShard events (an event
// stream over the same HTTP/2 handler) until the record it put last
// arrives, then deregisters the consumer.
import {
  KinesisClient,
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  PutRecordCommand,
  PutRecordsCommand,
  GetShardIteratorCommand,
  GetRecordsCommand,
  RegisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  ListStreamConsumersCommand,
  SubscribeToShardCommand,
  DeregisterStreamConsumerCommand,
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

async function waitConsumer(ConsumerARN, want) {
  for (let i = 0; i < 200; i++) {
    const out = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN }));
    if (out.ConsumerDescription.ConsumerStatus === want) return out.ConsumerDescription;
    await sleep(50);
  }
  throw new Error(`consumer ${ConsumerARN} never became ${want}`);
}

async function waitNoConsumers(StreamARN) {
  for (let i = 0; i < 200; i++) {
    const out = await client.send(new ListStreamConsumersCommand({ StreamARN }));
    if ((out.Consumers ?? []).length === 0) return;
    await sleep(50);
  }
  throw new Error(`stream ${StreamARN} still lists consumers`);
}

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

  // Enhanced fan-out: register, wait ACTIVE, subscribe, deregister.
  const StreamARN = summary.StreamARN;
  assert.equal(StreamARN, `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`);
  const reg = await client.send(new RegisterStreamConsumerCommand({ StreamARN, ConsumerName: "js-app" }));
  const ConsumerARN = reg.Consumer.ConsumerARN;
  assert.ok(ConsumerARN.startsWith(`${StreamARN}/consumer/js-app:`), `ConsumerARN ${ConsumerARN}`);
  assert.ok(reg.Consumer.ConsumerCreationTimestamp instanceof Date, "ConsumerCreationTimestamp is a Date");
  const consumer = await waitConsumer(ConsumerARN, "ACTIVE");
  assert.equal(consumer.StreamARN, StreamARN);
  assert.equal(consumer.ConsumerName, "js-app");

  const marker = await client.send(new PutRecordCommand({
    StreamName: stream, PartitionKey: "pk-efo", Data: new TextEncoder().encode("efo-marker"),
  }));
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 30000); // a missing event fails, it does not hang
  const streamed = [];
  let events = 0;
  try {
    const sub = await client.send(new SubscribeToShardCommand({
      ConsumerARN, ShardId: "shardId-000000000000", StartingPosition: { Type: "TRIM_HORIZON" },
    }), { abortSignal: abort.signal });
    for await (const ev of sub.EventStream) {
      assert.ok(ev.SubscribeToShardEvent, `unexpected event ${JSON.stringify(Object.keys(ev))}`);
      const e = ev.SubscribeToShardEvent;
      events++;
      assert.equal(typeof e.MillisBehindLatest, "number");
      if (e.Records.length > 0) {
        assert.equal(e.ContinuationSequenceNumber, e.Records[e.Records.length - 1].SequenceNumber);
      }
      streamed.push(...e.Records);
      if (streamed.some((r) => r.SequenceNumber === marker.SequenceNumber)) break;
    }
  } finally {
    clearTimeout(timer);
    abort.abort(); // ends the HTTP/2 stream of the subscription
  }
  // Everything GetRecords saw, then the marker, in order, once each.
  assert.deepEqual(streamed.map((r) => r.SequenceNumber), [...got.Records.map((r) => r.SequenceNumber), marker.SequenceNumber]);
  assert.deepEqual(Array.from(streamed[0].Data), Array.from(allBytes));
  assert.equal(new TextDecoder().decode(streamed[streamed.length - 1].Data), "efo-marker");
  assert.equal(streamed[streamed.length - 1].PartitionKey, "pk-efo");
  assert.ok(streamed[0].ApproximateArrivalTimestamp instanceof Date, "streamed ApproximateArrivalTimestamp is a Date");

  await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN }));
  await waitNoConsumers(StreamARN);
  await assert.rejects(
    client.send(new DescribeStreamConsumerCommand({ ConsumerARN })),
    (err) => err.name === "ResourceNotFoundException",
  );

  await client.send(new DeleteStreamCommand({ StreamName: stream }));

  console.log(JSON.stringify({
    ok: true,
    handler: handler.constructor.name,
    records: got.Records.length,
    subscribeEvents: events,
    subscribeRecords: streamed.length,
  }));
} finally {
  client.destroy();
}
