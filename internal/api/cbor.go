package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/runnel-io/runnel/internal/api/validate"
)

// CBOR (application/x-amz-cbor-1.1) is what the AWS SDK for Java (v1 and v2,
// so the KCL and KPL) sends by default. It is the JSON protocol with a
// different encoding (shared/reference/kinesis-api.md §1):
//   - blobs are byte strings (major type 2), not base64 text;
//   - timestamps are tag 1 followed by epoch MILLISECONDS (an integer, or a
//     float), not epoch seconds: Java's SdkCborGenerator writes
//     writeTag(1); writeNumber(epochMilli), and AwsCborProtocolFactory sets
//     the format to UNIX_TIMESTAMP_MILLIS for the whole protocol, so an
//     untagged number at a timestamp member is read as milliseconds too;
//   - errors are a map with __type and message (kinesalite sendCbor).
//
// Rather than a second semantic path, a CBOR request is transcoded into the
// JSON body the operation already understands, and the JSON response back
// into CBOR. Which members are blobs or timestamps comes from the model
// (validate.InputShape, validate.OutputShape): CBOR alone cannot tell a
// timestamp from a number or, on the way out, a blob from a string.

const cborContentType = "application/x-amz-cbor-1.1"

// CBOR decoding limits. Kinesis inputs nest at most four levels (PutRecords:
// body, Records, record, tag) and the longest list has 500 elements;
// the limits leave room so that an over-long list is still reported as
// AWS reports it (a ValidationException) while bounding what a hostile
// body can make the decoder allocate.
const (
	cborMaxNestedLevels = 16
	cborMaxElements     = 1 << 16
)

// cborCodec holds the immutable CBOR modes; safe for concurrent use.
type cborCodec struct {
	dec cbor.DecMode
	enc cbor.EncMode
}

func newCBORCodec() *cborCodec {
	dec, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:  cborMaxNestedLevels,
		MaxArrayElements: cborMaxElements,
		MaxMapPairs:      cborMaxElements,
		IndefLength:      cbor.IndefLengthAllowed, // Jackson writes indefinite maps and arrays
		TagsMd:           cbor.TagsAllowed,
		IntDec:           cbor.IntDecConvertNone,
		DefaultMapType:   reflect.TypeFor[map[string]any](),
		UTF8:             cbor.UTF8RejectInvalid,
		NaN:              cbor.NaNDecodeForbidden,
		Inf:              cbor.InfDecodeForbidden,
	}.DecMode()
	if err != nil {
		panic("api: CBOR decode options: " + err.Error()) // constant options: a build defect
	}
	enc, err := cbor.EncOptions{Sort: cbor.SortBytewiseLexical, TagsMd: cbor.TagsAllowed}.EncMode()
	if err != nil {
		panic("api: CBOR encode options: " + err.Error())
	}
	return &cborCodec{dec: dec, enc: enc}
}

// requestToJSON turns a CBOR request body for op into the JSON body the
// operation decodes. Malformed CBOR and values CBOR can express but the
// member cannot hold are SerializationExceptions; everything else
// (including JSON-level type errors) is left to the operation's own
// validation so that the wording is the same in both formats.
func (c *cborCodec) requestToJSON(op string, body []byte) ([]byte, *apiError) {
	if len(body) == 0 {
		return body, nil // the JSON path treats an empty body as {}
	}
	var v any
	if err := c.dec.Unmarshal(body, &v); err != nil {
		return nil, serializationError("The request body is not well-formed CBOR or exceeds the decoding limits.")
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, serializationError(msgStartOfStructure)
	}
	shape, _ := validate.InputShape(op)
	out, err := appendCBORAsJSON(make([]byte, 0, len(body)+len(body)/3+64), v, shape)
	if err != nil {
		return nil, err
	}
	return out, nil
}

const msgStartOfStructure = "Start of structure or map found where not expected."

// appendCBORAsJSON writes one decoded CBOR value as JSON, guided by the
// model shape it fills (the zero Shape where the model says nothing).
func appendCBORAsJSON(dst []byte, v any, s validate.Shape) ([]byte, *apiError) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case string:
		return appendJSONString(dst, x), nil
	case uint64:
		if s.Kind() == validate.KindTimestamp {
			return appendMillisAsSeconds(dst, float64(x), x <= math.MaxInt64, int64(x)), nil
		}
		return strconv.AppendUint(dst, x, 10), nil
	case int64:
		if s.Kind() == validate.KindTimestamp {
			return appendMillisAsSeconds(dst, float64(x), true, x), nil
		}
		return strconv.AppendInt(dst, x, 10), nil
	case float64:
		if s.Kind() == validate.KindTimestamp {
			return appendMillisAsSeconds(dst, x, false, 0), nil
		}
		return strconv.AppendFloat(dst, x, 'g', -1, 64), nil
	case []byte:
		if k := s.Kind(); k != validate.KindBlob && k != 0 {
			return nil, serializationError("Byte string found where not expected.")
		}
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, x)
		return append(dst, '"'), nil
	case time.Time:
		// The decoder reads tag 1's content as seconds; the Java SDK's
		// content is milliseconds, so Unix() is the sender's millisecond
		// count and the nanoseconds its fraction.
		if k := s.Kind(); k != validate.KindTimestamp && k != 0 {
			return nil, serializationError("Timestamp found where not expected.")
		}
		if x.Nanosecond() == 0 {
			return appendMillisAsSeconds(dst, float64(x.Unix()), true, x.Unix()), nil
		}
		return appendMillisAsSeconds(dst, float64(x.Unix())+float64(x.Nanosecond())/1e9, false, 0), nil
	case []any:
		elem := s.Elem()
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err *apiError
			if dst, err = appendCBORAsJSON(dst, e, elem); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		return appendCBORMapAsJSON(dst, x, s)
	}
	// Tags other than 1 (bignums included) and simple values have no
	// place in a Kinesis request.
	return nil, serializationError("Unexpected CBOR tag or simple value.")
}

func appendCBORMapAsJSON(dst []byte, m map[string]any, s validate.Shape) ([]byte, *apiError) {
	dst = append(dst, '{')
	first := true
	for key, val := range m {
		var child validate.Shape
		switch s.Kind() {
		case validate.KindStructure:
			if child = s.Member(key); child.Kind() == 0 {
				continue // unknown members are dropped, as the JSON path does
			}
		case validate.KindMap:
			child = s.Elem()
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendJSONString(dst, key)
		dst = append(dst, ':')
		var err *apiError
		if dst, err = appendCBORAsJSON(dst, val, child); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// appendMillisAsSeconds writes epoch milliseconds as the JSON protocol's
// epoch seconds: exactly when the count is an integer, else as a float.
func appendMillisAsSeconds(dst []byte, f float64, isInt bool, ms int64) []byte {
	if isInt && ms >= 0 {
		return appendEpochMs(dst, ms)
	}
	return strconv.AppendFloat(dst, f/1000, 'f', -1, 64)
}

// writeCBOR writes an operation's result (as the JSON path would encode it)
// in CBOR.
func (h *Handler) writeCBOR(w http.ResponseWriter, op string, out any) {
	hdr := w.Header()
	hdr.Set("Content-Type", cborContentType)
	if out == nil {
		hdr.Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	data, ok := out.(json.RawMessage)
	var err error
	if !ok {
		data, err = json.Marshal(out)
	}
	if err == nil {
		data, err = h.cbor.responseFromJSON(op, data)
	}
	if err != nil {
		h.writeError(w, toAPIError(fmt.Errorf("encode %s CBOR response: %w", op, err), h.log, op))
		return
	}
	hdr.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// writeCBORError writes e as the CBOR map {__type, message}.
func (h *Handler) writeCBORError(w http.ResponseWriter, e *apiError) {
	body := map[string]string{"__type": e.Type}
	if e.Message != "" {
		body["message"] = e.Message
	}
	data, err := h.cbor.enc.Marshal(body)
	if err != nil { // a map of strings always encodes
		h.log.Error("encode CBOR error", "err", err)
	}
	hdr := w.Header()
	hdr.Set("Content-Type", cborContentType)
	hdr.Set("X-Amzn-Errortype", e.Type)
	w.WriteHeader(e.Status)
	_, _ = w.Write(data)
}

// responseFromJSON re-encodes a JSON response of op as CBOR: base64 blob
// members become byte strings and epoch-second timestamps become tag 1
// with integer epoch milliseconds.
func (c *cborCodec) responseFromJSON(op string, data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode JSON response: %w", err)
	}
	shape, _ := validate.OutputShape(op)
	tree, err := jsonToCBORValue(v, shape)
	if err != nil {
		return nil, err
	}
	return c.enc.Marshal(tree)
}

// jsonToCBORValue converts a JSON value (decoded with UseNumber) into the
// value the CBOR encoder writes for shape s.
func jsonToCBORValue(v any, s validate.Shape) (any, error) {
	switch x := v.(type) {
	case string:
		if s.Kind() == validate.KindBlob {
			b, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return nil, fmt.Errorf("blob member is not base64: %w", err)
			}
			return b, nil
		}
		return x, nil
	case json.Number:
		if s.Kind() == validate.KindTimestamp {
			ms, err := secondsToMillis(string(x))
			if err != nil {
				return nil, err
			}
			return cbor.Tag{Number: 1, Content: ms}, nil
		}
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i, nil
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return nil, fmt.Errorf("number %q: %w", x, err)
		}
		return f, nil
	case []any:
		elem := s.Elem()
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = jsonToCBORValue(e, elem); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for key, val := range x {
			child := s.Elem()
			if s.Kind() == validate.KindStructure {
				child = s.Member(key)
			}
			var err error
			if out[key], err = jsonToCBORValue(val, child); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil // nil, bool
}

// secondsToMillis parses the JSON protocol's epoch seconds ("1491587454.576")
// into epoch milliseconds exactly, without a float round trip when the
// number is plain decimal.
func secondsToMillis(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if !strings.ContainsAny(s, "eE") && len(frac) <= 3 {
		sec, err := strconv.ParseInt(whole, 10, 64)
		if err == nil && sec < math.MaxInt64/1000 && sec > math.MinInt64/1000 {
			ms := sec * 1000
			if frac != "" {
				f, err := strconv.ParseInt((frac + "00")[:3], 10, 64)
				if err != nil {
					return 0, fmt.Errorf("timestamp %q: %w", s, err)
				}
				if strings.HasPrefix(whole, "-") {
					f = -f
				}
				ms += f
			}
			return ms, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("timestamp %q: %w", s, err)
	}
	return int64(math.Round(f * 1000)), nil
}
