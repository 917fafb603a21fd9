package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/runnel-io/runnel/internal/engine"
)

// apiError is an error with its Kinesis type and HTTP status.
type apiError struct {
	Type    string
	Status  int
	Message string
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func newError(typ string, status int, msg string) *apiError {
	return &apiError{Type: typ, Status: status, Message: msg}
}

// kindTypes is the one table from engine error kinds to Kinesis error types.
var kindTypes = [...]struct {
	typ    string
	status int
}{
	engine.KindInternal:           {"InternalFailure", http.StatusInternalServerError},
	engine.KindNotFound:           {"ResourceNotFoundException", http.StatusBadRequest},
	engine.KindInUse:              {"ResourceInUseException", http.StatusBadRequest},
	engine.KindInvalidArgument:    {"InvalidArgumentException", http.StatusBadRequest},
	engine.KindLimitExceeded:      {"LimitExceededException", http.StatusBadRequest},
	engine.KindExpiredIterator:    {"ExpiredIteratorException", http.StatusBadRequest},
	engine.KindExpiredNextToken:   {"ExpiredNextTokenException", http.StatusBadRequest},
	engine.KindThroughputExceeded: {"ProvisionedThroughputExceededException", http.StatusBadRequest},
	engine.KindValidation:         {"ValidationException", http.StatusBadRequest},
	engine.KindKMSNotFound:        {"KMSNotFoundException", http.StatusBadRequest},
}

// internalMessage is what AWS says for a failure of its own.
const internalMessage = "Internal service failure."

// toAPIError maps any error from decoding or the engine to its wire form.
// Errors that are not the client's fault are logged and reported as
// InternalFailure without their details.
func toAPIError(err error, log *slog.Logger, op string) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var ee *engine.Error
	if errors.As(err, &ee) && int(ee.Kind) < len(kindTypes) && ee.Kind != engine.KindInternal {
		k := kindTypes[ee.Kind]
		return newError(k.typ, k.status, ee.Message)
	}
	log.Error("request failed", "operation", op, "err", err)
	return newError("InternalFailure", http.StatusInternalServerError, internalMessage)
}

func serializationError(msg string) *apiError {
	return newError("SerializationException", http.StatusBadRequest, msg)
}

func validationError(msg string) *apiError {
	return newError("ValidationException", http.StatusBadRequest, msg)
}
