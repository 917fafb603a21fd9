package e2e

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// allShardLevelMetrics is what ALL expands to, in AWS's order.
var allShardLevelMetrics = []types.MetricsName{
	types.MetricsNameIncomingBytes, types.MetricsNameOutgoingRecords, types.MetricsNameIteratorAgeMilliseconds,
	types.MetricsNameIncomingRecords, types.MetricsNameReadProvisionedThroughputExceeded,
	types.MetricsNameWriteProvisionedThroughputExceeded, types.MetricsNameOutgoingBytes,
}

const cpPolicyTemplate = `{"Version":"2012-10-17","Statement":[{"Sid":"read","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":["kinesis:GetRecords","kinesis:GetShardIterator"],"Resource":"RESOURCE"}]}`

func cpPolicy(resource string) string {
	return string(bytes.ReplaceAll([]byte(cpPolicyTemplate), []byte("RESOURCE"), []byte(resource)))
}

// TestControlPlaneSettings drives enhanced monitoring, resource policies,
// account settings, warm throughput and the maximum record size through
// the Go SDK, then restarts the server and checks that all of it stayed.
func TestControlPlaneSettings(t *testing.T) {
	dataDir := t.TempDir()
	s := startServer(t, dataDir, zeroDelays...)
	c := s.client()
	createStream(t, c, "cp", 1)
	waitActive(t, c, "cp")
	arn := streamARN("cp")

	// Enhanced monitoring.
	mon, err := c.EnableEnhancedMonitoring(ctx(t), &kinesis.EnableEnhancedMonitoringInput{StreamName: aws.String("cp"), ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if len(mon.CurrentShardLevelMetrics) != 0 || !slices.Equal(mon.DesiredShardLevelMetrics, allShardLevelMetrics) || aws.ToString(mon.StreamARN) != arn {
		t.Fatalf("EnableEnhancedMonitoring ALL: %+v", mon)
	}
	dis, err := c.DisableEnhancedMonitoring(ctx(t), &kinesis.DisableEnhancedMonitoringInput{StreamARN: aws.String(arn), ShardLevelMetrics: []types.MetricsName{types.MetricsNameIncomingBytes}})
	if err != nil || len(dis.CurrentShardLevelMetrics) != 7 || len(dis.DesiredShardLevelMetrics) != 6 || slices.Contains(dis.DesiredShardLevelMetrics, types.MetricsNameIncomingBytes) {
		t.Fatalf("DisableEnhancedMonitoring: %+v, %v", dis, err)
	}
	_, err = c.EnableEnhancedMonitoring(ctx(t), &kinesis.EnableEnhancedMonitoringInput{StreamName: aws.String("nope"), ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}})
	requireError(t, err, "ResourceNotFoundException", notFoundMessage("nope"))
	waitActive(t, c, "cp")

	// Resource policies on the stream and on a consumer.
	got, err := c.GetResourcePolicy(ctx(t), &kinesis.GetResourcePolicyInput{ResourceARN: aws.String(arn)})
	if err != nil || aws.ToString(got.Policy) != "{}" {
		t.Fatalf("GetResourcePolicy without a policy: %+v, %v", got, err)
	}
	_, err = c.DeleteResourcePolicy(ctx(t), &kinesis.DeleteResourcePolicyInput{ResourceARN: aws.String(arn)})
	requireError(t, err, "ResourceNotFoundException", "No resource policy found for resource ARN "+arn+".")
	_, err = c.PutResourcePolicy(ctx(t), &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(arn), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Resource":"*"}]}`)})
	requireError(t, err, "InvalidArgumentException", "Policy statement must contain actions.")
	_, err = c.PutResourcePolicy(ctx(t), &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(streamARN("ghost")), Policy: aws.String(cpPolicy(arn))})
	requireError(t, err, "ResourceNotFoundException", "Stream "+streamARN("ghost")+" under account "+testAccount+" not found.")
	if _, err := c.PutResourcePolicy(ctx(t), &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(arn), Policy: aws.String(cpPolicy(arn))}); err != nil {
		t.Fatal(err)
	}
	reg, err := c.RegisterStreamConsumer(ctx(t), &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	consumerARN := aws.ToString(reg.Consumer.ConsumerARN)
	poll(t, 10*time.Second, "consumer ACTIVE", func() (bool, string) {
		d, err := c.DescribeStreamConsumer(ctx(t), &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(consumerARN)})
		if err != nil {
			return false, err.Error()
		}
		return d.ConsumerDescription.ConsumerStatus == types.ConsumerStatusActive, string(d.ConsumerDescription.ConsumerStatus)
	})
	if _, err := c.PutResourcePolicy(ctx(t), &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(consumerARN), Policy: aws.String(cpPolicy(consumerARN))}); err != nil {
		t.Fatal(err)
	}

	// Account settings and warm throughput.
	acct, err := c.DescribeAccountSettings(ctx(t), &kinesis.DescribeAccountSettingsInput{})
	if err != nil || acct.MinimumThroughputBillingCommitment.Status != types.MinimumThroughputBillingCommitmentOutputStatusDisabled {
		t.Fatalf("DescribeAccountSettings: %+v, %v", acct, err)
	}
	if _, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("od"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "od")
	_, err = c.UpdateStreamWarmThroughput(ctx(t), &kinesis.UpdateStreamWarmThroughputInput{StreamName: aws.String("od"), WarmThroughputMiBps: aws.Int32(100)})
	requireErrorType(t, err, "ValidationException")
	upd, err := c.UpdateAccountSettings(ctx(t), &kinesis.UpdateAccountSettingsInput{MinimumThroughputBillingCommitment: &types.MinimumThroughputBillingCommitmentInput{Status: types.MinimumThroughputBillingCommitmentInputStatusEnabled}})
	if err != nil {
		t.Fatal(err)
	}
	commit := upd.MinimumThroughputBillingCommitment
	if commit.Status != types.MinimumThroughputBillingCommitmentOutputStatusEnabled || commit.StartedAt == nil || commit.EndedAt != nil ||
		!aws.ToTime(commit.EarliestAllowedEndAt).Equal(aws.ToTime(commit.StartedAt).Add(24*time.Hour)) {
		t.Fatalf("UpdateAccountSettings ENABLED: %+v", commit)
	}
	upd, err = c.UpdateAccountSettings(ctx(t), &kinesis.UpdateAccountSettingsInput{MinimumThroughputBillingCommitment: &types.MinimumThroughputBillingCommitmentInput{Status: types.MinimumThroughputBillingCommitmentInputStatusDisabled}})
	if err != nil || upd.MinimumThroughputBillingCommitment.Status != types.MinimumThroughputBillingCommitmentOutputStatusEnabledUntilEarliestAllowedEnd {
		t.Fatalf("early disable: %+v, %v", upd, err)
	}
	warm, err := c.UpdateStreamWarmThroughput(ctx(t), &kinesis.UpdateStreamWarmThroughputInput{StreamName: aws.String("od"), WarmThroughputMiBps: aws.Int32(100)})
	if err != nil || aws.ToInt32(warm.WarmThroughput.TargetMiBps) != 100 || aws.ToString(warm.StreamName) != "od" {
		t.Fatalf("UpdateStreamWarmThroughput: %+v, %v", warm, err)
	}
	_, err = c.UpdateStreamWarmThroughput(ctx(t), &kinesis.UpdateStreamWarmThroughputInput{StreamName: aws.String("cp"), WarmThroughputMiBps: aws.Int32(100)})
	requireErrorType(t, err, "ValidationException")
	waitActive(t, c, "od")
	_, err = c.UpdateStreamWarmThroughput(ctx(t), &kinesis.UpdateStreamWarmThroughputInput{StreamName: aws.String("od"), WarmThroughputMiBps: aws.Int32(10241)})
	requireErrorType(t, err, "LimitExceededException")
	if _, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("od2"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}, WarmThroughputMiBps: aws.Int32(300)}); err != nil {
		t.Fatal(err)
	}
	if sum := waitActive(t, c, "od2"); sum.WarmThroughput == nil || aws.ToInt32(sum.WarmThroughput.TargetMiBps) != 300 || aws.ToInt32(sum.WarmThroughput.CurrentMiBps) != 300 {
		t.Fatalf("od2 WarmThroughput: %+v", sum.WarmThroughput)
	}

	// Maximum record size.
	big := bytes.Repeat([]byte{7}, 3<<19) // 1.5 MiB
	_, err = c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("cp"), PartitionKey: aws.String("k"), Data: big})
	requireError(t, err, "ValidationException", "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1572864 cap=1572864]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576")
	_, err = c.UpdateMaxRecordSize(ctx(t), &kinesis.UpdateMaxRecordSizeInput{StreamARN: aws.String(arn), MaxRecordSizeInKiB: aws.Int32(512)})
	requireErrorType(t, err, "ValidationException")
	if _, err := c.UpdateMaxRecordSize(ctx(t), &kinesis.UpdateMaxRecordSizeInput{StreamARN: aws.String(arn), MaxRecordSizeInKiB: aws.Int32(2048)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("cp"), Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("k"), Data: big}}}); err != nil {
		t.Fatalf("1.5 MiB record on a 2 MiB stream: %v", err)
	}
	_, err = c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("cp"), Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("k"), Data: []byte("x")}, {PartitionKey: aws.String("k"), Data: bytes.Repeat([]byte{7}, 2<<20)}}})
	requireError(t, err, "ValidationException", "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=2097152 cap=2097152]' at 'records.2.member.data' failed to satisfy constraint: Member must have length less than or equal to 2097152")

	// Everything survives a restart.
	s.Stop()
	s = startServer(t, dataDir, zeroDelays...)
	c = s.client()
	sum := waitActive(t, c, "cp")
	if aws.ToInt32(sum.MaxRecordSizeInKiB) != 2048 || len(sum.EnhancedMonitoring) != 1 || len(sum.EnhancedMonitoring[0].ShardLevelMetrics) != 6 {
		t.Fatalf("cp after restart: MaxRecordSizeInKiB %d, EnhancedMonitoring %+v", aws.ToInt32(sum.MaxRecordSizeInKiB), sum.EnhancedMonitoring)
	}
	for _, res := range []string{arn, consumerARN} {
		got, err := c.GetResourcePolicy(ctx(t), &kinesis.GetResourcePolicyInput{ResourceARN: aws.String(res)})
		if err != nil || aws.ToString(got.Policy) != cpPolicy(res) {
			t.Fatalf("policy of %s after restart: %+v, %v", res, got, err)
		}
	}
	acct, err = c.DescribeAccountSettings(ctx(t), &kinesis.DescribeAccountSettingsInput{})
	if err != nil || acct.MinimumThroughputBillingCommitment.Status != types.MinimumThroughputBillingCommitmentOutputStatusEnabledUntilEarliestAllowedEnd ||
		!aws.ToTime(acct.MinimumThroughputBillingCommitment.StartedAt).Equal(aws.ToTime(commit.StartedAt)) {
		t.Fatalf("account settings after restart: %+v, %v", acct, err)
	}
	if sum := waitActive(t, c, "od"); sum.WarmThroughput == nil || aws.ToInt32(sum.WarmThroughput.TargetMiBps) != 100 {
		t.Fatalf("od WarmThroughput after restart: %+v", sum.WarmThroughput)
	}
	d, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String("cp")})
	if err != nil || len(d.StreamDescription.EnhancedMonitoring[0].ShardLevelMetrics) != 6 {
		t.Fatalf("DescribeStream after restart: %v", err)
	}
}
