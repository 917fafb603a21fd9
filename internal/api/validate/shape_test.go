package validate

import "testing"

func TestShapesKnowBlobsAndTimestamps(t *testing.T) {
	in := func(op string) Shape {
		s, ok := InputShape(op)
		if !ok {
			t.Fatalf("InputShape(%s): unknown", op)
		}
		return s
	}
	out := func(op string) Shape {
		s, ok := OutputShape(op)
		if !ok {
			t.Fatalf("OutputShape(%s): unknown", op)
		}
		return s
	}
	cases := []struct {
		name string
		got  Kind
		want Kind
	}{
		{"PutRecords.Records[].Data", in("PutRecords").Member("Records").Elem().Member("Data").Kind(), KindBlob},
		{"PutRecords.Records[].PartitionKey", in("PutRecords").Member("Records").Elem().Member("PartitionKey").Kind(), KindString},
		{"PutRecord.Data", in("PutRecord").Member("Data").Kind(), KindBlob},
		{"GetShardIterator.Timestamp", in("GetShardIterator").Member("Timestamp").Kind(), KindTimestamp},
		{"ListShards.ShardFilter.Timestamp", in("ListShards").Member("ShardFilter").Member("Timestamp").Kind(), KindTimestamp},
		{"CreateStream.Tags", in("CreateStream").Member("Tags").Kind(), KindMap},
		{"CreateStream.Tags{}", in("CreateStream").Member("Tags").Elem().Kind(), KindString},
		{"GetRecords→Records[].Data", out("GetRecords").Member("Records").Elem().Member("Data").Kind(), KindBlob},
		{"GetRecords→Records[].ApproximateArrivalTimestamp", out("GetRecords").Member("Records").Elem().Member("ApproximateArrivalTimestamp").Kind(), KindTimestamp},
		{"GetRecords→MillisBehindLatest", out("GetRecords").Member("MillisBehindLatest").Kind(), KindLong},
		{"DescribeStreamSummary→…StreamCreationTimestamp", out("DescribeStreamSummary").Member("StreamDescriptionSummary").Member("StreamCreationTimestamp").Kind(), KindTimestamp},
		{"CreateStream→ (no output)", out("CreateStream").Kind(), 0},
		{"unknown member", in("PutRecord").Member("Nope").Member("Deeper").Elem().Kind(), 0},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: kind %d, want %d", tc.name, tc.got, tc.want)
		}
	}
	if _, ok := OutputShape("Nope"); ok {
		t.Error("OutputShape(Nope) is known")
	}
	for op := range modelOperations() {
		if _, ok := OutputShape(op); !ok {
			t.Errorf("operation %s has an input table entry but no output entry", op)
		}
	}
}
