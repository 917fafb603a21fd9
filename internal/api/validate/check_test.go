package validate

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func decode(t testing.TB, body string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return m
}

func v(value, path, msg string) string {
	return "Value " + value + " at '" + path + "' failed to satisfy constraint: " + msg
}

func q(s string) string { return "'" + s + "'" }

const (
	notNull      = "Member must not be null"
	namePattern  = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
	hashPattern  = `Member must satisfy regular expression pattern: 0|([1-9]\d{0,38})`
	seqPattern   = `Member must satisfy regular expression pattern: 0|([1-9]\d{0,128})`
	minLen1      = "Member must have length greater than or equal to 1"
	maxLen128    = "Member must have length less than or equal to 128"
	iteratorEnum = "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"
)

type checkCase struct {
	name string
	op   string
	body string
	want []string
}

func runCases(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			serr, got := Check(tc.op, decode(t, tc.body))
			if serr != nil {
				t.Fatalf("unexpected SerializationError %q", serr.Message)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Check(%s, %s)\n got: %q\nwant: %q", tc.op, tc.body, got, tc.want)
			}
		})
	}
}

func TestRequiredAndNull(t *testing.T) {
	runCases(t, []checkCase{
		{"create empty", "CreateStream", `{}`, []string{v("null", "streamName", notNull)}},
		{"null is absent", "CreateStream", `{"StreamName":null}`, []string{v("null", "streamName", notNull)}},
		{"putrecord model order", "PutRecord", `{}`, []string{v("null", "data", notNull), v("null", "partitionKey", notNull)}},
		{"nested structure required", "CreateStream", `{"StreamName":"s","StreamModeDetails":{}}`,
			[]string{v("null", "streamModeDetails.streamMode", notNull)}},
		{"list element member required", "PutRecords", `{"Records":[{"Data":"","PartitionKey":"a"},{"PartitionKey":"b"}]}`,
			[]string{v("null", "records.2.member.data", notNull)}},
		{"no input members", "DescribeLimits", `{"Anything":1}`, nil},
		{"unknown members ignored", "CreateStream", `{"StreamName":"a","Bogus":[1,{"x":true}],"streamName":5}`, nil},
	})
	if serr, got := Check("DescribeStream", nil); serr != nil || got != nil {
		t.Errorf("nil body: %v %q", serr, got)
	}
}

func TestStringConstraints(t *testing.T) {
	long := strings.Repeat("a", 129)
	runCases(t, []checkCase{
		{"pattern", "CreateStream", `{"StreamName":"Foo!"}`, []string{v(q("Foo!"), "streamName", namePattern)}},
		{"empty gives pattern and length", "CreateStream", `{"StreamName":""}`,
			[]string{v(q(""), "streamName", namePattern), v(q(""), "streamName", minLen1)}},
		{"max length", "CreateStream", `{"StreamName":"` + long + `"}`, []string{v(q(long), "streamName", maxLen128)}},
		{"max length 128 ok", "CreateStream", `{"StreamName":"` + long[:128] + `"}`, nil},
		{"pattern anchored", "PutRecord", `{"Data":"","PartitionKey":"a","ExplicitHashKey":"01"}`,
			[]string{v(q("01"), "explicitHashKey", hashPattern)}},
		{"hash key ok", "PutRecord", `{"Data":"","PartitionKey":"a","ExplicitHashKey":"340282366920938463463374607431768211455"}`, nil},
		{"seq pattern", "PutRecord", `{"Data":"","PartitionKey":"a","SequenceNumberForOrdering":"12a"}`,
			[]string{v(q("12a"), "sequenceNumberForOrdering", seqPattern)}},
	})
}

func TestStringLengthCountsUTF16Units(t *testing.T) {
	bmp := strings.Repeat("é", 256)    // 256 units, 512 bytes
	astral := strings.Repeat("😀", 129) // 258 units, 129 code points
	runCases(t, []checkCase{
		{"bmp 256 ok", "PutRecord", `{"Data":"","PartitionKey":"` + bmp + `"}`, nil},
		{"astral counts twice", "PutRecord", `{"Data":"","PartitionKey":"` + astral + `"}`,
			[]string{v(q(astral), "partitionKey", "Member must have length less than or equal to 256")}},
	})
}

func TestEnum(t *testing.T) {
	runCases(t, []checkCase{
		{"iterator type", "GetShardIterator", `{"ShardId":"shardId-0","ShardIteratorType":"NOPE"}`,
			[]string{v(q("NOPE"), "shardIteratorType", iteratorEnum)}},
		{"iterator type ok", "GetShardIterator", `{"ShardId":"shardId-0","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1491587454.576}`, nil},
		{"stream mode", "CreateStream", `{"StreamName":"a","StreamModeDetails":{"StreamMode":"x"}}`,
			[]string{v(q("x"), "streamModeDetails.streamMode", "Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]")}},
		{"list of enums", "EnableEnhancedMonitoring", `{"ShardLevelMetrics":["ALL","Nope"]}`,
			[]string{v(q("[ALL, Nope]"), "shardLevelMetrics", "Member must satisfy constraint: [Member must satisfy enum value set: "+
				"[ALL, WriteProvisionedThroughputExceeded, IteratorAgeMilliseconds, IncomingBytes, OutgoingRecords, "+
				"ReadProvisionedThroughputExceeded, IncomingRecords, OutgoingBytes]]")}},
	})
}

func TestJavaHashOrder(t *testing.T) {
	for _, tc := range []struct{ model, aws []string }{
		// kinesalite test/getShardIterator.js, recorded against AWS.
		{[]string{"AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"},
			[]string{"AFTER_SEQUENCE_NUMBER", "LATEST", "AT_TIMESTAMP", "AT_SEQUENCE_NUMBER", "TRIM_HORIZON"}},
		// Other AWS services' enum messages quoted in public code.
		{[]string{"None", "Tail"}, []string{"Tail", "None"}},
		{[]string{"EmailAddress", "Domain"}, []string{"Domain", "EmailAddress"}},
		{[]string{"OFF", "ON", "OPTIONAL"}, []string{"OPTIONAL", "OFF", "ON"}},
		{[]string{"INDEXES", "TOTAL", "NONE"}, []string{"INDEXES", "TOTAL", "NONE"}},
	} {
		if got := javaHashOrder(tc.model); !slices.Equal(got, tc.aws) {
			t.Errorf("javaHashOrder(%q) = %q, want %q", tc.model, got, tc.aws)
		}
	}
}

func TestIntegerRange(t *testing.T) {
	runCases(t, []checkCase{
		{"limit min", "DescribeStream", `{"Limit":0}`, []string{v("'0'", "limit", "Member must have value greater than or equal to 1")}},
		{"limit max", "DescribeStream", `{"Limit":10001}`, []string{v("'10001'", "limit", "Member must have value less than or equal to 10000")}},
		{"limit bounds ok", "DescribeStream", `{"Limit":10000}`, nil},
		{"exponent", "DescribeStream", `{"Limit":1e3}`, nil},
		{"fraction floored", "DescribeStream", `{"Limit":0.9}`, []string{v("'0'", "limit", "Member must have value greater than or equal to 1")}},
		{"negative fraction floored", "DescribeStream", `{"Limit":-5.5}`, []string{v("'-6'", "limit", "Member must have value greater than or equal to 1")}},
		{"huge capped at int max", "DescribeStream", `{"Limit":99999999999999999999}`,
			[]string{v("'2147483647'", "limit", "Member must have value less than or equal to 10000")}},
		{"huge float capped", "CreateStream", `{"StreamName":"a","MaxRecordSizeInKiB":1e400}`,
			[]string{v("'2147483647'", "maxRecordSizeInKiB", "Member must have value less than or equal to 10240")}},
		{"create min", "CreateStream", `{"StreamName":"a","ShardCount":0,"MaxRecordSizeInKiB":1023}`,
			[]string{v("'0'", "shardCount", "Member must have value greater than or equal to 1"),
				v("'1023'", "maxRecordSizeInKiB", "Member must have value greater than or equal to 1024")}},
		{"unconstrained int", "IncreaseStreamRetentionPeriod", `{"RetentionPeriodHours":-1}`, nil},
	})
}

func TestBlob(t *testing.T) {
	big := base64.StdEncoding.EncodeToString(make([]byte, 10485761))
	runCases(t, []checkCase{
		{"empty ok", "PutRecord", `{"Data":"","PartitionKey":"a"}`, nil},
		{"max decoded length", "PutRecord", `{"Data":"` + big + `","PartitionKey":"a"}`,
			[]string{v("'java.nio.HeapByteBuffer[pos=0 lim=10485761 cap=10485761]'", "data", "Member must have length less than or equal to 10485760")}},
		{"exact max ok", "PutRecord", `{"Data":"` + base64.StdEncoding.EncodeToString(make([]byte, 10485760)) + `","PartitionKey":"a"}`, nil},
	})
}

func TestListAndNested(t *testing.T) {
	var recs, strs []string
	for range 501 {
		recs = append(recs, `{"PartitionKey":"","Data":""}`)
		strs = append(strs, "com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@2")
	}
	tooMany := []string{v(q("["+strings.Join(strs, ", ")+"]"), "records", "Member must have length less than or equal to 500")}
	for i := 1; i <= 9; i++ {
		tooMany = append(tooMany, v("''", fmt.Sprintf("records.%d.member.partitionKey", i), minLen1))
	}
	runCases(t, []checkCase{
		{"empty list", "PutRecords", `{"Records":[],"StreamName":"s"}`, []string{v("'[]'", "records", minLen1)}},
		{"element members", "PutRecords", `{"Records":[{"Data":"","PartitionKey":"ok"},{"PartitionKey":"","Data":"","ExplicitHashKey":""}]}`,
			[]string{v("''", "records.2.member.explicitHashKey", hashPattern), v("''", "records.2.member.partitionKey", minLen1)}},
		{"too many, capped at 10", "PutRecords", `{"Records":[` + strings.Join(recs, ",") + `]}`, tooMany},
		{"null element skipped", "PutRecords", `{"Records":[null,{"Data":"","PartitionKey":"a"}]}`, nil},
		{"shard filter nested", "ListShards", `{"ShardFilter":{}}`, []string{v("null", "shardFilter.type", notNull)}},
		{"shard filter members", "ListShards", `{"ShardFilter":{"Type":"X","ShardId":"a b"},"MaxResults":0}`,
			[]string{v("'0'", "maxResults", "Member must have value greater than or equal to 1"),
				v("'X'", "shardFilter.type", "Member must satisfy enum value set: [FROM_TIMESTAMP, FROM_TRIM_HORIZON, AT_LATEST, AT_TRIM_HORIZON, AT_TIMESTAMP, AFTER_SHARD_ID]"),
				v("'a b'", "shardFilter.shardId", namePattern)}},
		{"scalar list elements", "RemoveTagsFromStream", `{"TagKeys":["a","` + strings.Repeat("k", 129) + `","b"]}`,
			[]string{v(q("[a, "+strings.Repeat("k", 129)+", b]"), "tagKeys",
				"Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]")}},
		{"scalar list length", "RemoveTagsFromStream", `{"TagKeys":[]}`, []string{v("'[]'", "tagKeys", minLen1)}},
	})
}

func TestMap(t *testing.T) {
	runCases(t, []checkCase{
		{"empty map", "AddTagsToStream", `{"Tags":{}}`, []string{v("'{}'", "tags", minLen1)}},
		{"ok", "AddTagsToStream", `{"Tags":{"a":"","b":"2"}}`, nil},
		{"key length", "AddTagsToStream", `{"Tags":{"b":"2","":"1"}}`,
			[]string{v("'{=1, b=2}'", "tags", "Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]")}},
		{"value length", "AddTagsToStream", `{"Tags":{"c":"` + strings.Repeat("v", 257) + `"}}`,
			[]string{v("'{c="+strings.Repeat("v", 257)+"}'", "tags", "Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]")}},
		{"too many", "AddTagsToStream", `{"Tags":{` + manyTags(201) + `}}`,
			[]string{"Value '{" + manyTagsPrinted(201) + "}' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200"}},
	})
}

func manyTags(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, fmt.Sprintf(`"k%03d":"v"`, i))
	}
	return strings.Join(parts, ",")
}

func manyTagsPrinted(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, fmt.Sprintf("k%03d=v", i))
	}
	return strings.Join(parts, ", ")
}

func TestSerializationErrors(t *testing.T) {
	const num = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
	for _, tc := range []struct {
		op, body, want string
	}{
		{"CreateStream", `{"StreamName":5}`, num + "an String"},
		{"CreateStream", `{"StreamName":34.56}`, num + "an String"},
		{"CreateStream", `{"StreamName":true}`, "class java.lang.Boolean can not be converted to an String"},
		{"CreateStream", `{"StreamName":[]}`, "Start of list found where not expected"},
		{"CreateStream", `{"StreamName":{}}`, "Start of structure or map found where not expected."},
		{"CreateStream", `{"StreamName":"a","ShardCount":"23"}`, "class java.lang.String can not be converted to an Integer"},
		{"CreateStream", `{"StreamName":"a","ShardCount":true}`, "class java.lang.Boolean can not be converted to an Integer"},
		{"CreateStream", `{"StreamName":"a","StreamModeDetails":"x"}`, "Expected null"},
		{"CreateStream", `{"StreamName":"a","StreamModeDetails":[]}`, "Start of list found where not expected"},
		{"CreateStream", `{"StreamName":"a","Tags":"x"}`, "Expected map or null"},
		{"CreateStream", `{"StreamName":"a","Tags":[]}`, "Start of list found where not expected"},
		{"AddTagsToStream", `{"Tags":{"a":5}}`, num + "an String"},
		{"DeleteStream", `{"EnforceConsumerDeletion":"yes"}`, "'YES' can not be converted to an Boolean"},
		{"DeleteStream", `{"EnforceConsumerDeletion":1}`, num + "an Boolean"},
		{"DeleteStream", `{"EnforceConsumerDeletion":{}}`, "Start of structure or map found where not expected."},
		{"PutRecord", `{"Data":true}`, "class java.lang.Boolean can not be converted to a Blob"},
		{"PutRecord", `{"Data":23}`, num + "a Blob"},
		{"PutRecord", `{"Data":"23456"}`, "'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5"},
		{"PutRecord", `{"Data":"=+/="}`, "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='"},
		{"PutRecord", `{"Data":"+/+="}`, "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"},
		{"PutRecord", `{"Data":"AB€="}`, "'AB€=' can not be converted to a Blob: Invalid Base64 character: '€'"},
		{"PutRecord", `{"Data":"A==="}`, "'A===' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"},
		{"PutRecords", `{"Records":{}}`, "Start of structure or map found where not expected."},
		{"PutRecords", `{"Records":"x"}`, "Expected list or null"},
		{"PutRecords", `{"Records":[5]}`, "Expected null"},
		{"PutRecords", `{"Records":[{"Data":"","PartitionKey":7}]}`, num + "an String"},
		{"RemoveTagsFromStream", `{"TagKeys":["a",5]}`, num + "an String"},
		{"GetShardIterator", `{"ShardId":"a","ShardIteratorType":"LATEST","Timestamp":"2020-01-01"}`, "class java.lang.String can not be converted to milliseconds since epoch"},
		{"GetShardIterator", `{"ShardId":"a","ShardIteratorType":"LATEST","Timestamp":false}`, "class java.lang.Boolean can not be converted to milliseconds since epoch"},
		// A type error anywhere wins over constraint violations found earlier.
		{"CreateStream", `{"StreamName":"","ShardCount":"1"}`, "class java.lang.String can not be converted to an Integer"},
		// The first type error in model order is the one reported.
		{"PutRecord", `{"Data":1,"PartitionKey":2}`, num + "a Blob"},
	} {
		serr, got := Check(tc.op, decode(t, tc.body))
		if serr == nil || serr.Message != tc.want || got != nil {
			t.Errorf("Check(%s, %s) = %v, %q; want SerializationError %q", tc.op, tc.body, serr, got, tc.want)
		}
	}
}

func TestMultipleViolationsMessage(t *testing.T) {
	body := decode(t, `{"StreamName":"","PartitionKey":"","Data":"","ExplicitHashKey":"","SequenceNumberForOrdering":""}`)
	serr, got := Check("PutRecord", body)
	if serr != nil {
		t.Fatal(serr)
	}
	want := []string{
		v("''", "streamName", namePattern),
		v("''", "streamName", minLen1),
		v("''", "partitionKey", minLen1),
		v("''", "explicitHashKey", hashPattern),
		v("''", "sequenceNumberForOrdering", seqPattern),
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if msg, w := Message(got), "5 validation errors detected: "+strings.Join(want, "; "); msg != w {
		t.Errorf("Message = %q, want %q", msg, w)
	}
	if msg, w := Message(got[:1]), "1 validation error detected: "+want[0]; msg != w {
		t.Errorf("Message = %q, want %q", msg, w)
	}
	if Message(nil) != "" {
		t.Error("Message(nil) not empty")
	}
}

func TestAllOperationsKnown(t *testing.T) {
	ops := []string{
		"AddTagsToStream", "CreateStream", "DecreaseStreamRetentionPeriod", "DeleteResourcePolicy", "DeleteStream",
		"DeregisterStreamConsumer", "DescribeAccountSettings", "DescribeLimits", "DescribeStream", "DescribeStreamConsumer",
		"DescribeStreamSummary", "DisableEnhancedMonitoring", "EnableEnhancedMonitoring", "GetRecords", "GetResourcePolicy",
		"GetShardIterator", "IncreaseStreamRetentionPeriod", "ListShards", "ListStreamConsumers", "ListStreams",
		"ListTagsForResource", "ListTagsForStream", "MergeShards", "PutRecord", "PutRecords", "PutResourcePolicy",
		"RegisterStreamConsumer", "RemoveTagsFromStream", "SplitShard", "StartStreamEncryption", "StopStreamEncryption",
		"SubscribeToShard", "TagResource", "UntagResource", "UpdateAccountSettings", "UpdateMaxRecordSize",
		"UpdateShardCount", "UpdateStreamMode", "UpdateStreamWarmThroughput",
	}
	if len(ops) != 39 || len(modelOperations()) != 39 {
		t.Fatalf("want 39 operations, list has %d, model has %d", len(ops), len(modelOperations()))
	}
	for _, op := range ops {
		if !KnownOperation(op) {
			t.Errorf("KnownOperation(%s) = false", op)
		}
	}
	for _, op := range []string{"", "Nope", "putRecord", "Kinesis_20131202.PutRecord"} {
		if KnownOperation(op) {
			t.Errorf("KnownOperation(%q) = true", op)
		}
	}
	if _, err := compile(modelOperations(), modelShapes()); err != nil {
		t.Fatal(err)
	}
}

func TestCheckDoesNotModifyBody(t *testing.T) {
	body := decode(t, `{"Records":[{"Data":"AAAA","PartitionKey":"a"}],"Limit":1.5}`)
	before, _ := json.Marshal(body)
	Check("PutRecords", body)
	after, _ := json.Marshal(body)
	if !bytes.Equal(before, after) {
		t.Errorf("body changed: %s -> %s", before, after)
	}
}
