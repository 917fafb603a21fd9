package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// This file checks every constraint of botocore's Kinesis model against
// the running server: for every operation and every constraint of every
// member reachable from its input (required, length, pattern, range, enum,
// list and map sizes, list elements, map keys and values, nested members),
// one request that breaks exactly that constraint, and the exact __type and
// message AWS answers. The cases come from the model file itself (the same
// file the server's tables are generated from), and the expected messages
// are built here from the constraint values with AWS's templates
// (kinesalite's AWS-observed wording), not by asking the server's validator.

// rawResponse is a response read whole.
type rawResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// rawClient sends hand-made requests, signed with the SDK's SigV4 signer so
// that they also pass a server started with --credentials.
type rawClient struct {
	endpoint   string
	akid, key  string
	httpClient *http.Client
}

func newRawClient(endpoint string) *rawClient {
	return &rawClient{endpoint: endpoint, akid: testAccessKey, key: testSecretKey,
		httpClient: &http.Client{Timeout: callTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: 16, DisableCompression: true}}}
}

// post sends body to operation target with contentType, signed.
func (c *rawClient) post(t testing.TB, target, contentType string, body []byte) rawResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Amz-Target", "Kinesis_20131202."+target)
	c.sign(t, req, body)
	return c.do(t, req)
}

func (c *rawClient) sign(t testing.TB, req *http.Request, body []byte) {
	t.Helper()
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: c.akid, SecretAccessKey: c.key}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "kinesis", testRegion, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func (c *rawClient) do(t testing.TB, req *http.Request) rawResponse {
	t.Helper()
	resp, err := c.tryDo(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.Header.Get("X-Amz-Target"), err)
	}
	return resp
}

// tryDo sends req and reads the whole answer; safe off the test goroutine.
func (c *rawClient) tryDo(req *http.Request) (rawResponse, error) {
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return rawResponse{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return rawResponse{}, fmt.Errorf("read body: %w", err)
	}
	return rawResponse{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// signNoFail signs req; safe off the test goroutine (signing a well-formed
// request with static credentials does not fail).
func (c *rawClient) signNoFail(req *http.Request, body []byte) {
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: c.akid, SecretAccessKey: c.key}
	_ = v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "kinesis", testRegion, time.Now())
}

// awsError returns the __type and message of a JSON error body (message
// or Message, as botocore reads either).
func (r rawResponse) awsError() (typ, msg string, ok bool) {
	var e map[string]any
	if json.Unmarshal(r.Body, &e) != nil {
		return "", "", false
	}
	typ, _ = e["__type"].(string)
	msg, _ = e["message"].(string)
	if m, isStr := e["Message"].(string); isStr && msg == "" {
		msg = m
	}
	return typ, msg, typ != ""
}

// Model types, as much of the botocore model as the cases need.
type modelShape struct {
	Type     string                 `json:"type"`
	Required []string               `json:"required"`
	Members  map[string]modelMember `json:"members"`
	Member   *modelMember           `json:"member"`
	Key      *modelMember           `json:"key"`
	Value    *modelMember           `json:"value"`
	Min      *int64                 `json:"min"`
	Max      *int64                 `json:"max"`
	Pattern  string                 `json:"pattern"`
	Enum     []string               `json:"enum"`
}

type modelMember struct {
	Shape string `json:"shape"`
}

type kinesisModel struct {
	Operations map[string]struct {
		Input *modelMember `json:"input"`
	} `json:"operations"`
	Shapes map[string]modelShape `json:"shapes"`
	// memberOrder keeps each structure's members in model order (Go maps
	// lose it), for stable case names.
	memberOrder map[string][]string
}

// loadKinesisModel reads botocore's model: $RUNNEL_KINESIS_MODEL, else the
// botocore that python3 finds (the aws CLI's).
func loadKinesisModel(t *testing.T) *kinesisModel {
	t.Helper()
	path := os.Getenv("RUNNEL_KINESIS_MODEL")
	if path == "" {
		out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
		if err != nil {
			t.Skipf("botocore not installed and RUNNEL_KINESIS_MODEL unset: %v", err)
		}
		path = filepath.Join(strings.TrimSpace(string(out)), "data", "kinesis", "2013-12-02", "service-2.json.gz")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("botocore's Kinesis model: %v", err)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if raw, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	var m kinesisModel
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("model %s: %v", path, err)
	}
	m.memberOrder = map[string][]string{}
	var ordered struct {
		Shapes map[string]struct {
			Members json.RawMessage `json:"members"`
		} `json:"shapes"`
	}
	if err := json.Unmarshal(raw, &ordered); err != nil {
		t.Fatal(err)
	}
	for name, s := range ordered.Shapes {
		if len(s.Members) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(s.Members))
		_, _ = dec.Token() // {
		for dec.More() {
			k, _ := dec.Token()
			m.memberOrder[name] = append(m.memberOrder[name], k.(string))
			var skip json.RawMessage
			_ = dec.Decode(&skip)
		}
	}
	return &m
}

// validationCase is one request and the exact answer AWS gives it.
type validationCase struct {
	name    string
	op      string
	body    map[string]any
	typ     string // __type
	message string
}

// Values that satisfy the model's patterns; a pattern none of them fits
// fails the test, so a new pattern in the model gets an example here.
var patternExamples = []string{
	"name_1.a-b",
	"1",
	"arn:aws:kinesis:" + testRegion + ":" + testAccount + ":stream/validation",
	"arn:aws:kinesis:" + testRegion + ":" + testAccount + ":stream/validation/consumer/c:1700000000",
	"abcdefghij0123456789-abc",
}

// Values that break a pattern, tried in order.
var patternBreakers = []string{"!", "a b", "#x", "01", "-"}

// caseBuilder walks the model and collects cases.
type caseBuilder struct {
	t     *testing.T
	m     *kinesisModel
	cases []validationCase
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func (b *caseBuilder) shape(name string) modelShape {
	s, ok := b.m.Shapes[name]
	if !ok {
		b.t.Fatalf("model has no shape %s", name)
	}
	return s
}

func (b *caseBuilder) required(s modelShape, member string) bool {
	for _, r := range s.Required {
		if r == member {
			return true
		}
	}
	return false
}

// fullMatch is the model's pattern as AWS applies it: to the whole value.
func fullMatch(pattern, v string) bool {
	return regexp.MustCompile(`^(?:` + pattern + `)$`).MatchString(v)
}

func javaLen(s string) int64 { return int64(len(utf16.Encode([]rune(s)))) }

// validScalar returns a value that satisfies every constraint of a scalar
// shape.
func (b *caseBuilder) validScalar(name string) any {
	s := b.shape(name)
	switch s.Type {
	case "string":
		if len(s.Enum) > 0 {
			return s.Enum[0]
		}
		if s.Pattern != "" {
			for _, ex := range patternExamples {
				if fullMatch(s.Pattern, ex) && b.lengthOK(s, javaLen(ex)) {
					return ex
				}
			}
			b.t.Fatalf("no example value fits shape %s (pattern %s): add one to patternExamples", name, s.Pattern)
		}
		n := int64(1)
		if s.Min != nil && *s.Min > n {
			n = *s.Min
		}
		return strings.Repeat("v", int(n))
	case "integer", "long":
		v := int64(1)
		if s.Min != nil {
			v = *s.Min
		}
		return v
	case "boolean":
		return true
	case "blob":
		return "AAAA"
	case "timestamp":
		return 1700000000
	}
	b.t.Fatalf("shape %s: %s is not a scalar", name, s.Type)
	return nil
}

func (b *caseBuilder) lengthOK(s modelShape, l int64) bool {
	return (s.Min == nil || l >= *s.Min) && (s.Max == nil || l <= *s.Max)
}

// valid returns a value of shape name that satisfies every constraint,
// with only the required members of structures.
func (b *caseBuilder) valid(name string) any {
	s := b.shape(name)
	switch s.Type {
	case "structure":
		obj := map[string]any{}
		for _, m := range s.Required {
			obj[m] = b.valid(s.Members[m].Shape)
		}
		return obj
	case "list":
		n := int64(1)
		if s.Min != nil && *s.Min > n {
			n = *s.Min
		}
		list := make([]any, n)
		for i := range list {
			list[i] = b.valid(s.Member.Shape)
		}
		return list
	case "map":
		return map[string]any{"k": b.valid(s.Value.Shape)}
	}
	return b.validScalar(name)
}

// Templates of AWS's ValidationException (kinesalite validations/index.js,
// test/*.js: AWS-observed).
func violation(printed, path, constraint string) string {
	return "Value " + printed + " at '" + path + "' failed to satisfy constraint: " + constraint
}

func quoted(s string) string { return "'" + s + "'" }

func validationMessage(violations []string) string {
	if len(violations) == 1 {
		return "1 validation error detected: " + violations[0]
	}
	return strconv.Itoa(len(violations)) + " validation errors detected: " + strings.Join(violations, "; ")
}

func lengthRule(kind string, s modelShape) (minRule, maxRule string) {
	word := "length"
	if kind == "integer" || kind == "long" {
		word = "value"
	}
	if s.Min != nil {
		minRule = "Member must have " + word + " greater than or equal to " + strconv.FormatInt(*s.Min, 10)
	}
	if s.Max != nil {
		maxRule = "Member must have " + word + " less than or equal to " + strconv.FormatInt(*s.Max, 10)
	}
	return minRule, maxRule
}

// javaHashSetOrder is the order java.util.HashSet iterates strings in
// (capacity 16 up to 12 values): bucket String.hashCode() & 15, ties in
// insertion order. AWS prints enum value sets in it; kinesalite's
// getShardIterator test has the observed [AFTER_SEQUENCE_NUMBER, LATEST,
// AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON].
func javaHashSetOrder(values []string) []string {
	capacity := uint32(16)
	for uint32(len(values))*4 > capacity*3 {
		capacity *= 2
	}
	bucket := func(s string) uint32 {
		var h uint32
		for _, u := range utf16.Encode([]rune(s)) {
			h = 31*h + uint32(u)
		}
		return h & (capacity - 1)
	}
	out := append([]string(nil), values...)
	sort.SliceStable(out, func(i, j int) bool { return bucket(out[i]) < bucket(out[j]) })
	return out
}

// scalarRules lists a scalar shape's rules as AWS prints them for list
// elements and map keys/values: enum, pattern, max, then min.
func scalarRules(s modelShape) string {
	var rules []string
	if len(s.Enum) > 0 {
		rules = append(rules, "Member must satisfy enum value set: ["+strings.Join(javaHashSetOrder(s.Enum), ", ")+"]")
	}
	if s.Pattern != "" {
		rules = append(rules, "Member must satisfy regular expression pattern: "+s.Pattern)
	}
	minRule, maxRule := lengthRule(s.Type, s)
	if maxRule != "" {
		rules = append(rules, maxRule)
	}
	if minRule != "" {
		rules = append(rules, minRule)
	}
	return strings.Join(rules, ", ")
}

// stringViolations lists what v breaks in a string shape, in AWS's order:
// enum, pattern, minimum length, maximum length.
func stringViolations(s modelShape, v, path string) []string {
	var out []string
	if len(s.Enum) > 0 && !contains(s.Enum, v) {
		out = append(out, violation(quoted(v), path, "Member must satisfy enum value set: ["+strings.Join(javaHashSetOrder(s.Enum), ", ")+"]"))
	}
	if s.Pattern != "" && !fullMatch(s.Pattern, v) {
		out = append(out, violation(quoted(v), path, "Member must satisfy regular expression pattern: "+s.Pattern))
	}
	minRule, maxRule := lengthRule("string", s)
	if s.Min != nil && javaLen(v) < *s.Min {
		out = append(out, violation(quoted(v), path, minRule))
	}
	if s.Max != nil && javaLen(v) > *s.Max {
		out = append(out, violation(quoted(v), path, maxRule))
	}
	return out
}

func contains(set []string, v string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// printValue renders a value as AWS prints it inside quotes (Java's
// toString): lists [a, b], structures in lists by class name, maps {k=v}
// (keys sorted; AWS's HashMap order is not reproducible for big maps).
func (b *caseBuilder) printValue(shapeName string, v any) string {
	s := b.shape(shapeName)
	switch s.Type {
	case "structure":
		return "com.amazonaws.kinesis.v20131202." + shapeName + "@2"
	case "list":
		parts := []string{}
		for _, e := range v.([]any) {
			parts = append(parts, b.printValue(s.Member.Shape, e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case "map":
		obj := v.(map[string]any)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := []string{}
		for _, k := range keys {
			parts = append(parts, k+"="+b.printValue(s.Value.Shape, obj[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case "blob":
		n := strconv.Itoa(base64.StdEncoding.DecodedLen(len(v.(string))) - strings.Count(v.(string), "="))
		return "java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]"
	}
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	}
	b.t.Fatalf("printValue %s %T", shapeName, v)
	return ""
}

// wrap builds a whole request around one member's value: set(value)
// places the value at the member's position in a valid request body.
type placer func(v any) map[string]any

// memberCases adds every constraint case of one member (shape name at
// path), placed in the request by place; absent removes the member.
func (b *caseBuilder) memberCases(op, path, shapeName string, isRequired bool, place placer, absent func() map[string]any) {
	s := b.shape(shapeName)
	add := func(what string, v any, typ, msg string) {
		var body map[string]any
		if v == nil {
			body = absent()
		} else {
			body = place(v)
		}
		b.cases = append(b.cases, validationCase{name: op + "/" + path + "/" + what, op: op, body: body, typ: typ, message: msg})
	}
	validation := func(what string, v any, violations []string) {
		if len(violations) == 0 {
			b.t.Fatalf("%s %s %s: the value breaks nothing", op, path, what)
		}
		add(what, v, "ValidationException", validationMessage(violations))
	}
	if isRequired {
		validation("required", nil, []string{violation("null", path, "Member must not be null")})
	}
	b.typeCase(add, s)
	minRule, maxRule := lengthRule(s.Type, s)
	switch s.Type {
	case "string":
		if len(s.Enum) > 0 {
			validation("enum", "NOT_A_VALUE", stringViolations(s, "NOT_A_VALUE", path))
		}
		if s.Pattern != "" {
			var bad string
			for _, c := range patternBreakers {
				if !fullMatch(s.Pattern, c) && b.lengthOK(s, javaLen(c)) {
					bad = c
					break
				}
			}
			if bad == "" {
				b.t.Fatalf("no value breaks only the pattern of %s: add one to patternBreakers", shapeName)
			}
			validation("pattern", bad, stringViolations(s, bad, path))
		}
		if s.Min != nil && *s.Min > 0 {
			v := strings.Repeat("a", int(*s.Min-1))
			validation("min-length", v, stringViolations(s, v, path))
		}
		if s.Max != nil {
			v := b.validScalar(shapeName).(string)
			pad := "a"
			if s.Pattern != "" && !fullMatch(s.Pattern, v+"a") {
				pad = "1"
			}
			v += strings.Repeat(pad, int(*s.Max-javaLen(v)+1))
			validation("max-length", v, stringViolations(s, v, path))
		}
	case "integer", "long":
		if s.Min != nil {
			v := *s.Min - 1
			validation("min", v, []string{violation(quoted(strconv.FormatInt(v, 10)), path, minRule)})
		}
		if s.Max != nil {
			v := *s.Max + 1
			validation("max", v, []string{violation(quoted(strconv.FormatInt(v, 10)), path, maxRule)})
		}
	case "blob":
		if s.Max != nil {
			v := base64.StdEncoding.EncodeToString(make([]byte, *s.Max+1))
			validation("max-length", v, []string{violation(quoted(b.printValue(shapeName, v)), path, maxRule)})
		}
		if s.Min != nil && *s.Min > 0 {
			v := base64.StdEncoding.EncodeToString(make([]byte, *s.Min-1))
			validation("min-length", v, []string{violation(quoted(b.printValue(shapeName, v)), path, minRule)})
		}
	case "list":
		elem := b.shape(s.Member.Shape)
		if s.Min != nil && *s.Min > 0 {
			v := make([]any, *s.Min-1)
			for i := range v {
				v[i] = b.valid(s.Member.Shape)
			}
			validation("min-size", v, []string{violation(quoted(b.printValue(shapeName, v)), path, minRule)})
		}
		if s.Max != nil {
			v := make([]any, *s.Max+1)
			for i := range v {
				v[i] = b.valid(s.Member.Shape)
			}
			validation("max-size", v, []string{violation(quoted(b.printValue(shapeName, v)), path, maxRule)})
		}
		if elem.Type == "structure" {
			elemPath := path + ".1.member"
			b.structureCases(op, elemPath, s.Member.Shape,
				func(inner map[string]any) map[string]any { return place([]any{inner}) })
		} else if rules := scalarRules(elem); rules != "" {
			bad := b.badScalar(s.Member.Shape)
			v := []any{b.valid(s.Member.Shape), bad}
			validation("element", v, []string{violation(quoted(b.printValue(shapeName, v)), path, "Member must satisfy constraint: ["+rules+"]")})
		}
	case "map":
		if s.Min != nil && *s.Min > 0 {
			v := map[string]any{}
			validation("min-size", v, []string{violation(quoted(b.printValue(shapeName, v)), path, minRule)})
		}
		if s.Max != nil {
			v := map[string]any{}
			for i := range *s.Max + 1 {
				v["k"+strconv.FormatInt(i, 10)] = b.valid(s.Value.Shape)
			}
			validation("max-size", v, []string{violation(quoted(b.printValue(shapeName, v)), path, maxRule)})
		}
		if rules := scalarRules(b.shape(s.Key.Shape)); rules != "" {
			v := map[string]any{b.badScalar(s.Key.Shape).(string): b.valid(s.Value.Shape)}
			validation("key", v, []string{violation(quoted(b.printValue(shapeName, v)), path, "Map keys must satisfy constraint: ["+rules+"]")})
		}
		if rules := scalarRules(b.shape(s.Value.Shape)); rules != "" {
			v := map[string]any{"k": b.badScalar(s.Value.Shape)}
			validation("value", v, []string{violation(quoted(b.printValue(shapeName, v)), path, "Map value must satisfy constraint: ["+rules+"]")})
		}
	case "structure":
		b.structureCases(op, path, shapeName, func(inner map[string]any) map[string]any { return place(inner) })
	}
}

// badScalar is a value of a scalar shape that breaks one of its rules.
func (b *caseBuilder) badScalar(name string) any {
	s := b.shape(name)
	switch {
	case len(s.Enum) > 0:
		return "NOT_A_VALUE"
	case s.Type == "string" && s.Max != nil:
		return strings.Repeat("a", int(*s.Max+1))
	case s.Type == "string" && s.Min != nil && *s.Min > 0:
		return ""
	}
	b.t.Fatalf("no bad value for %s", name)
	return nil
}

// typeCase adds the SerializationException for a value of the wrong JSON
// type (kinesalite validations/index.js checkType; AWS-observed wording).
func (b *caseBuilder) typeCase(add func(string, any, string, string), s modelShape) {
	const coral = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
	switch s.Type {
	case "string":
		add("type", json.Number("12"), "SerializationException", coral+"an String")
	case "integer":
		add("type", "12", "SerializationException", "class java.lang.String can not be converted to an Integer")
	case "long":
		add("type", "12", "SerializationException", "class java.lang.String can not be converted to an Long")
	case "boolean":
		add("type", "yes", "SerializationException", "'YES' can not be converted to an Boolean")
	case "blob":
		add("type", true, "SerializationException", "class java.lang.Boolean can not be converted to a Blob")
		add("type-base64", "AAA", "SerializationException", "'AAA' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3")
	case "timestamp":
		add("type", "now", "SerializationException", "class java.lang.String can not be converted to milliseconds since epoch")
	case "list":
		add("type", map[string]any{}, "SerializationException", "Start of structure or map found where not expected.")
	case "map", "structure":
		add("type", []any{}, "SerializationException", "Start of list found where not expected")
	}
}

// structureCases adds the cases of every member of a structure at path
// (the root when path is ""), each placed into an otherwise valid value of
// the structure by wrap.
func (b *caseBuilder) structureCases(op, path, shapeName string, wrap func(map[string]any) map[string]any) {
	s := b.shape(shapeName)
	for _, member := range b.m.memberOrder[shapeName] {
		mShape := s.Members[member].Shape
		memberPath := lowerFirst(member)
		if path != "" {
			memberPath = path + "." + memberPath
		}
		place := func(v any) map[string]any {
			obj := b.valid(shapeName).(map[string]any)
			obj[member] = v
			return wrap(obj)
		}
		absent := func() map[string]any {
			obj := b.valid(shapeName).(map[string]any)
			delete(obj, member)
			return wrap(obj)
		}
		b.memberCases(op, memberPath, mShape, b.required(s, member), place, absent)
	}
}

// modelValidationCases builds the cases of every operation of the model.
func modelValidationCases(t *testing.T, m *kinesisModel) []validationCase {
	b := &caseBuilder{t: t, m: m}
	ops := make([]string, 0, len(m.Operations))
	for op := range m.Operations {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		in := m.Operations[op].Input
		if in == nil {
			continue
		}
		b.structureCases(op, "", in.Shape, func(obj map[string]any) map[string]any { return obj })
	}
	return b.cases
}

// TestValidationMatchesAWS sends one violating request per constraint of
// the model and checks the exact answer. It first checks that every
// operation of the model is served: a valid request is not answered
// UnknownOperationException.
func TestValidationMatchesAWS(t *testing.T) {
	t.Parallel()
	m := loadKinesisModel(t)
	srv := startFastServer(t)
	rc := newRawClient(srv.Endpoint)

	b := &caseBuilder{t: t, m: m}
	for op, o := range m.Operations {
		body := map[string]any{}
		if o.Input != nil {
			body = b.valid(o.Input.Shape).(map[string]any)
		}
		data, _ := json.Marshal(body)
		resp := rc.post(t, op, "application/x-amz-json-1.1", data)
		if typ, msg, _ := resp.awsError(); typ == "UnknownOperationException" || typ == "ValidationException" || typ == "SerializationException" || resp.Status >= 500 {
			t.Errorf("%s with a valid body %s: %d %s %q", op, data, resp.Status, typ, msg)
		}
	}

	cases := modelValidationCases(t, m)
	cases = append(cases, handWrittenValidationCases()...)
	t.Logf("%d validation cases over %d operations of the model", len(cases), len(m.Operations))
	failures := 0
	for _, tc := range cases {
		data, err := json.Marshal(tc.body)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		resp := rc.post(t, tc.op, "application/x-amz-json-1.1", data)
		typ, msg, ok := resp.awsError()
		if !ok || resp.Status != http.StatusBadRequest || typ != tc.typ || msg != tc.message {
			failures++
			if failures <= 20 {
				shown := string(data)
				if len(shown) > 300 {
					shown = shown[:300] + "…"
				}
				t.Errorf("%s: body %s\n got %d %s %.600q\nwant 400 %s %.600q", tc.name, shown, resp.Status, typ, msg, tc.typ, tc.message)
			}
		}
	}
	if failures > 0 {
		t.Fatalf("%d of %d validation cases answered differently from AWS", failures, len(cases))
	}
}

// handWrittenValidationCases cover what one-constraint-at-a-time cannot:
// several violations at once, in order, and AWS's cap of 10.
func handWrittenValidationCases() []validationCase {
	many := make([]any, 12)
	var tenViolations []string
	for i := range many {
		many[i] = map[string]any{"Data": "AAAA", "PartitionKey": ""}
		if i < 10 {
			tenViolations = append(tenViolations, violation("''", "records."+strconv.Itoa(i+1)+".member.partitionKey", "Member must have length greater than or equal to 1"))
		}
	}
	return []validationCase{
		{
			name: "CreateStream/three violations in model order", op: "CreateStream",
			body: map[string]any{"StreamName": "", "ShardCount": 0},
			typ:  "ValidationException",
			message: validationMessage([]string{
				violation("''", "streamName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
				violation("''", "streamName", "Member must have length greater than or equal to 1"),
				violation("'0'", "shardCount", "Member must have value greater than or equal to 1"),
			}),
		},
		{
			name: "PutRecords/twelve violations capped at ten", op: "PutRecords",
			body:    map[string]any{"StreamName": "s", "Records": many},
			typ:     "ValidationException",
			message: validationMessage(tenViolations),
		},
		{
			name: "GetShardIterator/type error wins over constraints", op: "GetShardIterator",
			body: map[string]any{"StreamName": "", "ShardId": "shardId-000000000000", "ShardIteratorType": "LATEST", "Timestamp": "yesterday"},
			typ:  "SerializationException", message: "class java.lang.String can not be converted to milliseconds since epoch",
		},
	}
}
