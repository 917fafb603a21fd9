// Package api is Runnel's wire layer: it turns Kinesis HTTP requests
// (POST /, X-Amz-Target: Kinesis_20131202.<Operation>, JSON 1.1) into engine
// calls and engine answers and errors into AWS-shaped responses.
//
// Flow of a request: method and target check → authentication header check
// → body read (bounded) → JSON decode → model-driven type and constraint
// checks (internal/api/validate) → typed decode → engine call → encode.
//
// CBOR (application/x-amz-cbor-1.1, the Java SDK's default) takes the same
// path: cbor.go transcodes the request into the JSON body above and the
// JSON response back into CBOR, using the model's input and output shapes
// to place blobs (byte strings) and timestamps (tag 1, epoch milliseconds).
// A response, error or not, is in the request's format.
//
// Every response carries x-amzn-RequestId and x-amz-id-2. Every error goes
// through the one table in errors.go that maps it to a Kinesis __type and
// HTTP status.
//
// Hostile input (guard.go): every JSON body is checked for invalid UTF-8,
// duplicate members, nesting, value count and number length before
// encoding/json sees it; Guard bounds requests in flight and body read time
// and turns a handler panic into a 500 InternalFailure for that request.
//
// It must not import internal/logstore, internal/metastore or os: it talks to
// the engine through the Backend interface it declares.
package api
