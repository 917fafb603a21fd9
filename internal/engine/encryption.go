package engine

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/runnel-io/runnel/internal/record"
)

// Encryption at rest (StartStreamEncryption / StopStreamEncryption), laid
// out byte by byte in docs/format/encryption.md.
//
// Each StartStreamEncryption with a new KMS KeyId creates a random data key
// for the stream; the catalog keeps it wrapped (AES-256-GCM) under the
// server's master key. The log store never learns about encryption: a
// record written while encryption is on is stored with its partition key
// and data sealed together in the record's Data, and an empty PartitionKey.
// Which records are sealed, and under which data key, is told by each
// shard's boundaries: at every Start/Stop, under the write lock (so no
// append is in flight), each open shard records the index its next record
// will get and the data key from then on (0: plaintext).

// Sizes of the encryption formats.
const (
	// MasterKeyBytes is the size of the server master key (AES-256).
	MasterKeyBytes   = 32
	dataKeyBytes     = 32
	gcmNonceBytes    = 12
	gcmTagBytes      = 16
	sealedFormatV1   = 1
	sealedHeaderLen  = 1 + gcmNonceBytes // format byte, nonce
	sealedPlainExtra = 2                 // u16 partition-key length
	sealedOverhead   = sealedHeaderLen + sealedPlainExtra + gcmTagBytes
	wrappedKeyBytes  = gcmNonceBytes + dataKeyBytes + gcmTagBytes
	recordAADPrefix  = "runnel/record/v1\x00"
	dataKeyAADPrefix = "runnel/datakey/v1\x00"
)

// The EncryptionType values.
const (
	EncryptionNone = "NONE"
	EncryptionKMS  = "KMS"
)

// dataKey is one data key of a stream. Immutable once created.
type dataKey struct {
	id       uint32
	kmsKeyID string // the KeyId it was created for
	wrapped  []byte // nonce || AES-GCM(master, key)
	aead     cipher.AEAD
}

// streamEncryption is a stream's encryption state, guarded by Engine.mu and
// replaced whole (copy on write) on every change.
type streamEncryption struct {
	kmsKeyID string              // KeyId given to StartStreamEncryption; "" while off
	current  uint32              // data key new records are sealed with; 0 while off
	keys     map[uint32]*dataKey // every data key a shard boundary may name
}

// encBoundary says that records of a shard from index `from` on are sealed
// with data key `key` (0: stored in plaintext), until the next boundary.
// A shard's boundaries ascend by from and are replaced whole on change.
type encBoundary struct {
	from uint64
	key  uint32
}

// newAEAD returns AES-256-GCM under key.
func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// newMasterAEAD builds the master-key cipher. A nil key means a random one
// for this process (in-memory servers and tests): data keys then do not
// survive the process, and neither does anything they sealed.
func newMasterAEAD(key []byte) (cipher.AEAD, error) {
	if key == nil {
		key = make([]byte, MasterKeyBytes)
		_, _ = rand.Read(key)
	}
	if len(key) != MasterKeyBytes {
		return nil, fmt.Errorf("master key has %d bytes, want %d", len(key), MasterKeyBytes)
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return aead, nil
}

func dataKeyAAD(streamID string, id uint32) []byte {
	aad := append([]byte(dataKeyAADPrefix), streamID...)
	return binary.BigEndian.AppendUint32(aad, id)
}

// newDataKey creates and wraps a fresh data key for stream s.
// The caller holds e.mu for writing.
func (e *Engine) newDataKey(s *stream, kmsKeyID string) (*dataKey, error) {
	var id uint32 = 1
	for k := range s.enc.keys {
		id = max(id, k+1)
	}
	raw := make([]byte, dataKeyBytes)
	_, _ = rand.Read(raw)
	aead, err := newAEAD(raw)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	wrapped := make([]byte, gcmNonceBytes, wrappedKeyBytes)
	_, _ = rand.Read(wrapped)
	wrapped = e.master.Seal(wrapped, wrapped[:gcmNonceBytes], raw, dataKeyAAD(s.id, id))
	return &dataKey{id: id, kmsKeyID: kmsKeyID, wrapped: wrapped, aead: aead}, nil
}

// unwrapDataKey opens a wrapped data key with the master key.
func (e *Engine) unwrapDataKey(streamID string, id uint32, kmsKeyID string, wrapped []byte) (*dataKey, error) {
	if len(wrapped) != wrappedKeyBytes {
		return nil, fmt.Errorf("wrapped data key %d has %d bytes, want %d", id, len(wrapped), wrappedKeyBytes)
	}
	raw, err := e.master.Open(nil, wrapped[:gcmNonceBytes], wrapped[gcmNonceBytes:], dataKeyAAD(streamID, id))
	if err != nil {
		return nil, fmt.Errorf("data key %d does not unwrap with this master key (is --master-key-file the one the data was written with?)", id)
	}
	aead, err := newAEAD(raw)
	if err != nil {
		return nil, fmt.Errorf("data key %d: %w", id, err)
	}
	return &dataKey{id: id, kmsKeyID: kmsKeyID, wrapped: wrapped, aead: aead}, nil
}

func recordAAD(streamID string, shard, key uint32) []byte {
	aad := make([]byte, 0, len(recordAADPrefix)+len(streamID)+8)
	aad = append(aad, recordAADPrefix...)
	aad = append(aad, streamID...)
	aad = binary.BigEndian.AppendUint32(aad, shard)
	return binary.BigEndian.AppendUint32(aad, key)
}

// seal returns the stored form of a record's partition key and data:
// format byte, random nonce, then AES-GCM of (u16 key length, key, data).
func (k *dataKey) seal(aad []byte, partitionKey string, data []byte) []byte {
	n := sealedHeaderLen + sealedPlainExtra + len(partitionKey) + len(data)
	out := make([]byte, sealedHeaderLen, n+gcmTagBytes)
	out[0] = sealedFormatV1
	_, _ = rand.Read(out[1:sealedHeaderLen])
	out = binary.BigEndian.AppendUint16(out, uint16(len(partitionKey)))
	out = append(out, partitionKey...)
	out = append(out, data...)
	plain := out[sealedHeaderLen:]
	k.aead.Seal(plain[:0], out[1:sealedHeaderLen], plain, aad)
	return out[:n+gcmTagBytes]
}

// errSealed is the cause of every failure to open a stored record.
var errSealed = errors.New("encrypted record does not authenticate")

// open reverses seal; the result is a new buffer.
func (k *dataKey) open(aad, sealed []byte) (string, []byte, error) {
	if len(sealed) < sealedOverhead || sealed[0] != sealedFormatV1 {
		return "", nil, errSealed
	}
	plain, err := k.aead.Open(nil, sealed[1:sealedHeaderLen], sealed[sealedHeaderLen:], aad)
	if err != nil {
		return "", nil, errSealed
	}
	keyLen := int(binary.BigEndian.Uint16(plain))
	if sealedPlainExtra+keyLen > len(plain) {
		return "", nil, errSealed
	}
	return string(plain[sealedPlainExtra : sealedPlainExtra+keyLen]), plain[sealedPlainExtra+keyLen:], nil
}

// sealGroupsLocked seals every record of a put when the stream's encryption
// is on and reports whether it did. The caller holds e.mu (read), so the
// state cannot change before the records are appended.
func (s *stream) sealGroupsLocked(groups []groupedPut) bool {
	key := s.enc.keys[s.enc.current]
	if s.enc.current == 0 || key == nil {
		return false
	}
	for gi := range groups {
		g := &groups[gi]
		aad := recordAAD(s.id, g.shard.index, key.id)
		for j := range g.recs {
			r := &g.recs[j]
			r.Data = key.seal(aad, r.PartitionKey, r.Data)
			r.PartitionKey = ""
		}
	}
	return true
}

// recordOpener decrypts the records a read returns, by the boundaries of
// their shard. A nil opener leaves records as stored.
type recordOpener struct {
	streamID string
	shard    uint32
	spans    []openSpan
}

type openSpan struct {
	from uint64
	key  *dataKey // nil: plaintext
}

// recordOpenerLocked captures what reading sh needs, so the read itself
// runs without the lock. The caller holds e.mu.
func (s *stream) recordOpenerLocked(sh *shard) *recordOpener {
	if len(sh.enc) == 0 {
		return nil
	}
	o := &recordOpener{streamID: s.id, shard: sh.index, spans: make([]openSpan, len(sh.enc))}
	for i, b := range sh.enc {
		o.spans[i] = openSpan{from: b.from, key: s.enc.keys[b.key]}
		if b.key != 0 && o.spans[i].key == nil {
			// A boundary naming an unknown key: opening fails below.
			o.spans[i].key = &dataKey{id: b.key}
		}
	}
	return o
}

// open decrypts recs in place (new buffers; the stored bytes are not
// touched) and reports which were encrypted: nil if none was.
func (o *recordOpener) open(recs []record.Record) ([]bool, error) {
	if o == nil {
		return nil, nil
	}
	var flags []bool
	var aad []byte
	var aadKey uint32
	for i := range recs {
		r := &recs[i]
		key := o.keyAt(r.Index)
		if key == nil {
			continue
		}
		if key.aead == nil {
			return nil, fmt.Errorf("record %d names data key %d, which the catalog lacks", r.Index, key.id)
		}
		if aad == nil || aadKey != key.id {
			aad, aadKey = recordAAD(o.streamID, o.shard, key.id), key.id
		}
		pk, data, err := key.open(aad, r.Data)
		if err != nil {
			return nil, fmt.Errorf("shard %d record %d (data key %d): %w", o.shard, r.Index, key.id, err)
		}
		r.PartitionKey, r.Data = pk, data
		if flags == nil {
			flags = make([]bool, len(recs))
		}
		flags[i] = true
	}
	return flags, nil
}

func (o *recordOpener) keyAt(index uint64) *dataKey {
	var key *dataKey
	for _, sp := range o.spans {
		if sp.from > index {
			break
		}
		key = sp.key
	}
	return key
}

// lastKey is the data key a shard's next record will use.
func lastKey(bounds []encBoundary) uint32 {
	if len(bounds) == 0 {
		return 0
	}
	return bounds[len(bounds)-1].key
}

// withBoundary returns bounds (copied, never modified) with records from
// index next on using key.
func withBoundary(bounds []encBoundary, next uint64, key uint32) []encBoundary {
	if lastKey(bounds) == key {
		return bounds
	}
	out := append(make([]encBoundary, 0, len(bounds)+1), bounds...)
	if n := len(out); n > 0 && out[n-1].from >= next {
		// No record was written under the last boundary: replace it.
		out = out[:n-1]
		if lastKey(out) == key {
			return out
		}
	}
	return append(out, encBoundary{from: next, key: key})
}

// inheritEncryption gives shards a reshard created the stream's current
// encryption. The caller holds e.mu for writing.
func (s *stream) inheritEncryption(created []*shard) {
	if s.enc.current == 0 {
		return
	}
	for _, sh := range created {
		sh.enc = []encBoundary{{from: 0, key: s.enc.current}}
	}
}

// Catalog form of the encryption state (docs/format/catalog.md).

type encryptionDoc struct {
	KMSKeyID string       `json:"kmsKeyId,omitempty"`
	Current  uint32       `json:"currentKey,omitempty"`
	Keys     []dataKeyDoc `json:"dataKeys"`
}

type dataKeyDoc struct {
	ID       uint32 `json:"id"`
	KMSKeyID string `json:"kmsKeyId"`
	Wrapped  []byte `json:"wrapped"`
}

type encBoundaryDoc struct {
	From uint64 `json:"from"`
	Key  uint32 `json:"key"`
}

// encryptionToDoc fills the encryption fields of a stream's catalog entry.
func (s *stream) encryptionToDoc(d *streamDoc) {
	if len(s.enc.keys) > 0 {
		ed := &encryptionDoc{KMSKeyID: s.enc.kmsKeyID, Current: s.enc.current, Keys: make([]dataKeyDoc, 0, len(s.enc.keys))}
		for _, id := range slices.Sorted(maps.Keys(s.enc.keys)) {
			k := s.enc.keys[id]
			ed.Keys = append(ed.Keys, dataKeyDoc{ID: k.id, KMSKeyID: k.kmsKeyID, Wrapped: k.wrapped})
		}
		d.Encryption = ed
	}
	for i, sh := range s.shards {
		if len(sh.enc) == 0 {
			continue
		}
		bd := make([]encBoundaryDoc, len(sh.enc))
		for j, b := range sh.enc {
			bd[j] = encBoundaryDoc{From: b.from, Key: b.key}
		}
		d.Shards[i].Encryption = bd
	}
}

// encryptionFromDoc restores a stream's encryption state, unwrapping every
// data key: a master key that does not fit stops the server here, before
// any record is served.
func (e *Engine) encryptionFromDoc(s *stream, d streamDoc) error {
	if ed := d.Encryption; ed != nil {
		s.enc = streamEncryption{kmsKeyID: ed.KMSKeyID, current: ed.Current, keys: make(map[uint32]*dataKey, len(ed.Keys))}
		for _, kd := range ed.Keys {
			k, err := e.unwrapDataKey(s.id, kd.ID, kd.KMSKeyID, kd.Wrapped)
			if err != nil {
				return err
			}
			s.enc.keys[kd.ID] = k
		}
		if ed.Current != 0 && s.enc.keys[ed.Current] == nil {
			return fmt.Errorf("current data key %d is not in the catalog", ed.Current)
		}
	}
	for i, sd := range d.Shards {
		if len(sd.Encryption) == 0 {
			continue
		}
		bounds := make([]encBoundary, len(sd.Encryption))
		for j, b := range sd.Encryption {
			if b.Key != 0 && s.enc.keys[b.Key] == nil {
				return fmt.Errorf("shard %d names data key %d, which is not in the catalog", sd.Index, b.Key)
			}
			if j > 0 && b.From <= bounds[j-1].from {
				return fmt.Errorf("shard %d encryption boundaries out of order", sd.Index)
			}
			bounds[j] = encBoundary{from: b.From, key: b.Key}
		}
		s.shards[i].enc = bounds
	}
	return nil
}
