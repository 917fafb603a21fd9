package engine_test

import (
	"testing"

	"github.com/runnel-io/runnel/internal/engine"
)

const evalStream = "arn:aws:kinesis:us-east-1:111111111111:stream/orders"

func mustPolicy(t *testing.T, text string) engine.Policy {
	t.Helper()
	p, err := engine.ParsePolicy(text)
	if err != nil {
		t.Fatalf("ParsePolicy(%s): %v", text, err)
	}
	return p
}

func TestPolicyAllows(t *testing.T) {
	const (
		alice   = "arn:aws:iam::222222222222:user/alice"
		bob     = "arn:aws:iam::222222222222:user/bob"
		mallory = "arn:aws:iam::333333333333:user/mallory"
		session = "arn:aws:sts::222222222222:assumed-role/reader/session-1"
	)
	readAll := `{"Version":"2012-10-17","Statement":[{"Sid":"read","Effect":"Allow","Principal":{"AWS":"222222222222"},
		"Action":["kinesis:Get*","kinesis:DescribeStream?ummary"],"Resource":"arn:aws:kinesis:us-east-1:111111111111:stream/*"}]}`
	denyBob := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"kinesis:*","Resource":"*"},
		{"Effect":"Deny","Principal":{"AWS":["arn:aws:iam::222222222222:user/bob"]},"Action":"kinesis:PutRecord*","Resource":"` + evalStream + `"}]}`
	role := `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/reader"},"Action":"kinesis:GetRecords","Resource":"` + evalStream + `"}}`
	conditional := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"kinesis:GetRecords","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}},
		{"Effect":"Deny","Principal":"*","Action":"kinesis:PutRecord","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	notAction := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"NotAction":"kinesis:Delete*","Resource":"` + evalStream + `"}]}`
	cases := []struct {
		name                   string
		policy                 string
		principal, action, arn string
		allowed, denied        bool
	}{
		{"account principal, wildcard action", readAll, alice, "kinesis:GetRecords", evalStream, true, false},
		{"action match is case-insensitive", readAll, alice, "Kinesis:getshardIterator", evalStream, true, false},
		{"? wildcard", readAll, alice, "kinesis:DescribeStreamSummary", evalStream, true, false},
		{"action not listed", readAll, alice, "kinesis:PutRecord", evalStream, false, false},
		{"other account", readAll, mallory, "kinesis:GetRecords", evalStream, false, false},
		{"resource outside the pattern", readAll, alice, "kinesis:GetRecords", "arn:aws:kinesis:us-west-2:111111111111:stream/orders", false, false},
		{"resource match is case-sensitive", readAll, alice, "kinesis:GetRecords", "arn:aws:kinesis:us-east-1:111111111111:Stream/orders", false, false},
		{"allow for everyone", denyBob, alice, "kinesis:PutRecords", evalStream, true, false},
		{"explicit deny wins", denyBob, bob, "kinesis:PutRecords", evalStream, false, true},
		{"deny only its actions", denyBob, bob, "kinesis:GetRecords", evalStream, true, false},
		{"assumed-role session acts as its role", role, session, "kinesis:GetRecords", evalStream, true, false},
		{"role principal does not cover the account's users", role, alice, "kinesis:GetRecords", evalStream, false, false},
		{"conditional allow never grants", conditional, alice, "kinesis:GetRecords", evalStream, false, false},
		{"conditional deny always denies", conditional, alice, "kinesis:PutRecord", evalStream, false, true},
		{"NotAction allows the rest", notAction, alice, "kinesis:PutRecord", evalStream, true, false},
		{"NotAction excludes", notAction, alice, "kinesis:DeleteStream", evalStream, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			allowed, denied := mustPolicy(t, c.policy).Allows(c.principal, c.action, c.arn)
			if allowed != c.allowed || denied != c.denied {
				t.Fatalf("Allows = (%v, %v); want (%v, %v)", allowed, denied, c.allowed, c.denied)
			}
		})
	}
}

func TestParsePolicyRejects(t *testing.T) {
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":[` + s + `]}` }
	cases := []struct{ name, policy, msg string }{
		{"not JSON", `{"Version":`, "Syntax errors in policy."},
		{"not an object", `["a"]`, "Syntax errors in policy."},
		{"trailing content", `{"Statement":[]} x`, "Syntax errors in policy."},
		{"unknown top-level key", `{"Statements":[]}`, "Syntax errors in policy."},
		{"bad version", `{"Version":"2020-01-01","Statement":[]}`, "The policy failed legacy parsing"},
		{"no statement", `{"Version":"2012-10-17"}`, "Missing required field Statement"},
		{"empty statement list", stmt(``), "Missing required field Statement"},
		{"no effect", stmt(`{"Principal":"*","Action":"kinesis:*","Resource":"*"}`), "Missing required field Effect"},
		{"bad effect", stmt(`{"Effect":"Maybe","Principal":"*","Action":"kinesis:*","Resource":"*"}`), "Invalid effect: Maybe"},
		{"no principal", stmt(`{"Effect":"Allow","Action":"kinesis:*","Resource":"*"}`), "Missing required field Principal"},
		{"bad principal", stmt(`{"Effect":"Allow","Principal":"bob","Action":"kinesis:*","Resource":"*"}`), "Syntax errors in policy."},
		{"no action", stmt(`{"Effect":"Allow","Principal":"*","Resource":"*"}`), "Policy statement must contain actions."},
		{"no resource", stmt(`{"Effect":"Allow","Principal":"*","Action":"kinesis:*"}`), "Policy statement must contain resources."},
		{"action without vendor", stmt(`{"Effect":"Allow","Principal":"*","Action":"PutRecord","Resource":"*"}`), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"two colons", stmt(`{"Effect":"Allow","Principal":"*","Action":"kinesis:Put:Record","Resource":"*"}`), "Actions/Condition can contain only one colon."},
		{"resource not an ARN", stmt(`{"Effect":"Allow","Principal":"*","Action":"kinesis:*","Resource":"orders"}`), `Resource orders must be in ARN format or "*".`},
		{"duplicate sid", stmt(`{"Sid":"a","Effect":"Allow","Principal":"*","Action":"kinesis:*","Resource":"*"},{"Sid":"a","Effect":"Deny","Principal":"*","Action":"kinesis:*","Resource":"*"}`), "Statement IDs (SID) in a single policy must be unique."},
		{"unknown statement key", stmt(`{"Effect":"Allow","Principal":"*","Action":"kinesis:*","Resource":"*","Extra":1}`), "Syntax errors in policy."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := engine.ParsePolicy(c.policy)
			wantErr(t, err, engine.KindInvalidArgument, c.msg)
		})
	}
}
