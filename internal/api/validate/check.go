package validate

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// Facts from kinesalite (mhart/kinesalite, AWS-observed), one per line:
//   - Type checks run over the whole body before any constraint, and the first type error is the answer (validations/index.js checkTypes before checkValidations).
//   - A JSON null counts as absent; unknown members are dropped (validations/index.js checkTypes).
//   - Every failed constraint of a member is listed, not just the first: '' at streamName gives both the pattern and the length error (test/putRecords.js, test/getShardIterator.js).
//   - Within a member the order is: not null, pattern, length >= min, length <= max; a list's or map's own constraints come before its elements (validations/putRecords.js, test/putRecords.js).
//   - Listing stops at 10 violations, and the count in the message is the listed count (validations/index.js "errors.length >= 10"; test/putRecords.js "10 validation errors detected").
//   - Paths are lowerFirst(member) joined by '.', list elements as <list>.<1-based index>.member, map values as <map>.<key>.member (validations/index.js checkNonRequired; test/putRecords.js "records.1.member.partitionKey").
//   - Values are printed in single quotes, numbers included ('0', '2147483647'); only null is bare (validations/index.js validate; test/createStream.js "Value '0' at 'shardCount'").
//   - Blobs print as 'java.nio.HeapByteBuffer[pos=0 lim=N cap=N]' and their length is the decoded byte count (validations/index.js valueStr, lengthLessThanOrEqual; test/putRecord.js).
//   - Lists print as '[a, b]', structures in them as com.amazonaws.kinesis.v20131202.<Shape>@2, maps as '{k=v, k2=v2}' (validations/index.js valueStr; validations/putRecords.js memberStr; test/addTagsToStream.js).
//   - Scalar list elements and map keys/values are reported once on the collection: "Member must satisfy constraint: [...]", "Map keys must satisfy constraint: [...]", "Map value must satisfy constraint: [...]" listing max then min (test/removeTagsFromStream.js, test/addTagsToStream.js).
//   - String length is String.length in Java/JS, i.e. UTF-16 code units: a character outside the BMP counts 2 (validations/index.js data.length).
//   - A fractional number for an integer member is floored, and an Integer is capped at 2147483647 before constraints are checked (validations/index.js checkType Math.floor, Math.min).
//   - Timestamps are accepted as JSON numbers only; strings and booleans are type errors (validations/index.js case 'Timestamp').
//   - A string for a boolean is a type error "'<UPPER-CASED>' can not be converted to an Boolean"; kinesalite notes AWS may accept "true"/"false"/"1"/"0"/"yes"/"no" but rejects them too, as we do (validations/index.js case 'Boolean').
//   - Map entries print in Java HashMap order, which AWS tests match with a regexp (test/addTagsToStream.js); Go's map has lost the JSON order, so we print and walk keys sorted.
//   - AWS does not list members in model order and kinesalite's newer tests compare multi-error messages order-free (test/helpers.js assertValidation); we list in model order.

// SerializationError is a member whose JSON type does not fit its shape.
// AWS answers 400 {"__type":"SerializationException","Message":"…"}, with a
// capital M (kinesalite validations/index.js typeError).
type SerializationError struct {
	Message string
}

func (e *SerializationError) Error() string { return "SerializationException: " + e.Message }

// maxViolations is where AWS stops listing (kinesalite validations/index.js).
const maxViolations = 10

// KnownOperation reports whether operation is one of the model's operations.
func KnownOperation(operation string) bool {
	_, ok := defaultValidator().ops[operation]
	return ok
}

// Check validates a request body already decoded with json.Decoder.UseNumber()
// into map[string]any (nil = empty object). It returns a *SerializationError
// when a member has the wrong JSON type for its shape (AWS answers
// SerializationException), else the list of constraint violations in AWS's
// wording, at most 10 (empty if valid). An unknown operation has no
// constraints: check KnownOperation first.
func Check(operation string, body map[string]any) (*SerializationError, []string) {
	n := defaultValidator().ops[operation]
	if n == nil {
		return nil, nil
	}
	var c checker
	c.structure(n, body)
	if c.serr != nil {
		return c.serr, nil
	}
	return nil, c.violations
}

// Message joins violations the way AWS words a ValidationException.
func Message(violations []string) string {
	switch len(violations) {
	case 0:
		return ""
	case 1:
		return "1 validation error detected: " + violations[0]
	}
	return strconv.Itoa(len(violations)) + " validation errors detected: " + strings.Join(violations, "; ")
}

type checker struct {
	serr       *SerializationError
	violations []string
	// The current member path: the first len(path) parts inline (Kinesis
	// paths are at most 4 deep), the rest in spill; depth counts both.
	path  [8]pathPart
	spill []pathPart
	depth int
}

// pathPart is one step of a member path. Check keeps the path as a stack in
// the checker and renders it only when a violation is recorded.
type pathPart struct {
	name  string // member path name or map key
	index int    // 1-based list index when > 0
	elem  bool   // append ".member"
}

func (c *checker) push(part pathPart) {
	if c.depth < len(c.path) {
		c.path[c.depth] = part
	} else {
		c.spill = append(c.spill, part)
	}
	c.depth++
}

func (c *checker) pop() {
	c.depth--
	if c.depth >= len(c.path) {
		c.spill = c.spill[:len(c.spill)-1]
	}
}

func (c *checker) pathPart(i int) pathPart {
	if i < len(c.path) {
		return c.path[i]
	}
	return c.spill[i-len(c.path)]
}

func (c *checker) renderPath() string {
	var b strings.Builder
	for i := range c.depth {
		p := c.pathPart(i)
		if i > 0 {
			b.WriteByte('.')
		}
		if p.index > 0 {
			b.WriteString(strconv.Itoa(p.index))
		} else {
			b.WriteString(p.name)
		}
		if p.elem {
			b.WriteString(".member")
		}
	}
	return b.String()
}

func (c *checker) full() bool { return len(c.violations) >= maxViolations }

func (c *checker) fail(msg string) {
	if c.serr == nil {
		c.serr = &SerializationError{Message: msg}
	}
}

// violate records "Value X at 'path' failed to satisfy constraint: msg" for
// the current path. v is the value as decoded; nil prints as a bare null.
func (c *checker) violate(n *node, v any, msg string) {
	if c.full() {
		return
	}
	value := "null"
	if v != nil {
		value = "'" + printValue(n, v) + "'"
	}
	c.violations = append(c.violations, "Value "+value+" at '"+c.renderPath()+"' failed to satisfy constraint: "+msg)
}

func (c *checker) structure(n *node, obj map[string]any) {
	for i := range n.fields {
		f := &n.fields[i]
		v := obj[f.wire]
		if v == nil {
			if f.required && !c.full() {
				c.push(pathPart{name: f.path})
				c.violate(f.node, nil, "Member must not be null")
				c.pop()
			}
			continue
		}
		c.push(pathPart{name: f.path})
		c.value(f.node, v)
		c.pop()
		if c.serr != nil {
			return
		}
	}
}

// value type-checks v (non-nil) against n, then checks n's constraints.
func (c *checker) value(n *node, v any) {
	switch n.kind {
	case kindStructure:
		obj, ok := v.(map[string]any)
		if !ok {
			if _, isList := v.([]any); isList {
				c.fail(msgStartOfList)
			} else {
				c.fail("Expected null")
			}
			return
		}
		c.structure(n, obj)
	case kindList:
		c.list(n, v)
	case kindMap:
		c.mapValue(n, v)
	default:
		i, msg := scalarType(n, v)
		if msg != "" {
			c.fail(msg)
			return
		}
		if !c.full() {
			c.scalarRules(n, v, i)
		}
	}
}

const (
	msgStartOfList   = "Start of list found where not expected"
	msgStartOfStruct = "Start of structure or map found where not expected."
	msgNumber        = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
	msgBoolean       = "class java.lang.Boolean can not be converted to "
	msgString        = "class java.lang.String can not be converted to "
)

// scalarType checks a non-nil value against a scalar shape and returns the
// SerializationException message if it does not fit (kinesalite
// validations/index.js checkType, test/helpers.js assertType). For integer
// shapes it also returns the value the constraints see (floored, saturated).
func scalarType(n *node, v any) (int64, string) {
	switch v.(type) {
	case []any:
		return 0, msgStartOfList
	case map[string]any:
		return 0, msgStartOfStruct
	}
	_, isNum := numberText(v)
	switch n.kind {
	case kindString:
		switch v.(type) {
		case string:
			return 0, ""
		case bool:
			return 0, msgBoolean + "an String"
		}
		if isNum {
			return 0, msgNumber + "an String"
		}
	case kindInteger, kindLong:
		target := "an Integer"
		if n.kind == kindLong {
			target = "an Long"
		}
		switch v.(type) {
		case string:
			return 0, msgString + target
		case bool:
			return 0, msgBoolean + target
		}
		if i, ok := toInteger(v, n.kind); ok {
			return i, ""
		}
		if isNum { // a json.Number that is not a number: only a hand-built body
			return 0, msgString + target
		}
	case kindBoolean:
		switch x := v.(type) {
		case bool:
			return 0, ""
		case string:
			// AWS upper-cases the string (kinesalite validations/index.js; test/helpers.js "'23' can not be converted to an Boolean").
			return 0, "'" + strings.ToUpper(x) + "' can not be converted to an Boolean"
		}
		if isNum {
			return 0, msgNumber + "an Boolean"
		}
	case kindBlob:
		switch x := v.(type) {
		case string:
			if msg := checkBase64(x); msg != "" {
				return 0, "'" + x + "' can not be converted to a Blob: " + msg
			}
			return 0, ""
		case bool:
			return 0, msgBoolean + "a Blob"
		}
		if isNum {
			return 0, msgNumber + "a Blob"
		}
	case kindTimestamp:
		switch v.(type) {
		case string:
			return 0, msgString + "milliseconds since epoch"
		case bool:
			return 0, msgBoolean + "milliseconds since epoch"
		}
		if isNum {
			return 0, ""
		}
	}
	return 0, msgStartOfStruct // a Go type that JSON decoding does not produce
}

// scalarRules checks a type-checked scalar: enum, pattern, then min and max
// (kinesalite validations/*.js declare notNull, regex, lengthGreaterThanOrEqual,
// lengthLessThanOrEqual in that order). i is the integer value for integers.
func (c *checker) scalarRules(n *node, v any, i int64) {
	switch n.kind {
	case kindString:
		s := v.(string)
		if n.enum != nil && !contains(n.enum, s) {
			c.violate(n, v, n.enumMsg)
		}
		if n.pattern != nil && !n.pattern.MatchString(s) {
			c.violate(n, v, n.patternMsg)
		}
		if n.hasMin || n.hasMax {
			c.length(n, v, int64(utf16Len(s)))
		}
	case kindBlob:
		c.length(n, v, int64(base64Len(v.(string))))
	case kindInteger, kindLong:
		if n.hasMin && i < n.min {
			c.violate(n, v, n.minMsg)
		}
		if n.hasMax && i > n.max {
			c.violate(n, v, n.maxMsg)
		}
	}
}

func (c *checker) length(n *node, v any, l int64) {
	if n.hasMin && l < n.min {
		c.violate(n, v, n.minMsg)
	}
	if n.hasMax && l > n.max {
		c.violate(n, v, n.maxMsg)
	}
}

// scalarOK reports whether a type-checked scalar satisfies all its rules.
func scalarOK(n *node, v any, i int64) bool {
	switch n.kind {
	case kindString:
		s := v.(string)
		if n.enum != nil && !contains(n.enum, s) || n.pattern != nil && !n.pattern.MatchString(s) {
			return false
		}
		return lengthOK(n, int64(utf16Len(s)))
	case kindBlob:
		return lengthOK(n, int64(base64Len(v.(string))))
	case kindInteger, kindLong:
		return lengthOK(n, i)
	}
	return true
}

func lengthOK(n *node, l int64) bool {
	return (!n.hasMin || l >= n.min) && (!n.hasMax || l <= n.max)
}

// scalarElem type-checks one scalar element of a list or value of a map
// (nil is skipped: kinesalite keeps it and checks nothing on it). It returns
// false on a type error, and clears *allOK when the element breaks the
// collection's collective rule.
func (c *checker) scalarElem(n, elem *node, e any, allOK *bool) bool {
	if e == nil {
		return true
	}
	i, msg := scalarType(elem, e)
	if msg != "" {
		c.fail(msg)
		return false
	}
	if *allOK && n.collectiveMsg != "" && !c.full() && !scalarOK(elem, e, i) {
		*allOK = false
	}
	return true
}

func (c *checker) list(n *node, v any) {
	arr, ok := v.([]any)
	if !ok {
		if _, isObj := v.(map[string]any); isObj {
			c.fail(msgStartOfStruct)
		} else {
			c.fail("Expected list or null")
		}
		return
	}
	c.length(n, v, int64(len(arr)))
	if n.elem.scalar() {
		allOK := true
		for _, e := range arr {
			if !c.scalarElem(n, n.elem, e, &allOK) {
				return
			}
		}
		if !allOK {
			c.violate(n, v, n.collectiveMsg)
		}
		return
	}
	for i, e := range arr {
		if e == nil {
			continue
		}
		c.push(pathPart{index: i + 1, elem: true})
		c.value(n.elem, e)
		c.pop()
		if c.serr != nil {
			return
		}
	}
}

func (c *checker) mapValue(n *node, v any) {
	obj, ok := v.(map[string]any)
	if !ok {
		if _, isList := v.([]any); isList {
			c.fail(msgStartOfList)
		} else {
			c.fail("Expected map or null")
		}
		return
	}
	c.length(n, v, int64(len(obj)))
	keys := sortedKeys(obj)
	if n.keyMsg != "" && !c.full() {
		for _, k := range keys {
			if !scalarOK(n.key, k, 0) {
				c.violate(n, v, n.keyMsg)
				break
			}
		}
	}
	if n.value.scalar() {
		allOK := true
		for _, k := range keys {
			if !c.scalarElem(n, n.value, obj[k], &allOK) {
				return
			}
		}
		if !allOK {
			c.violate(n, v, n.collectiveMsg)
		}
		return
	}
	for _, k := range keys {
		e := obj[k]
		if e == nil {
			continue
		}
		c.push(pathPart{name: k, elem: true})
		c.value(n.value, e)
		c.pop()
		if c.serr != nil {
			return
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(set []string, s string) bool {
	for _, v := range set {
		if v == s {
			return true
		}
	}
	return false
}

// printValue renders a non-nil value as AWS prints it inside the quotes.
func printValue(n *node, v any) string {
	switch n.kind {
	case kindBlob:
		s, _ := v.(string)
		l := strconv.Itoa(base64Len(s))
		return "java.nio.HeapByteBuffer[pos=0 lim=" + l + " cap=" + l + "]"
	case kindInteger, kindLong:
		if i, ok := toInteger(v, n.kind); ok {
			return strconv.FormatInt(i, 10)
		}
	case kindStructure:
		return n.memberStr
	case kindList:
		arr, _ := v.([]any)
		var b strings.Builder
		b.WriteByte('[')
		for i, e := range arr {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(printElem(n.elem, e))
		}
		b.WriteByte(']')
		return b.String()
	case kindMap:
		obj, _ := v.(map[string]any)
		var b strings.Builder
		b.WriteByte('{')
		for i, k := range sortedKeys(obj) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(printElem(n.value, obj[k]))
		}
		b.WriteByte('}')
		return b.String()
	}
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	if s, ok := numberText(v); ok {
		return s
	}
	return ""
}

func printElem(n *node, v any) string {
	if v == nil {
		return "null"
	}
	return printValue(n, v)
}

// numberText returns the text of a JSON number (json.Number from UseNumber,
// or the float64/int a plain decoder or a test may produce).
func numberText(v any) (string, bool) {
	switch x := v.(type) {
	case json.Number:
		return string(x), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	}
	return "", false
}
