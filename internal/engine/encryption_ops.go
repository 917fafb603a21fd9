package engine

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"strings"
)

// AWSManagedKinesisKey is the KMS key Kinesis Data Streams owns.
const AWSManagedKinesisKey = "alias/aws/kinesis"

// KMS key identifier forms (KMS developer guide, "Key identifiers").
var (
	kmsKeyIDPattern   = regexp.MustCompile(`^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})$`)
	kmsAliasPattern   = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]{1,250}$`)
	kmsKeyARNPattern  = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:((?:key|alias)/.+)$`)
	maxKMSAliasLength = 256
)

// checkKMSKeyID accepts what KMS resolves: a key id (UUID or multi-Region
// mrk- id), a key ARN, an alias name "alias/…", or an alias ARN. Of the
// AWS-reserved aliases only alias/aws/kinesis is usable by Kinesis.
// Anything else is refused as KMS refuses it, surfaced by Kinesis as
// KMSNotFoundException.
func (e *Engine) checkKMSKeyID(keyID string) error {
	invalid := errorf(KindKMSNotFound, "Invalid keyId %s", keyID)
	alias := keyID
	if m := kmsKeyARNPattern.FindStringSubmatch(keyID); m != nil {
		alias = m[1]
		if id, ok := strings.CutPrefix(alias, "key/"); ok {
			if !kmsKeyIDPattern.MatchString(id) {
				return invalid
			}
			return nil
		}
	} else if kmsKeyIDPattern.MatchString(keyID) {
		return nil
	}
	if !kmsAliasPattern.MatchString(alias) || len(alias) > maxKMSAliasLength {
		return invalid
	}
	if strings.HasPrefix(alias, "alias/aws/") && alias != AWSManagedKinesisKey {
		return errorf(KindKMSNotFound, "Alias arn:aws:kms:%s:%s:%s is not found.", e.cfg.Region, e.cfg.AccountID, alias)
	}
	return nil
}

// checkEncryptionType requires KMS, the only EncryptionType either
// operation accepts.
func checkEncryptionType(op, encryptionType string) error {
	if encryptionType != EncryptionKMS {
		return errorf(KindInvalidArgument, "Invalid EncryptionType %s used in %s. The only valid value is %s.", encryptionType, op, EncryptionKMS)
	}
	return nil
}

// StartStreamEncryption makes records written from now on be stored
// encrypted under a data key tied to keyID. The stream goes UPDATING.
func (e *Engine) StartStreamEncryption(ctx context.Context, ref StreamRef, encryptionType, keyID string) error {
	if err := checkEncryptionType("StartStreamEncryption", encryptionType); err != nil {
		return err
	}
	if err := e.checkKMSKeyID(keyID); err != nil {
		return err
	}
	return e.changeEncryption(ctx, ref, keyID)
}

// StopStreamEncryption makes records written from now on be stored in
// plaintext; records already written stay encrypted and readable. The
// stream goes UPDATING. Stopping a stream that is not encrypted does
// nothing.
func (e *Engine) StopStreamEncryption(ctx context.Context, ref StreamRef, encryptionType, keyID string) error {
	if err := checkEncryptionType("StopStreamEncryption", encryptionType); err != nil {
		return err
	}
	if err := e.checkKMSKeyID(keyID); err != nil {
		return err
	}
	return e.changeEncryption(ctx, ref, "")
}

// changeEncryption switches an ACTIVE stream to kmsKeyID ("" for off). Like
// reshard it holds the write lock throughout: no append is in flight, so
// after a sync each open shard's next index is final and becomes the
// boundary of the new state; the catalog is saved before anyone can append
// under the new state, and on failure everything is put back.
func (e *Engine) changeEncryption(ctx context.Context, ref StreamRef, kmsKeyID string) error {
	name, err := e.resolve(ref)
	if err != nil {
		return err
	}
	e.control.Lock()
	defer e.control.Unlock()
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.lookup(name, now)
	if s == nil {
		return e.streamNotFound(name)
	}
	if st := s.status(now); st != StatusActive {
		return e.streamNotActive(name, st)
	}
	if kmsKeyID == "" && s.enc.current == 0 {
		return nil
	}
	next := streamEncryption{kmsKeyID: kmsKeyID, current: s.enc.current, keys: maps.Clone(s.enc.keys)}
	switch {
	case kmsKeyID == "":
		next.current = 0
	case kmsKeyID != s.enc.kmsKeyID || s.enc.current == 0:
		key, err := e.newDataKey(s, kmsKeyID)
		if err != nil {
			return err
		}
		if next.keys == nil {
			next.keys = map[uint32]*dataKey{}
		}
		next.keys[key.id] = key
		next.current = key.id
	}
	if err := e.log.Sync(ctx, e.lastToken.Load()); err != nil {
		return fmt.Errorf("change encryption of stream %s: sync: %w", name, err)
	}
	oldEnc, oldUpdating := s.enc, s.updatingUntil
	oldBounds := make([][]encBoundary, len(s.routing))
	for i, sh := range s.routing {
		oldBounds[i] = sh.enc
		_, nextIndex := sh.log.Bounds()
		sh.enc = withBoundary(sh.enc, nextIndex, next.current)
	}
	s.enc = next
	s.updatingUntil = now.Add(e.cfg.UpdateDelay)
	if err := e.save(e.catalogDocLocked()); err != nil {
		s.enc, s.updatingUntil = oldEnc, oldUpdating
		for i, sh := range s.routing {
			sh.enc = oldBounds[i]
		}
		return err
	}
	return nil
}

// StreamEncryption reports a stream's EncryptionType and KeyId (empty when
// off). The caller holds e.mu.
func (s *stream) encryptionLocked() (encryptionType, keyID string) {
	if s.enc.current == 0 {
		return EncryptionNone, ""
	}
	return EncryptionKMS, s.enc.kmsKeyID
}
