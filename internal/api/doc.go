// Package api is Runnel's wire layer: it turns Kinesis HTTP requests
// (POST /, X-Amz-Target: Kinesis_20131202.<Operation>, JSON 1.1) into engine
// calls and engine answers and errors into AWS-shaped responses.
//
// Flow of a request: method and target check → authentication header check
// → body read (bounded) → JSON decode → model-driven type and constraint
// checks (internal/api/validate) → typed decode → engine call → encode.
//
// Every response carries x-amzn-RequestId and x-amz-id-2. Every error goes
// through the one table in errors.go that maps it to a Kinesis __type and
// HTTP status.
//
// It must not import internal/logstore, internal/metastore or os: it talks to
// the engine through the Backend interface it declares.
package api
