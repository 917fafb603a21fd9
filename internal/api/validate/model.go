package validate

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// kind is a shape's wire type in the model.
type kind uint8

const (
	kindString kind = iota + 1
	kindInteger
	kindLong
	kindBoolean
	kindBlob
	kindTimestamp
	kindList
	kindMap
	kindStructure
)

// shapeSpec is one model shape as generated: constraints only.
type shapeSpec struct {
	kind           kind
	hasMin, hasMax bool
	min, max       int64
	pattern        string
	enum           []string     // model order
	members        []memberSpec // structure, model order
	member         string       // list element shape
	key, value     string       // map key and value shapes
}

type memberSpec struct {
	name     string // model member name
	wire     string // JSON key
	shape    string
	required bool
}

// node is a compiled shape: patterns compiled and AWS messages prebuilt.
// Nodes are built once and never written afterwards.
type node struct {
	kind           kind
	name           string // model shape name
	hasMin, hasMax bool
	min, max       int64
	pattern        *regexp.Regexp
	enum           []string

	patternMsg, enumMsg string
	minMsg, maxMsg      string

	fields     []field // structure
	elem       *node   // list
	key, value *node   // map

	// collective is set on a list (element rules) or map (value rules) whose
	// elements are scalars with constraints; keyMsg for map keys.
	collectiveMsg string
	keyMsg        string

	// memberStr is how Java's toString prints an element of this shape
	// inside a list or map value (only used for structures).
	memberStr string
}

type field struct {
	wire     string
	path     string // lowerCamel member name, as AWS prints it
	required bool
	node     *node
}

type validator struct {
	ops map[string]*node // nil node: operation without input
}

var defaultValidator = sync.OnceValue(func() *validator {
	v, err := compile(modelOperations(), modelShapes())
	if err != nil {
		// The tables are generated and tested; failing here is a build defect.
		panic("validate: compile generated model: " + err.Error())
	}
	return v
})

func compile(ops map[string]string, specs map[string]shapeSpec) (*validator, error) {
	nodes := make(map[string]*node, len(specs))
	var build func(name string) (*node, error)
	build = func(name string) (*node, error) {
		if n, ok := nodes[name]; ok {
			return n, nil
		}
		s, ok := specs[name]
		if !ok {
			return nil, fmt.Errorf("shape %s missing", name)
		}
		n := &node{kind: s.kind, name: name, hasMin: s.hasMin, hasMax: s.hasMax, min: s.min, max: s.max, enum: s.enum}
		nodes[name] = n // before recursing: shapes may be recursive
		if s.pattern != "" {
			re, err := regexp.Compile("^(?:" + s.pattern + ")$")
			if err != nil {
				return nil, fmt.Errorf("shape %s pattern: %w", name, err)
			}
			n.pattern = re
			n.patternMsg = "Member must satisfy regular expression pattern: " + s.pattern
		}
		if len(s.enum) > 0 {
			n.enumMsg = "Member must satisfy enum value set: [" + strings.Join(javaHashOrder(s.enum), ", ") + "]"
		}
		word := "length"
		if s.kind == kindInteger || s.kind == kindLong {
			word = "value"
		}
		if s.hasMin {
			n.minMsg = "Member must have " + word + " greater than or equal to " + strconv.FormatInt(s.min, 10)
		}
		if s.hasMax {
			n.maxMsg = "Member must have " + word + " less than or equal to " + strconv.FormatInt(s.max, 10)
		}
		n.memberStr = "com.amazonaws.kinesis.v20131202." + name + "@2"
		var err error
		switch s.kind {
		case kindStructure:
			n.fields = make([]field, len(s.members))
			for i, m := range s.members {
				child, err := build(m.shape)
				if err != nil {
					return nil, err
				}
				n.fields[i] = field{wire: m.wire, path: lowerFirst(m.name), required: m.required, node: child}
			}
		case kindList:
			if n.elem, err = build(s.member); err != nil {
				return nil, err
			}
			if rules := n.elem.scalarRules(); rules != "" {
				n.collectiveMsg = "Member must satisfy constraint: [" + rules + "]"
			}
		case kindMap:
			if n.key, err = build(s.key); err != nil {
				return nil, err
			}
			if n.value, err = build(s.value); err != nil {
				return nil, err
			}
			if rules := n.key.scalarRules(); rules != "" {
				n.keyMsg = "Map keys must satisfy constraint: [" + rules + "]"
			}
			if rules := n.value.scalarRules(); rules != "" {
				n.collectiveMsg = "Map value must satisfy constraint: [" + rules + "]"
			}
		}
		return n, nil
	}
	v := &validator{ops: make(map[string]*node, len(ops))}
	for op, in := range ops {
		if in == "" {
			v.ops[op] = nil
			continue
		}
		n, err := build(in)
		if err != nil {
			return nil, fmt.Errorf("operation %s: %w", op, err)
		}
		v.ops[op] = n
	}
	return v, nil
}

func (n *node) scalar() bool {
	switch n.kind {
	case kindList, kindMap, kindStructure:
		return false
	}
	return true
}

// scalarRules lists a scalar element shape's constraints the way AWS prints
// them inside "[…]": maximum before minimum (test/addTagsToStream.js,
// test/removeTagsFromStream.js in kinesalite), all of them, violated or not.
func (n *node) scalarRules() string {
	if !n.scalar() {
		return ""
	}
	var rules []string
	if n.enumMsg != "" {
		rules = append(rules, n.enumMsg)
	}
	if n.patternMsg != "" {
		rules = append(rules, n.patternMsg)
	}
	if n.maxMsg != "" {
		rules = append(rules, n.maxMsg)
	}
	if n.minMsg != "" {
		rules = append(rules, n.minMsg)
	}
	return strings.Join(rules, ", ")
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+('a'-'A')) + s[1:]
}

// javaHashOrder orders enum values as AWS prints them in "enum value set":
// the iteration order of a Java hash set, bucket = String.hashCode() & (cap-1),
// with equal buckets kept in model order. This reproduces every AWS-observed
// listing found: GetShardIterator's [AFTER_SEQUENCE_NUMBER, LATEST,
// AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON] (kinesalite
// test/getShardIterator.js) and other services' sets quoted in public code.
// cap is 16, doubled while the set exceeds 3/4 of it (an extrapolation for sets
// over 12 values; Kinesis has none).
func javaHashOrder(values []string) []string {
	capacity := uint32(16)
	for uint32(len(values))*4 > capacity*3 {
		capacity *= 2
	}
	out := append([]string(nil), values...)
	sort.SliceStable(out, func(i, j int) bool {
		return javaStringHash(out[i])&(capacity-1) < javaStringHash(out[j])&(capacity-1)
	})
	return out
}

// javaStringHash is java.lang.String.hashCode over UTF-16 code units.
func javaStringHash(s string) uint32 {
	var h uint32
	for _, u := range utf16Units(s) {
		h = 31*h + uint32(u)
	}
	return h
}

func utf16Units(s string) []uint16 {
	var out []uint16
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
			continue
		}
		out = append(out, uint16(r))
	}
	return out
}
