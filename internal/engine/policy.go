package engine

import (
	"context"
	"strconv"
	"time"
)

// MaxPolicyBytes bounds a resource policy document. AWS documents no figure
// for Kinesis; 20 KiB is the bound other AWS resource policies use
// (DynamoDB's resource-based policies, for one).
const MaxPolicyBytes = 20 << 10

// emptyPolicy is what GetResourcePolicy answers for a resource without one.
const emptyPolicy = "{}"

// policyRef is a resolved ResourceARN: a stream, or a consumer of one.
type policyRef struct {
	arn      string
	stream   string
	consumer *consumerKey // nil for a stream
}

// policyTarget resolves a stream ARN or a consumer ARN
// (STREAM_ARN/consumer/NAME:SECONDS, see consumers.go).
func (e *Engine) policyTarget(resourceARN string) (policyRef, error) {
	if region, account, name, ok := parseStreamARN(resourceARN); ok {
		if region != e.cfg.Region || account != e.cfg.AccountID {
			return policyRef{}, e.policyStreamNotFound(resourceARN, account)
		}
		return policyRef{arn: resourceARN, stream: name}, nil
	}
	k, err := e.resourceConsumer(resourceARN) // consumer_tags.go
	if err != nil {
		return policyRef{}, err
	}
	return policyRef{arn: resourceARN, stream: k.stream, consumer: &k}, nil
}

// policyStreamNotFound is the resource-policy operations' wording for a
// missing stream, which names the ARN (moto, tests/test_kinesis/
// test_kinesis_resource_policy.py).
func (e *Engine) policyStreamNotFound(resourceARN, account string) *Error {
	return errorf(KindNotFound, "Stream %s under account %s not found.", resourceARN, account)
}

// policySlotLocked finds the stream holding the policy and the policy's key
// in it ("" for the stream's own, NAME:SECONDS for a consumer's). write
// asks for a resource that can change now: a stream neither CREATING nor
// DELETING, an ACTIVE consumer. The caller holds e.mu.
func (e *Engine) policySlotLocked(r policyRef, now time.Time, write bool) (*stream, string, error) {
	s := e.lookup(r.stream, now)
	if r.consumer == nil {
		if s == nil {
			return nil, "", e.policyStreamNotFound(r.arn, e.cfg.AccountID)
		}
		if st := s.status(now); write && (st == StatusCreating || st == StatusDeleting) {
			return nil, "", e.streamNotActive(s.name, st)
		}
		return s, "", nil
	}
	var c *consumer
	if s != nil {
		c = s.findConsumer(*r.consumer, now)
	}
	if c == nil {
		return nil, "", e.consumerNotFound(*r.consumer)
	}
	if write && c.status(now) != ConsumerActive {
		// AWS's wording (seen in a CloudFormation failure for a consumer
		// policy put while the consumer was still CREATING).
		return nil, "", errorf(KindInUse, "Consumer %s with creation timestamp %d under stream %s and account %s is not in ACTIVE status.", c.name, c.createdSec, s.name, e.cfg.AccountID)
	}
	return s, c.name + ":" + strconv.FormatInt(c.createdSec, 10), nil
}

func (s *stream) policyOf(key string) string {
	if key == "" {
		return s.policy
	}
	return s.consumerPolicy[key]
}

// withPolicy returns the stream's consumer-policy map with key set to
// policy ("" removes it), dropping entries of consumers that are gone. It
// never modifies the current map.
func (s *stream) withPolicy(key, policy string, now time.Time) map[string]string {
	out := map[string]string{}
	for _, c := range s.consumers {
		k := c.name + ":" + strconv.FormatInt(c.createdSec, 10)
		if p, ok := s.consumerPolicy[k]; ok && !c.gone(now) {
			out[k] = p
		}
	}
	if policy == "" {
		delete(out, key)
	} else {
		out[key] = policy
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// changePolicy sets the policy of the resource resourceARN names to what
// change returns from the current one, and saves the catalog.
func (e *Engine) changePolicy(resourceARN string, change func(current string) (string, error)) error {
	r, err := e.policyTarget(resourceARN)
	if err != nil {
		return err
	}
	e.control.Lock()
	defer e.control.Unlock()
	now := e.now()
	e.mu.Lock()
	s, key, err := e.policySlotLocked(r, now, true)
	if err != nil {
		e.mu.Unlock()
		return err
	}
	next, err := change(s.policyOf(key))
	if err != nil {
		e.mu.Unlock()
		return err
	}
	oldPolicy, oldConsumers := s.policy, s.consumerPolicy
	if key == "" {
		s.policy = next
	} else {
		s.consumerPolicy = s.withPolicy(key, next, now)
	}
	doc := e.catalogDocLocked()
	e.mu.Unlock()
	if err := e.save(doc); err != nil {
		e.mu.Lock()
		s.policy, s.consumerPolicy = oldPolicy, oldConsumers
		e.mu.Unlock()
		return err
	}
	return nil
}

// PutResourcePolicy attaches (or replaces) a resource's policy after
// checking that it is a valid policy document of at most MaxPolicyBytes.
func (e *Engine) PutResourcePolicy(ctx context.Context, resourceARN, policy string) error {
	if len(policy) > MaxPolicyBytes {
		return errorf(KindInvalidArgument, "Policy size %d bytes exceeds the maximum allowed size of %d bytes.", len(policy), MaxPolicyBytes)
	}
	if _, err := ParsePolicy(policy); err != nil {
		return err
	}
	return e.changePolicy(resourceARN, func(string) (string, error) { return policy, nil })
}

// DeleteResourcePolicy removes a resource's policy.
func (e *Engine) DeleteResourcePolicy(ctx context.Context, resourceARN string) error {
	return e.changePolicy(resourceARN, func(current string) (string, error) {
		if current == "" {
			return "", errorf(KindNotFound, "No resource policy found for resource ARN %s.", resourceARN)
		}
		return "", nil
	})
}

// GetResourcePolicy returns a resource's policy text as it was put, or
// "{}" if it has none (as AWS answers; moto's tests record the same).
func (e *Engine) GetResourcePolicy(ctx context.Context, resourceARN string) (string, error) {
	r, err := e.policyTarget(resourceARN)
	if err != nil {
		return "", err
	}
	now := e.now()
	e.mu.RLock()
	defer e.mu.RUnlock()
	s, key, err := e.policySlotLocked(r, now, false)
	if err != nil {
		return "", err
	}
	if p := s.policyOf(key); p != "" {
		return p, nil
	}
	return emptyPolicy, nil
}

// ResourcePolicy returns the parsed policy of the resource, and false if it
// has none: what cross-account access checks evaluate with Policy.Allows.
func (e *Engine) ResourcePolicy(ctx context.Context, resourceARN string) (Policy, bool, error) {
	text, err := e.GetResourcePolicy(ctx, resourceARN)
	if err != nil || text == emptyPolicy {
		return Policy{}, false, err
	}
	p, err := ParsePolicy(text)
	if err != nil {
		return Policy{}, false, err
	}
	return p, true, nil
}
