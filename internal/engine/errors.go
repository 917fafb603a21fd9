package engine

import "fmt"

// Kind classifies an engine error; the API maps each kind to one Kinesis
// error type and HTTP status.
type Kind int

// The error kinds the engine returns.
const (
	KindInternal Kind = iota
	KindNotFound
	KindInUse
	KindInvalidArgument
	KindLimitExceeded
	KindExpiredIterator
	KindExpiredNextToken
	KindThroughputExceeded
	KindValidation
	KindKMSNotFound // KMSNotFoundException (encryption.go)
)

// Error is an error a client caused or must be told about, with the message
// AWS gives for it.
type Error struct {
	Kind    Kind
	Message string
}

func (e *Error) Error() string { return e.Message }

func errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

func (e *Engine) streamNotFound(name string) *Error {
	return errorf(KindNotFound, "Stream %s under account %s not found.", name, e.cfg.AccountID)
}

func (e *Engine) streamExists(name string) *Error {
	return errorf(KindInUse, "Stream %s under account %s already exists.", name, e.cfg.AccountID)
}

func (e *Engine) streamNotActive(name string, status Status) *Error {
	return errorf(KindInUse, "Stream %s under account %s not ACTIVE, instead in state %s", name, e.cfg.AccountID, status)
}

func (e *Engine) shardNotFound(shardID, stream string) *Error {
	return errorf(KindNotFound, "Shard %s in stream %s under account %s does not exist", shardID, stream, e.cfg.AccountID)
}
