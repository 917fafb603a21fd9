// Command gen reads botocore's Kinesis service model and writes the input
// constraint tables of package validate (constraints_gen.go).
//
// Only constraints are kept: for every operation's input structure and every
// shape reachable from it, the wire type, the members in model order with
// their wire names and required flags, and min, max, pattern and enum. For
// every operation's output structure and every shape reachable from it, only
// the wire types and members are kept (codecs need to know which members are
// blobs and timestamps). No documentation text is copied.
//
// The model path comes from -model, else $RUNNEL_KINESIS_MODEL, else the
// botocore installation found with python3.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

const modelRelPath = "data/kinesis/2013-12-02/service-2.json.gz"

func main() {
	modelPath := flag.String("model", "", "path to botocore's kinesis service-2.json(.gz); default $RUNNEL_KINESIS_MODEL or the installed botocore")
	outPath := flag.String("out", "constraints_gen.go", "output Go file")
	flag.Parse()
	if err := run(*modelPath, *outPath); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(modelPath, outPath string) error {
	if modelPath == "" {
		modelPath = os.Getenv("RUNNEL_KINESIS_MODEL")
	}
	if modelPath == "" {
		p, err := findBotocoreModel()
		if err != nil {
			return err
		}
		modelPath = p
	}
	m, err := readModel(modelPath)
	if err != nil {
		return err
	}
	src, err := generate(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(outPath, src, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", outPath, err)
	}
	return nil
}

func findBotocoreModel() (string, error) {
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		return "", fmt.Errorf("locate botocore with python3 (use -model or $RUNNEL_KINESIS_MODEL): %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), filepath.FromSlash(modelRelPath)), nil
}

type model struct {
	Metadata struct {
		APIVersion string `json:"apiVersion"`
		Protocol   string `json:"protocol"`
	} `json:"metadata"`
	Operations map[string]struct {
		Name   string `json:"name"`
		Input  *ref   `json:"input"`
		Output *ref   `json:"output"`
	} `json:"operations"`
	Shapes map[string]*shape `json:"shapes"`
}

type ref struct {
	Shape        string `json:"shape"`
	LocationName string `json:"locationName"`
}

type shape struct {
	Type     string          `json:"type"`
	Required []string        `json:"required"`
	Members  json.RawMessage `json:"members"` // kept raw: member order matters
	Member   *ref            `json:"member"`
	Key      *ref            `json:"key"`
	Value    *ref            `json:"value"`
	Min      *json.Number    `json:"min"`
	Max      *json.Number    `json:"max"`
	Pattern  *string         `json:"pattern"`
	Enum     []string        `json:"enum"`
}

type member struct {
	name string
	ref  ref
}

func readModel(path string) (*model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open model: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("gunzip %s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var m model
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	if len(m.Operations) == 0 {
		return nil, fmt.Errorf("%s: no operations", path)
	}
	return &m, nil
}

// orderedMembers decodes a structure's members object keeping model order.
func orderedMembers(raw json.RawMessage) ([]member, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, ok := tok.(string)
		if !ok {
			return nil, errors.New("member name is not a string")
		}
		var r ref
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("member %s: %w", name, err)
		}
		out = append(out, member{name: name, ref: r})
	}
	return out, nil
}

var kindNames = map[string]string{
	"string":    "kindString",
	"integer":   "kindInteger",
	"long":      "kindLong",
	"boolean":   "kindBoolean",
	"blob":      "kindBlob",
	"timestamp": "kindTimestamp",
	"list":      "kindList",
	"map":       "kindMap",
	"structure": "kindStructure",
}

// reachable returns the sorted names of the shapes reachable from roots.
func reachable(m *model, roots []string) ([]string, error) {
	reach := map[string]bool{}
	var visit func(name string) error
	visit = func(name string) error {
		if reach[name] {
			return nil
		}
		s, ok := m.Shapes[name]
		if !ok {
			return fmt.Errorf("shape %s not in model", name)
		}
		if _, ok := kindNames[s.Type]; !ok {
			return fmt.Errorf("shape %s: unsupported type %q", name, s.Type)
		}
		reach[name] = true
		switch s.Type {
		case "structure":
			ms, err := orderedMembers(s.Members)
			if err != nil {
				return fmt.Errorf("shape %s: %w", name, err)
			}
			for _, mb := range ms {
				if err := visit(mb.ref.Shape); err != nil {
					return err
				}
			}
		case "list":
			return visit(s.Member.Shape)
		case "map":
			if err := visit(s.Key.Shape); err != nil {
				return err
			}
			return visit(s.Value.Shape)
		}
		return nil
	}
	for _, root := range roots {
		if err := visit(root); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(reach))
	for name := range reach {
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

func generate(m *model) ([]byte, error) {
	opNames := make([]string, 0, len(m.Operations))
	for name := range m.Operations {
		opNames = append(opNames, name)
	}
	sort.Strings(opNames)
	var inputs, outputs []string
	for _, name := range opNames {
		if in := m.Operations[name].Input; in != nil {
			inputs = append(inputs, in.Shape)
		}
		if out := m.Operations[name].Output; out != nil {
			outputs = append(outputs, out.Shape)
		}
	}
	shapeNames, err := reachable(m, inputs)
	if err != nil {
		return nil, fmt.Errorf("inputs: %w", err)
	}
	outputShapeNames, err := reachable(m, outputs)
	if err != nil {
		return nil, fmt.Errorf("outputs: %w", err)
	}

	var b bytes.Buffer
	b.WriteString("// Code generated by go run ./gen; DO NOT EDIT.\n")
	fmt.Fprintf(&b, "// Source: botocore %s (apiVersion %s, protocol %s, %d operations).\n\n",
		modelRelPath, m.Metadata.APIVersion, m.Metadata.Protocol, len(opNames))
	b.WriteString("package validate\n\n")
	b.WriteString("// modelOperations maps each operation to its input shape (\"\" when it has none).\n")
	b.WriteString("func modelOperations() map[string]string {\n\treturn map[string]string{\n")
	for _, name := range opNames {
		in := ""
		if op := m.Operations[name]; op.Input != nil {
			in = op.Input.Shape
		}
		fmt.Fprintf(&b, "\t\t%q: %q,\n", name, in)
	}
	b.WriteString("\t}\n}\n\n")
	b.WriteString("// modelShapes holds the constraints of every shape reachable from an input.\n")
	b.WriteString("func modelShapes() map[string]shapeSpec {\n\treturn map[string]shapeSpec{\n")
	for _, name := range shapeNames {
		s := m.Shapes[name]
		fmt.Fprintf(&b, "\t\t%q: {\n\t\t\tkind: %s,\n", name, kindNames[s.Type])
		if err := writeBound(&b, "min", s.Min); err != nil {
			return nil, fmt.Errorf("shape %s: %w", name, err)
		}
		if err := writeBound(&b, "max", s.Max); err != nil {
			return nil, fmt.Errorf("shape %s: %w", name, err)
		}
		if s.Pattern != nil {
			if _, err := regexp.Compile("^(?:" + *s.Pattern + ")$"); err != nil {
				return nil, fmt.Errorf("shape %s: pattern does not compile in Go: %w", name, err)
			}
			fmt.Fprintf(&b, "\t\t\tpattern: %s,\n", goString(*s.Pattern))
		}
		if len(s.Enum) > 0 {
			b.WriteString("\t\t\tenum: []string{")
			for i, v := range s.Enum {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "%q", v)
			}
			b.WriteString("},\n")
		}
		switch s.Type {
		case "structure":
			ms, err := orderedMembers(s.Members)
			if err != nil {
				return nil, err
			}
			required := map[string]bool{}
			for _, r := range s.Required {
				required[r] = true
			}
			if len(ms) > 0 {
				b.WriteString("\t\t\tmembers: []memberSpec{\n")
				for _, mb := range ms {
					wire := mb.name
					if mb.ref.LocationName != "" {
						wire = mb.ref.LocationName
					}
					fmt.Fprintf(&b, "\t\t\t\t{name: %q, wire: %q, shape: %q, required: %t},\n", mb.name, wire, mb.ref.Shape, required[mb.name])
				}
				b.WriteString("\t\t\t},\n")
			}
		case "list":
			fmt.Fprintf(&b, "\t\t\tmember: %q,\n", s.Member.Shape)
		case "map":
			fmt.Fprintf(&b, "\t\t\tkey: %q,\n\t\t\tvalue: %q,\n", s.Key.Shape, s.Value.Shape)
		}
		b.WriteString("\t\t},\n")
	}
	b.WriteString("\t}\n}\n\n")
	if err := writeOutputTables(&b, m, opNames, outputShapeNames); err != nil {
		return nil, err
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("gofmt generated code: %w", err)
	}
	return src, nil
}

func writeBound(b *bytes.Buffer, name string, n *json.Number) error {
	if n == nil {
		return nil
	}
	v, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		return fmt.Errorf("%s %q is not an integer: %w", name, n.String(), err)
	}
	fmt.Fprintf(b, "\t\t\thas%s: true,\n\t\t\t%s: %d,\n", strings.ToUpper(name[:1])+name[1:], name, v)
	return nil
}

// goString renders s as a raw string literal when it can, for readable patterns.
func goString(s string) string {
	if !strings.Contains(s, "`") {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// writeOutputTables writes each operation's output shape and the wire types
// of every shape reachable from an output: kinds and members only, no
// constraints (responses are not validated).
func writeOutputTables(b *bytes.Buffer, m *model, opNames, shapeNames []string) error {
	b.WriteString("// modelOutputOperations maps each operation to its output shape (\"\" when it has none).\n")
	b.WriteString("func modelOutputOperations() map[string]string {\n\treturn map[string]string{\n")
	for _, name := range opNames {
		out := ""
		if op := m.Operations[name]; op.Output != nil {
			out = op.Output.Shape
		}
		fmt.Fprintf(b, "\t\t%q: %q,\n", name, out)
	}
	b.WriteString("\t}\n}\n\n")
	b.WriteString("// modelOutputShapes holds the wire types of every shape reachable from an output.\n")
	b.WriteString("func modelOutputShapes() map[string]shapeSpec {\n\treturn map[string]shapeSpec{\n")
	for _, name := range shapeNames {
		s := m.Shapes[name]
		fmt.Fprintf(b, "\t\t%q: {kind: %s", name, kindNames[s.Type])
		switch s.Type {
		case "structure":
			ms, err := orderedMembers(s.Members)
			if err != nil {
				return fmt.Errorf("shape %s: %w", name, err)
			}
			if len(ms) > 0 {
				b.WriteString(", members: []memberSpec{\n")
				for _, mb := range ms {
					wire := mb.name
					if mb.ref.LocationName != "" {
						wire = mb.ref.LocationName
					}
					fmt.Fprintf(b, "\t\t\t{name: %q, wire: %q, shape: %q},\n", mb.name, wire, mb.ref.Shape)
				}
				b.WriteString("\t\t}")
			}
		case "list":
			fmt.Fprintf(b, ", member: %q", s.Member.Shape)
		case "map":
			fmt.Fprintf(b, ", key: %q, value: %q", s.Key.Shape, s.Value.Shape)
		}
		b.WriteString("},\n")
	}
	b.WriteString("\t}\n}\n")
	return nil
}
