package api

import (
	"encoding/base64"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// bodyGen writes random PutRecord(s) bodies.
type bodyGen struct {
	r *rand.Rand
	b strings.Builder
	// plain: only what the fast path must accept (no escapes).
	plain bool
	// small: few records and little data (fuzz seeds).
	small bool
}

// ws writes random JSON whitespace, usually none.
func (g *bodyGen) ws() {
	if g.r.IntN(3) != 0 {
		return
	}
	for range g.r.IntN(3) + 1 {
		g.b.WriteByte(" \t\n\r"[g.r.IntN(4)])
	}
}

func (g *bodyGen) tok(s string) { g.ws(); g.b.WriteString(s); g.ws() }

// keyRunes are characters of partition keys: ASCII, BMP, astral (two
// UTF-16 units), the JS line separators and a DEL.
var keyRunes = []rune("abcXYZ019 -_.:/'<>&\u007f\u00e9\u00ff\u0100\u2028\u2029\u4e16\uffff\U0001F600\U00010000\U0010FFFF")

func (g *bodyGen) partitionKey() string {
	var sb strings.Builder
	units := 0
	max := 256
	if g.r.IntN(4) != 0 {
		max = 12
	}
	want := 1 + g.r.IntN(max)
	for units < want {
		c := keyRunes[g.r.IntN(len(keyRunes))]
		if n := utf16.RuneLen(c); units+n > 256 {
			continue
		} else {
			units += n
		}
		sb.WriteRune(c)
	}
	return sb.String()
}

// str writes s as a JSON string; without plain it may use escapes.
func (g *bodyGen) str(s string) {
	g.ws()
	if g.plain || g.r.IntN(8) != 0 {
		g.b.WriteString(`"` + s + `"`)
	} else {
		g.b.WriteString(strconv.QuoteToASCII(s)) // \u escapes, valid JSON for these runes
	}
	g.ws()
}

func (g *bodyGen) hashKey() string {
	if g.r.IntN(5) == 0 {
		return "0"
	}
	n := 1 + g.r.IntN(39)
	d := []byte{byte('1' + g.r.IntN(9))}
	for len(d) < n {
		d = append(d, byte('0'+g.r.IntN(10)))
	}
	return string(d)
}

func (g *bodyGen) data() string {
	n := g.r.IntN(2049)
	if g.small || g.r.IntN(3) == 0 {
		n = g.r.IntN(4)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	return base64.StdEncoding.EncodeToString(b)
}

// members writes an object whose members come in random order.
func (g *bodyGen) members(ms []func()) {
	g.r.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
	g.tok("{")
	for i, m := range ms {
		if i > 0 {
			g.tok(",")
		}
		m()
	}
	g.tok("}")
}

func (g *bodyGen) member(key string, value func()) func() {
	return func() { g.str(key); g.tok(":"); value() }
}

func (g *bodyGen) strMember(key, value string) func() {
	return g.member(key, func() { g.str(value) })
}

func (g *bodyGen) streamMembers() []func() {
	var ms []func()
	switch g.r.IntN(4) {
	case 0:
		ms = append(ms, g.strMember("StreamName", "my_stream-1.x"))
	case 1:
		ms = append(ms, g.strMember("StreamARN", "arn:aws:kinesis:us-east-1:123456789012:stream/s-1"))
	case 2:
		ms = append(ms, g.strMember("StreamName", "s"), g.strMember("StreamARN", "arn:aws-cn:kinesis:cn-north-1:000000000000:stream/\u00e9:stream/x"))
	}
	if g.r.IntN(4) == 0 {
		ms = append(ms, g.strMember("StreamId", "abcdefghij0123456789-xyz"))
	}
	return ms
}

func (g *bodyGen) entryMembers() []func() {
	ms := []func(){g.strMember("Data", g.data()), g.strMember("PartitionKey", g.partitionKey())}
	if g.r.IntN(3) == 0 {
		ms = append(ms, g.strMember("ExplicitHashKey", g.hashKey()))
	}
	return ms
}

func (g *bodyGen) putRecords() []byte {
	g.b.Reset()
	n := 1 + g.r.IntN(20)
	switch g.r.IntN(10) {
	case 0:
		n = 500
	case 1:
		n = 1 + g.r.IntN(500)
	}
	if g.small {
		n = 1 + g.r.IntN(4)
	}
	ms := append(g.streamMembers(), g.member("Records", func() {
		g.tok("[")
		for i := range n {
			if i > 0 {
				g.tok(",")
			}
			g.members(g.entryMembers())
		}
		g.tok("]")
	}))
	g.members(ms)
	return []byte(g.b.String())
}

func (g *bodyGen) putRecord() []byte {
	g.b.Reset()
	ms := append(g.streamMembers(), g.entryMembers()...)
	if g.r.IntN(3) == 0 {
		ms = append(ms, g.strMember("SequenceNumberForOrdering", "4963"+strings.Repeat("0123456789", g.r.IntN(12))))
	}
	g.members(ms)
	return []byte(g.b.String())
}

// checkPutRecords asserts the fast path's contract on body: ok only when
// the slow path accepts, with identical results. It returns ok.
func checkPutRecords(t testing.TB, body []byte) bool {
	t.Helper()
	ref, entries, ok := fastDecodePutRecords(body)
	slowRef, slowEntries, err := slowDecodePutRecords(body)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("fast path accepted a body the slow path rejects (%v):\n%q", err, body)
	}
	if ref != slowRef || !reflect.DeepEqual(entries, slowEntries) {
		t.Fatalf("fast and slow paths differ on %q:\nfast %+v %+v\nslow %+v %+v", body, ref, entries, slowRef, slowEntries)
	}
	for i := range entries {
		if cap(entries[i].Data) != len(entries[i].Data) {
			t.Fatalf("entry %d: Data has spare capacity into the shared buffer", i)
		}
	}
	return true
}

func checkPutRecord(t testing.TB, body []byte) bool {
	t.Helper()
	ref, entry, seq, ok := fastDecodePutRecord(body)
	slowRef, slowEntry, slowSeq, err := slowDecodePutRecord(body)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("fast path accepted a body the slow path rejects (%v):\n%q", err, body)
	}
	if ref != slowRef || seq != slowSeq || !reflect.DeepEqual(entry, slowEntry) {
		t.Fatalf("fast and slow paths differ on %q:\nfast %+v %+v %q\nslow %+v %+v %q", body, ref, entry, seq, slowRef, slowEntry, slowSeq)
	}
	return true
}

func TestFastPutRecordsMatchesSlowPath(t *testing.T) {
	for _, plain := range []bool{true, false} {
		g := bodyGen{r: rand.New(rand.NewPCG(1, 2)), plain: plain}
		accepted := 0
		n := 150
		if testing.Short() {
			n = 30
		}
		for range n {
			body := g.putRecords()
			if checkPutRecords(t, body) {
				accepted++
			} else if plain {
				_, _, err := slowDecodePutRecords(body)
				t.Fatalf("fast path refused a plain valid body (slow path: %v):\n%.2000q", err, body)
			}
		}
		t.Logf("plain=%v: fast path took %d of %d", plain, accepted, n)
	}
}

func TestFastPutRecordMatchesSlowPath(t *testing.T) {
	for _, plain := range []bool{true, false} {
		g := bodyGen{r: rand.New(rand.NewPCG(3, 4)), plain: plain}
		for range 2000 {
			body := g.putRecord()
			if !checkPutRecord(t, body) && plain {
				_, _, _, err := slowDecodePutRecord(body)
				t.Fatalf("fast path refused a plain valid body (slow path: %v):\n%.2000q", err, body)
			}
		}
	}
}

// TestFastPutRecordsRefuses lists bodies the fast path must leave to the
// slow path: every constraint broken once, wrong types, unknown or
// duplicate keys, escapes, truncation. slowOK records what decode says, so
// the table itself stays honest.
func TestFastPutRecordsRefuses(t *testing.T) {
	const rec = `{"Data":"AAAA","PartitionKey":"k"}`
	wrap := func(records string) string { return `{"StreamName":"s","Records":[` + records + `]}` }
	many := func(n int) string { return wrap(strings.TrimSuffix(strings.Repeat(rec+",", n), ",")) }
	long := func(c string, n int) string { return strings.Repeat(c, n) }
	big := base64.StdEncoding.EncodeToString(make([]byte, maxDataBytes+1))
	cases := []struct {
		name, body string
		slowOK     bool
	}{
		{"empty body", ``, false},
		{"empty object", `{}`, false},
		{"not an object", `[]`, false},
		{"missing Records", `{"StreamName":"s"}`, false},
		{"Records empty", wrap(``), false},
		{"Records 501", many(501), false},
		{"Records null", `{"StreamName":"s","Records":null}`, false},
		{"Records object", `{"StreamName":"s","Records":{}}`, false},
		{"Records string", `{"StreamName":"s","Records":"x"}`, false},
		{"record null", wrap(`null`), true},
		{"record empty", wrap(`{}`), false},
		{"record array", wrap(`[]`), false},
		{"Data missing", wrap(`{"PartitionKey":"k"}`), false},
		{"Data null", wrap(`{"Data":null,"PartitionKey":"k"}`), false},
		{"Data number", wrap(`{"Data":1,"PartitionKey":"k"}`), false},
		{"Data bad length", wrap(`{"Data":"AAA","PartitionKey":"k"}`), false},
		{"Data bad char", wrap(`{"Data":"AA*A","PartitionKey":"k"}`), false},
		{"Data inner pad", wrap(`{"Data":"AA=A","PartitionKey":"k"}`), false},
		{"Data three pads", wrap(`{"Data":"A===","PartitionKey":"k"}`), false},
		{"Data four pads", wrap(`{"Data":"====","PartitionKey":"k"}`), false},
		{"Data pad then more", wrap(`{"Data":"AA==AAAA","PartitionKey":"k"}`), false},
		{"Data non-canonical 1", wrap(`{"Data":"AAB=","PartitionKey":"k"}`), false},
		{"Data non-canonical 2", wrap(`{"Data":"AB==","PartitionKey":"k"}`), false},
		{"Data unicode", wrap(`{"Data":"AAé=","PartitionKey":"k"}`), false},
		{"Data escaped slash", wrap(`{"Data":"AA\/A","PartitionKey":"k"}`), true},
		{"Data raw newlines", wrap("{\"Data\":\"AAAA\n\n\r\nAAAA\",\"PartitionKey\":\"k\"}"), false},
		{"Data raw newlines padded", wrap("{\"Data\":\"AA\n\n\n\n==\",\"PartitionKey\":\"k\"}"), false},
		{"Data escaped newlines", wrap(`{"Data":"AAAA\n\n\r\nAAAA","PartitionKey":"k"}`), false},
		{"Data escaped quote", wrap(`{"Data":"AA\"A","PartitionKey":"k"}`), false},
		{"Data escaped quote aligned", wrap(`{"Data":"AA\"","PartitionKey":"k"}`), false},
		{"Data string", wrap(`{"Data":"AAAA\u0041AA","PartitionKey":"k"}`), false},
		{"Data too long", wrap(`{"Data":"` + big + `","PartitionKey":"k"}`), false},
		{"PartitionKey missing", wrap(`{"Data":"AAAA"}`), false},
		{"PartitionKey empty", wrap(`{"Data":"AAAA","PartitionKey":""}`), false},
		{"PartitionKey 257", wrap(`{"Data":"AAAA","PartitionKey":"` + long("k", 257) + `"}`), false},
		{"PartitionKey 257 units astral", wrap(`{"Data":"AAAA","PartitionKey":"k` + long("\U0001F600", 128) + `"}`), false},
		{"PartitionKey number", wrap(`{"Data":"AAAA","PartitionKey":1}`), false},
		{"PartitionKey bool", wrap(`{"Data":"AAAA","PartitionKey":true}`), false},
		{"PartitionKey escape", wrap(`{"Data":"AAAA","PartitionKey":"a\"b"}`), true},
		{"PartitionKey unicode escape", wrap(`{"Data":"AAAA","PartitionKey":"\u00e9"}`), true},
		{"PartitionKey lone surrogate escape", wrap(`{"Data":"AAAA","PartitionKey":"\ud800"}`), true},
		{"PartitionKey invalid UTF-8", wrap("{\"Data\":\"AAAA\",\"PartitionKey\":\"\xff\"}"), false},           // guard.go refuses it
		{"PartitionKey UTF-8 surrogate", wrap("{\"Data\":\"AAAA\",\"PartitionKey\":\"\xed\xa0\x80\"}"), false}, // guard.go refuses it
		{"PartitionKey raw control", wrap("{\"Data\":\"AAAA\",\"PartitionKey\":\"a\tb\"}"), false},
		{"ExplicitHashKey empty", wrap(`{"Data":"AAAA","PartitionKey":"k","ExplicitHashKey":""}`), false},
		{"ExplicitHashKey leading zero", wrap(`{"Data":"AAAA","PartitionKey":"k","ExplicitHashKey":"01"}`), false},
		{"ExplicitHashKey 40 digits", wrap(`{"Data":"AAAA","PartitionKey":"k","ExplicitHashKey":"1` + long("0", 39) + `"}`), false},
		{"ExplicitHashKey sign", wrap(`{"Data":"AAAA","PartitionKey":"k","ExplicitHashKey":"-1"}`), false},
		{"ExplicitHashKey number", wrap(`{"Data":"AAAA","PartitionKey":"k","ExplicitHashKey":1}`), false},
		{"ExplicitHashKey null", wrap(`{"Data":"AAAA","PartitionKey":"k","ExplicitHashKey":null}`), true},
		{"record unknown key", wrap(`{"Data":"AAAA","PartitionKey":"k","X":1}`), true},
		{"record key wrong case", wrap(`{"data":"AAAA","Data":"AAAA","PartitionKey":"k"}`), true},
		{"record duplicate key", wrap(`{"Data":"AAAA","PartitionKey":"k","PartitionKey":"j"}`), false}, // guard.go refuses it
		{"StreamName empty", `{"StreamName":"","Records":[` + rec + `]}`, false},
		{"StreamName 129", `{"StreamName":"` + long("s", 129) + `","Records":[` + rec + `]}`, false},
		{"StreamName pattern", `{"StreamName":"a b","Records":[` + rec + `]}`, false},
		{"StreamName unicode", `{"StreamName":"é","Records":[` + rec + `]}`, false},
		{"StreamName number", `{"StreamName":1,"Records":[` + rec + `]}`, false},
		{"StreamName null", `{"StreamName":null,"Records":[` + rec + `]}`, true},
		{"StreamName duplicate", `{"StreamName":"a","StreamName":"b","Records":[` + rec + `]}`, false}, // guard.go refuses it
		{"StreamARN pattern", `{"StreamARN":"arn:aws:kinesis:x:12345678901:stream/s","Records":[` + rec + `]}`, false},
		{"StreamARN no name", `{"StreamARN":"arn:aws:kinesis:x:123456789012:stream/","Records":[` + rec + `]}`, false},
		{"StreamARN space", `{"StreamARN":"arn:aws:kinesis:x:123456789012:stream/a b","Records":[` + rec + `]}`, false},
		{"StreamARN 2049", `{"StreamARN":"arn:aws:kinesis:x:123456789012:stream/` + long("s", 2049-37) + `","Records":[` + rec + `]}`, false},
		{"StreamId pattern", `{"StreamName":"s","StreamId":"ABCDEFGHIJ0123456789-xyz","Records":[` + rec + `]}`, false},
		{"StreamId short", `{"StreamName":"s","StreamId":"abc","Records":[` + rec + `]}`, false},
		{"top unknown key", `{"StreamName":"s","Foo":"x","Records":[` + rec + `]}`, true},
		{"top key wrong case", `{"streamName":"s","Records":[` + rec + `]}`, true},
		{"top key escaped", `{"Stream\u004eame":"s","Records":[` + rec + `]}`, true},
		{"Records duplicate", `{"StreamName":"s","Records":[` + rec + `],"Records":[` + rec + `]}`, false}, // guard.go refuses it
		{"truncated", wrap(rec)[:30], false},
		{"truncated end", strings.TrimSuffix(wrap(rec), "}"), false},
		{"trailing comma", wrap(rec + `,`), false},
		{"trailing member comma", `{"StreamName":"s","Records":[` + rec + `],}`, false},
		{"missing colon", `{"StreamName" "s","Records":[` + rec + `]}`, false},
		{"trailing garbage", wrap(rec) + `x`, false},
		{"trailing brace", wrap(rec) + `}`, false},
		{"two objects", wrap(rec) + wrap(rec), false},
		{"vertical tab", "\v" + wrap(rec), false},
		{"byte order mark", "\ufeff" + wrap(rec), false},
		{"single quotes", `{'StreamName':'s','Records':[` + rec + `]}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := []byte(c.body)
			_, _, err := slowDecodePutRecords(body)
			if (err == nil) != c.slowOK {
				t.Fatalf("slow path: err=%v, table says slowOK=%v", err, c.slowOK)
			}
			if _, _, ok := fastDecodePutRecords(body); ok {
				t.Fatalf("fast path accepted %.300q", body)
			}
		})
	}
}

func TestFastPutRecordRefuses(t *testing.T) {
	cases := []struct {
		name, body string
		slowOK     bool
	}{
		{"empty object", `{}`, false},
		{"Data missing", `{"StreamName":"s","PartitionKey":"k"}`, false},
		{"PartitionKey missing", `{"StreamName":"s","Data":"AAAA"}`, false},
		{"Records member", `{"StreamName":"s","Data":"AAAA","PartitionKey":"k","Records":[]}`, true},
		{"SequenceNumberForOrdering leading zero", `{"Data":"AAAA","PartitionKey":"k","SequenceNumberForOrdering":"01"}`, false},
		{"SequenceNumberForOrdering 130 digits", `{"Data":"AAAA","PartitionKey":"k","SequenceNumberForOrdering":"1` + strings.Repeat("0", 129) + `"}`, false},
		{"SequenceNumberForOrdering number", `{"Data":"AAAA","PartitionKey":"k","SequenceNumberForOrdering":1}`, false},
		{"SequenceNumberForOrdering duplicate", `{"Data":"AAAA","PartitionKey":"k","SequenceNumberForOrdering":"1","SequenceNumberForOrdering":"2"}`, false},                             // guard.go refuses it
		{"Data duplicate", `{"Data":"AAAA","Data":"AAAA","PartitionKey":"k"}`, false},                                                                                                    // guard.go refuses it
		{"StreamARN duplicate", `{"StreamARN":"arn:aws:kinesis:x:123456789012:stream/s","StreamARN":"arn:aws:kinesis:x:123456789012:stream/s","Data":"AAAA","PartitionKey":"k"}`, false}, // guard.go refuses it
		{"Data non-canonical", `{"Data":"AB==","PartitionKey":"k"}`, false},
		{"ExplicitHashKey pattern", `{"Data":"AAAA","PartitionKey":"k","ExplicitHashKey":"x"}`, false},
		{"trailing bracket", `{"Data":"AAAA","PartitionKey":"k"}]`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := []byte(c.body)
			_, _, _, err := slowDecodePutRecord(body)
			if (err == nil) != c.slowOK {
				t.Fatalf("slow path: err=%v, table says slowOK=%v", err, c.slowOK)
			}
			if _, _, _, ok := fastDecodePutRecord(body); ok {
				t.Fatalf("fast path accepted %.300q", body)
			}
		})
	}
}

// TestIsStreamARN compares the hand matcher with the model's regexp.
func TestIsStreamARN(t *testing.T) {
	re := regexp.MustCompile(`^(?:arn:aws.*:kinesis:.*:\d{12}:stream/\S+)$`)
	parts := []string{"arn:aws", ":kinesis:", ":stream/", ":", "123456789012", "12345678901", "1", "a", " ", "é", "\U0001F600", "-cn", "\u00a0", "\v"}
	r := rand.New(rand.NewPCG(5, 6))
	check := func(s string) {
		t.Helper()
		if got, want := isStreamARN([]byte(s), len(utf16.Encode([]rune(s)))), re.MatchString(s); got != want {
			t.Fatalf("isStreamARN(%q) = %v, regexp says %v", s, got, want)
		}
	}
	for _, s := range []string{
		"arn:aws:kinesis:us-east-1:123456789012:stream/s",
		"arn:aws:kinesis::123456789012:stream/s",
		"arn:aws:kinesis:123456789012:stream/s",
		"arn:aws:kinesis:a:123456789012:stream/:123456789012:stream/ ",
		"arn:aws:kinesis:a:123456789012:stream/ :123456789012:stream/x",
		"arn:aws:kinesis:123456789012:stream/:kinesis:x:123456789012:stream/y",
		"arn:aws:kinesis:x:123456789012:stream/ ",
	} {
		check(s)
	}
	for range 50000 {
		var sb strings.Builder
		if r.IntN(8) != 0 {
			sb.WriteString("arn:aws")
		}
		for range r.IntN(9) {
			sb.WriteString(parts[r.IntN(len(parts))])
		}
		check(sb.String())
	}
}

// TestFastPutRecordsAllocs: the allocations do not grow with the records.
func TestFastPutRecordsAllocs(t *testing.T) {
	for _, n := range []int{1, 500} {
		var sb strings.Builder
		sb.WriteString(`{"StreamName":"s","Records":[`)
		for i := range n {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(`{"Data":"AAECAwQ=","PartitionKey":"pk-` + strconv.Itoa(i) + `","ExplicitHashKey":"12"}`)
		}
		sb.WriteString(`]}`)
		body := []byte(sb.String())
		allocs := testing.AllocsPerRun(20, func() {
			if _, _, ok := fastDecodePutRecords(body); !ok {
				t.Fatal("refused")
			}
		})
		if allocs > 5 {
			t.Errorf("%d records: %v allocations, want at most 5", n, allocs)
		}
	}
}

// TestFastPathMutations edits valid bodies one byte at a time: whatever the
// fast path still accepts, the slow path must accept identically.
func TestFastPathMutations(t *testing.T) {
	g := bodyGen{r: rand.New(rand.NewPCG(17, 18)), plain: true, small: true}
	const interesting = "\"\\{}[],: \t=0159aAzZ+/-_.\x00\x7f\xc3\xa9\xff"
	accepted := 0
	for i := range 20000 {
		var body []byte
		if i%2 == 0 {
			body = g.putRecords()
		} else {
			body = g.putRecord()
		}
		p := g.r.IntN(len(body))
		c := interesting[g.r.IntN(len(interesting))]
		switch g.r.IntN(3) {
		case 0:
			body[p] = c
		case 1:
			body = append(body[:p], body[p+1:]...)
		default:
			body = append(body[:p], append([]byte{c}, body[p:]...)...)
		}
		if checkPutRecords(t, body) {
			accepted++
		}
		if checkPutRecord(t, body) {
			accepted++
		}
	}
	t.Logf("fast path accepted %d mutated bodies", accepted)
}
