package engine

import "strings"

// StreamRef names a stream the way every stream-scoped operation may: by
// StreamName, by StreamARN, or by both (which must agree).
type StreamRef struct {
	Name string
	ARN  string
}

// resolve returns the stream name a reference designates.
func (e *Engine) resolve(ref StreamRef) (string, error) {
	if ref.ARN == "" {
		if ref.Name == "" {
			return "", errorf(KindInvalidArgument, "Either StreamName or StreamARN should be provided.")
		}
		return ref.Name, nil
	}
	region, account, name, ok := parseStreamARN(ref.ARN)
	if !ok {
		return "", errorf(KindInvalidArgument, "StreamARN %s is invalid.", ref.ARN)
	}
	if ref.Name != "" && ref.Name != name {
		return "", errorf(KindInvalidArgument, "StreamARN %s and StreamName %s refer to different streams.", ref.ARN, ref.Name)
	}
	if region != e.cfg.Region || account != e.cfg.AccountID {
		return "", errorf(KindNotFound, "Stream %s under account %s not found.", name, account)
	}
	return name, nil
}

// parseStreamARN splits arn:aws:kinesis:REGION:ACCOUNT:stream/NAME.
func parseStreamARN(arn string) (region, account, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "kinesis" {
		return "", "", "", false
	}
	name, found := strings.CutPrefix(parts[5], "stream/")
	if !found || name == "" || strings.Contains(name, "/") {
		return "", "", "", false
	}
	return parts[3], parts[4], name, true
}
