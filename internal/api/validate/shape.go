package validate

import "sync"

// Kind is a model shape's wire type, for codecs that must tell blobs and
// timestamps from strings and numbers (CBOR encodes them differently).
type Kind uint8

// The model's wire types.
const (
	KindString    = Kind(kindString)
	KindInteger   = Kind(kindInteger)
	KindLong      = Kind(kindLong)
	KindBoolean   = Kind(kindBoolean)
	KindBlob      = Kind(kindBlob)
	KindTimestamp = Kind(kindTimestamp)
	KindList      = Kind(kindList)
	KindMap       = Kind(kindMap)
	KindStructure = Kind(kindStructure)
)

// Shape is a read-only view of one model shape's wire type and members.
// The zero Shape is "unknown": Kind returns 0 and every accessor returns the
// zero Shape, so a codec can walk a value and its model side by side
// without checking at each step.
type Shape struct{ n *node }

// Kind is the shape's wire type, 0 for the zero Shape.
func (s Shape) Kind() Kind {
	if s.n == nil {
		return 0
	}
	return Kind(s.n.kind)
}

// Member returns a structure's member by its wire (JSON) name, or the zero
// Shape when there is no such member.
func (s Shape) Member(wire string) Shape {
	if s.n == nil {
		return Shape{}
	}
	for i := range s.n.fields {
		if s.n.fields[i].wire == wire {
			return Shape{s.n.fields[i].node}
		}
	}
	return Shape{}
}

// Elem returns a list's element shape or a map's value shape.
func (s Shape) Elem() Shape {
	if s.n == nil {
		return Shape{}
	}
	if s.n.elem != nil {
		return Shape{s.n.elem}
	}
	return Shape{s.n.value}
}

// InputShape returns the input structure of a model operation; ok is false
// for an operation the model does not have. An operation without input has
// the zero Shape.
func InputShape(operation string) (Shape, bool) {
	n, ok := defaultValidator().ops[operation]
	return Shape{n}, ok
}

// OutputShape returns the output structure of a model operation; ok is
// false for an operation the model does not have. An operation without
// output has the zero Shape.
func OutputShape(operation string) (Shape, bool) {
	n, ok := outputTypes().ops[operation]
	return Shape{n}, ok
}

// outputTypes compiles the output type tables once. They carry no
// constraints, so compile builds no patterns or messages beyond names.
var outputTypes = sync.OnceValue(func() *validator {
	v, err := compile(modelOutputOperations(), modelOutputShapes())
	if err != nil {
		// The tables are generated and tested; failing here is a build defect.
		panic("validate: compile generated output model: " + err.Error())
	}
	return v
})
