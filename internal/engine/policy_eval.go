package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Policy is a parsed IAM policy document, as PutResourcePolicy accepts it.
// It is a pure value: Allows evaluates it without I/O.
type Policy struct {
	Version    string
	ID         string
	Statements []Statement
}

// Statement is one policy statement. A list is nil when its element is
// absent; "Not" lists invert the match. Condition is kept but not
// evaluated (see Allows).
type Statement struct {
	Sid           string
	Effect        string // Allow or Deny
	Principals    []string
	NotPrincipals []string
	Actions       []string
	NotActions    []string
	Resources     []string
	NotResources  []string
	Condition     map[string]json.RawMessage
}

// policyError is a malformed policy; the message is IAM's wording for the
// same fault (MalformedPolicyDocument).
func policyError(format string, args ...any) *Error {
	return errorf(KindInvalidArgument, format, args...)
}

// ParsePolicy parses and checks a policy document: a JSON object with an
// optional Version (2012-10-17 or 2008-10-17) and Id, and a Statement that
// is one statement or a non-empty list of them. Each statement needs an
// Effect of Allow or Deny, a Principal (or NotPrincipal), an Action (or
// NotAction) and a Resource (or NotResource); Sid and Condition are
// optional.
func ParsePolicy(text string) (Policy, error) {
	var raw map[string]json.RawMessage
	if err := strictUnmarshal([]byte(text), &raw); err != nil || raw == nil {
		return Policy{}, policyError("Syntax errors in policy.")
	}
	var p Policy
	for key, val := range raw {
		switch key {
		case "Version":
			if err := json.Unmarshal(val, &p.Version); err != nil || (p.Version != "2012-10-17" && p.Version != "2008-10-17") {
				return Policy{}, policyError("The policy failed legacy parsing")
			}
		case "Id":
			if err := json.Unmarshal(val, &p.ID); err != nil {
				return Policy{}, policyError("Syntax errors in policy.")
			}
		case "Statement":
		default:
			return Policy{}, policyError("Syntax errors in policy.")
		}
	}
	stmts, ok := raw["Statement"]
	if !ok {
		return Policy{}, policyError("Missing required field Statement")
	}
	var list []json.RawMessage
	if trimmed := bytes.TrimSpace(stmts); len(trimmed) > 0 && trimmed[0] == '{' {
		list = []json.RawMessage{stmts}
	} else if err := json.Unmarshal(stmts, &list); err != nil {
		return Policy{}, policyError("Syntax errors in policy.")
	}
	if len(list) == 0 {
		return Policy{}, policyError("Missing required field Statement")
	}
	sids := map[string]bool{}
	for _, rs := range list {
		st, err := parseStatement(rs)
		if err != nil {
			return Policy{}, err
		}
		if st.Sid != "" {
			if sids[st.Sid] {
				return Policy{}, policyError("Statement IDs (SID) in a single policy must be unique.")
			}
			sids[st.Sid] = true
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

func parseStatement(data json.RawMessage) (Statement, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return Statement{}, policyError("Syntax errors in policy.")
	}
	var st Statement
	var err error
	for key, val := range raw {
		switch key {
		case "Sid":
			err = json.Unmarshal(val, &st.Sid)
		case "Effect":
			err = json.Unmarshal(val, &st.Effect)
		case "Principal":
			st.Principals, err = parsePrincipal(val)
		case "NotPrincipal":
			st.NotPrincipals, err = parsePrincipal(val)
		case "Action":
			st.Actions, err = stringOrList(val)
		case "NotAction":
			st.NotActions, err = stringOrList(val)
		case "Resource":
			st.Resources, err = stringOrList(val)
		case "NotResource":
			st.NotResources, err = stringOrList(val)
		case "Condition":
			err = json.Unmarshal(val, &st.Condition)
		default:
			return Statement{}, policyError("Syntax errors in policy.")
		}
		if err != nil {
			return Statement{}, policyError("Syntax errors in policy.")
		}
	}
	switch {
	case st.Effect != "Allow" && st.Effect != "Deny":
		if _, ok := raw["Effect"]; !ok {
			return Statement{}, policyError("Missing required field Effect")
		}
		return Statement{}, policyError("Invalid effect: %s", st.Effect)
	case st.Principals == nil && st.NotPrincipals == nil:
		return Statement{}, policyError("Missing required field Principal")
	case st.Actions == nil && st.NotActions == nil:
		return Statement{}, policyError("Policy statement must contain actions.")
	case st.Resources == nil && st.NotResources == nil:
		return Statement{}, policyError("Policy statement must contain resources.")
	}
	for _, a := range append(append([]string{}, st.Actions...), st.NotActions...) {
		if a == "*" {
			continue
		}
		service, name, found := strings.Cut(a, ":")
		switch {
		case !found || service == "" || name == "":
			return Statement{}, policyError("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
		case strings.Contains(name, ":"):
			return Statement{}, policyError("Actions/Condition can contain only one colon.")
		case strings.ContainsAny(service, "*?"):
			return Statement{}, policyError("Vendor %s is not valid", service)
		}
	}
	for _, r := range append(append([]string{}, st.Resources...), st.NotResources...) {
		if r != "*" && !strings.HasPrefix(r, "arn:") {
			return Statement{}, policyError("Resource %s must be in ARN format or \"*\".", r)
		}
	}
	return st, nil
}

// stringOrList decodes a policy element that is a string or a non-empty
// list of strings.
func stringOrList(data json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("empty list")
	}
	return list, nil
}

// parsePrincipal decodes "*" or {"AWS"|"Service"|"Federated"|
// "CanonicalUser": string or list}. AWS principals are kept as given;
// others get their type as a prefix ("Service:lambda.amazonaws.com").
func parsePrincipal(data json.RawMessage) ([]string, error) {
	var star string
	if err := json.Unmarshal(data, &star); err == nil {
		if star != "*" {
			return nil, fmt.Errorf("principal string %q", star)
		}
		return []string{"*"}, nil
	}
	var byType map[string]json.RawMessage
	if err := json.Unmarshal(data, &byType); err != nil || len(byType) == 0 {
		return nil, fmt.Errorf("principal is neither \"*\" nor an object")
	}
	var out []string
	for typ, val := range byType {
		ids, err := stringOrList(val)
		if err != nil {
			return nil, err
		}
		switch typ {
		case "AWS":
			out = append(out, ids...)
		case "Service", "Federated", "CanonicalUser":
			for _, id := range ids {
				out = append(out, typ+":"+id)
			}
		default:
			return nil, fmt.Errorf("principal type %q", typ)
		}
	}
	return out, nil
}

// strictUnmarshal decodes one JSON value and rejects trailing content.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if len(bytes.TrimSpace(data[dec.InputOffset():])) > 0 {
		return fmt.Errorf("trailing content")
	}
	return nil
}

// Allows evaluates the policy for one request: allowed is true when some
// Allow statement matches and no Deny does; explicitlyDenied is true when a
// Deny statement matches (an explicit Deny always wins). Actions match
// case-insensitively and resources case-sensitively, both with the * and ?
// wildcards. A principal matches "*", its own ARN, its account ("123456789012"
// or "arn:aws:iam::123456789012:root"), or, for an assumed-role session, its
// role's ARN. Conditions are not evaluated: a statement with a Condition is
// taken to match when it denies and not to match when it allows, so an
// unevaluated condition can only ever withhold access.
func (p Policy) Allows(principalARN, action, resourceARN string) (allowed, explicitlyDenied bool) {
	for _, st := range p.Statements {
		if !st.matches(principalARN, action, resourceARN) {
			continue
		}
		if st.Effect == "Deny" {
			return false, true
		}
		if len(st.Condition) == 0 {
			allowed = true
		}
	}
	return allowed, false
}

func (st Statement) matches(principal, action, resource string) bool {
	switch {
	case st.Principals != nil && !anyMatch(st.Principals, func(p string) bool { return principalMatches(p, principal) }):
		return false
	case st.NotPrincipals != nil && anyMatch(st.NotPrincipals, func(p string) bool { return principalMatches(p, principal) }):
		return false
	case st.Actions != nil && !anyMatch(st.Actions, func(a string) bool { return wildcardMatch(strings.ToLower(a), strings.ToLower(action)) }):
		return false
	case st.NotActions != nil && anyMatch(st.NotActions, func(a string) bool { return wildcardMatch(strings.ToLower(a), strings.ToLower(action)) }):
		return false
	case st.Resources != nil && !anyMatch(st.Resources, func(r string) bool { return wildcardMatch(r, resource) }):
		return false
	case st.NotResources != nil && anyMatch(st.NotResources, func(r string) bool { return wildcardMatch(r, resource) }):
		return false
	}
	return true
}

func anyMatch(list []string, match func(string) bool) bool {
	for _, v := range list {
		if match(v) {
			return true
		}
	}
	return false
}

// principalMatches reports whether a policy principal covers the caller.
func principalMatches(policyPrincipal, caller string) bool {
	if policyPrincipal == "*" || policyPrincipal == caller {
		return true
	}
	account := arnAccount(caller)
	if account == "" {
		return false
	}
	if policyPrincipal == account || policyPrincipal == "arn:aws:iam::"+account+":root" {
		return true
	}
	// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION acts as its role.
	if rest, ok := strings.CutPrefix(caller, "arn:aws:sts::"+account+":assumed-role/"); ok {
		role, _, _ := strings.Cut(rest, "/")
		return policyPrincipal == "arn:aws:iam::"+account+":role/"+role
	}
	return false
}

// arnAccount is the account field of an ARN, or "".
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

// wildcardMatch matches s against pattern, where * is any run of
// characters and ? any one character.
func wildcardMatch(pattern, s string) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]):
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			star, mark = px, sx
			px++
		case star >= 0:
			px = star + 1
			mark++
			sx = mark
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}
