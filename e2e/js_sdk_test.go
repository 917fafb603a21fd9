package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJavaScriptSDKv3 runs e2e/js/kinesis.mjs with node: the AWS SDK for
// JavaScript v3 with its default handler, which speaks HTTP/2 to Kinesis
// even over http:// (kinesalite#118). scripts/test.sh installs the SDK into
// e2e/js/node_modules (npm ci); without it the test fails rather than skip,
// so a CI that lost the install step cannot pass silently. The script also
// registers a consumer and reads SubscribeToShard events through the same
// HTTP/2 handler until the record it put last arrives.
func TestJavaScriptSDKv3(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed (scripts/test.sh installs it): %v", err)
	}
	dir, err := filepath.Abs("js")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@aws-sdk", "client-kinesis")); err != nil {
		t.Fatalf("the JavaScript SDK is not installed: run `npm ci` in %s (scripts/test.sh does): %v", dir, err)
	}
	s := startFastServer(t)
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(c, node, "kinesis.mjs", s.Endpoint, "js-sdk-v3")
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") { // only the script's own settings
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node kinesis.mjs: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"ok":true`) || !strings.Contains(string(out), `"handler":"NodeHttp2Handler"`) ||
		!strings.Contains(string(out), `"subscribeRecords":5`) {
		t.Fatalf("node kinesis.mjs did not report success:\n%s", out)
	}
	// The stream the script deleted is gone for every client.
	waitGone(t, s.client(), "js-sdk-v3")
}
