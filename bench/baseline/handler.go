package baseline

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
)

const (
	// ShardCount is the number of shards every stream appears to have.
	ShardCount = 4
	// maxBody bounds a request body (PutRecords is at most 5 MiB of data,
	// base64 makes that ~6.7 MiB of JSON).
	maxBody = 16 << 20

	targetPrefix = "Kinesis_20131202."
	contentType  = "application/x-amz-json-1.1"
	requestID    = "00000000-0000-4000-8000-000000000000"
	shardID      = "shardId-000000000000"
	sequence     = "49590338271490256608559692538361571095921575989136588898"
	iterator     = "AAAAAAAAAAEbaselinebaselinebaselinebaselinebaselinebaseline"
	accountID    = "000000000000"
	region       = "us-east-1"
)

// Handler answers Kinesis JSON 1.1 requests with canned successes.
type Handler struct {
	listShards []byte // precomputed ListShards body
}

var _ http.Handler = (*Handler)(nil)

// NewHandler returns a Handler; it precomputes the responses that do not
// depend on the request.
func NewHandler() *Handler {
	return &Handler{listShards: listShardsBody()}
}

// ServeHTTP reads and decodes the request, then writes the canned response
// for its X-Amz-Target operation.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-amzn-RequestId", requestID)
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowedException", "only POST is supported")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", "cannot read body: "+err.Error())
		return
	}
	if len(body) > maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "SerializationException", "request body too large")
		return
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", "cannot decode JSON: "+err.Error())
		return
	}
	operation, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if !ok {
		writeError(w, http.StatusBadRequest, "UnknownOperationException", "missing or foreign X-Amz-Target")
		return
	}
	switch operation {
	case "PutRecords":
		records, _ := req["Records"].([]any)
		writeJSON(w, putRecordsBody(len(records)))
	case "PutRecord":
		writeJSON(w, []byte(`{"ShardId":"`+shardID+`","SequenceNumber":"`+sequence+`","EncryptionType":"NONE"}`))
	case "CreateStream", "DeleteStream":
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
	case "DescribeStreamSummary":
		name, _ := req["StreamName"].(string)
		writeJSON(w, describeSummaryBody(name))
	case "ListShards":
		writeJSON(w, h.listShards)
	case "GetShardIterator":
		writeJSON(w, []byte(`{"ShardIterator":"`+iterator+`"}`))
	case "GetRecords":
		writeJSON(w, []byte(`{"Records":[],"NextShardIterator":"`+iterator+`","MillisBehindLatest":0}`))
	default:
		writeError(w, http.StatusBadRequest, "UnknownOperationException", "operation "+strconv.Quote(operation)+" is not served by the baseline")
	}
}

// putRecordsBody is a PutRecords response with n successful entries.
func putRecordsBody(n int) []byte {
	const entry = `{"ShardId":"` + shardID + `","SequenceNumber":"` + sequence + `"}`
	b := make([]byte, 0, 64+n*(len(entry)+1))
	b = append(b, `{"FailedRecordCount":0,"EncryptionType":"NONE","Records":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, entry...)
	}
	return append(b, "]}"...)
}

func describeSummaryBody(name string) []byte {
	quoted, _ := json.Marshal(name) // a string always marshals
	arn, _ := json.Marshal("arn:aws:kinesis:" + region + ":" + accountID + ":stream/" + name)
	return fmt.Appendf(nil, `{"StreamDescriptionSummary":{"StreamName":%s,"StreamARN":%s,`+
		`"StreamStatus":"ACTIVE","StreamModeDetails":{"StreamMode":"PROVISIONED"},`+
		`"RetentionPeriodHours":24,"StreamCreationTimestamp":1.7e9,`+
		`"EnhancedMonitoring":[{"ShardLevelMetrics":[]}],"EncryptionType":"NONE",`+
		`"OpenShardCount":%d,"ConsumerCount":0}}`, quoted, arn, ShardCount)
}

// listShardsBody lists ShardCount shards splitting the 128-bit hash-key
// space evenly, as CreateStream would.
func listShardsBody() []byte {
	space := new(big.Int).Lsh(big.NewInt(1), 128)
	step := new(big.Int).Div(space, big.NewInt(ShardCount))
	b := []byte(`{"Shards":[`)
	for i := range ShardCount {
		start := new(big.Int).Mul(step, big.NewInt(int64(i)))
		end := new(big.Int).Sub(new(big.Int).Add(start, step), big.NewInt(1))
		if i == ShardCount-1 {
			end.Sub(space, big.NewInt(1))
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"ShardId":"shardId-%012d","HashKeyRange":{"StartingHashKey":"%s","EndingHashKey":"%s"},`+
			`"SequenceNumberRange":{"StartingSequenceNumber":"%s"}}`, i, start, end, sequence)
	}
	return append(b, "]}"...)
}

func writeJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, status int, kind, message string) {
	body, _ := json.Marshal(map[string]string{"__type": kind, "message": message})
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
