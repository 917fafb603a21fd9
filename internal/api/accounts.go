package api

import (
	"bytes"
	"context"
	"net/http"
	"strings"
)

// backendKey carries the request's backend (its account's engine) in the
// request context.
type backendKey struct{}

// ServeAccounts makes the handler serve several accounts: each request goes
// to its caller's account (the signing credential's, or defaultAccount when
// signatures are not verified); a request naming another account's ARN goes
// to that account if its resource policy allows the caller.
func (h *Handler) ServeAccounts(defaultAccount string, backends map[string]Backend) {
	h.defaultAccount, h.backends = defaultAccount, backends
	if b, ok := backends[defaultAccount]; ok {
		h.backend = b
	}
}

// be is the backend serving this request.
func (h *Handler) be(ctx context.Context) Backend {
	if b, ok := ctx.Value(backendKey{}).(Backend); ok {
		return b
	}
	return h.backend
}

// arnMembers are the request members that name a resource by ARN.
var arnMembers = []string{"StreamARN", "ConsumerARN", "ResourceARN"}

// route picks the backend for a request from caller. A name always means
// the caller's own stream, so accounts are isolated; an ARN of another
// account that this server hosts is served there, when that resource's
// policy allows the caller's account to perform the operation.
func (h *Handler) route(ctx context.Context, op, caller string, body []byte) (context.Context, *apiError) {
	own, ok := h.backends[caller]
	if !ok {
		own = h.backend
	}
	ctx = context.WithValue(ctx, backendKey{}, own)
	if len(h.backends) < 2 || !bytes.Contains(body, []byte(":kinesis:")) {
		return ctx, nil
	}
	for _, member := range arnMembers {
		arn := topLevelString(body, member)
		account := arnAccount(arn)
		if account == "" || account == caller {
			continue
		}
		target, hosted := h.backends[account]
		if !hosted {
			return ctx, nil // the caller's engine answers: not found
		}
		policy, found, err := target.ResourcePolicy(ctx, arn)
		if err != nil {
			return ctx, toAPIError(err, h.log, op)
		}
		principal := "arn:aws:iam::" + caller + ":root"
		action := "kinesis:" + op
		allowed, denied := false, false
		if found {
			allowed, denied = policy.Allows(principal, action, arn)
		}
		if !allowed {
			why := "because no resource-based policy allows the " + action + " action"
			if denied {
				why = "with an explicit deny in a resource-based policy"
			}
			return ctx, newError("AccessDeniedException", http.StatusBadRequest,
				"User: "+principal+" is not authorized to perform: "+action+" on resource: "+arn+" "+why)
		}
		return context.WithValue(ctx, backendKey{}, target), nil
	}
	return ctx, nil
}

// arnAccount is the account field of a Kinesis ARN, "" if s is not one.
func arnAccount(s string) string {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kinesis" {
		return ""
	}
	return parts[4]
}

// topLevelString finds "member":"value" in a JSON object without decoding
// it all (it runs before the operation decodes the body). The quoted key
// cannot occur inside a JSON string, where quotes are escaped, and Kinesis
// requests have these members only at the top level.
func topLevelString(body []byte, member string) string {
	key := []byte(`"` + member + `"`)
	i := bytes.Index(body, key)
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(body[i+len(key):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '"' {
		return ""
	}
	end := bytes.IndexByte(rest[1:], '"')
	if end < 0 {
		return ""
	}
	return string(rest[1 : 1+end])
}
