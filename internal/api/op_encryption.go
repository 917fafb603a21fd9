package api

import "context"

// encryptionInput is the request of StartStreamEncryption and
// StopStreamEncryption.
type encryptionInput struct {
	streamRef
	EncryptionType string `json:"EncryptionType"`
	KeyID          string `json:"KeyId"`
}

func opStartStreamEncryption(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in encryptionInput
	if err := decode("StartStreamEncryption", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).StartStreamEncryption(ctx, in.ref(), in.EncryptionType, in.KeyID)
}

func opStopStreamEncryption(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in encryptionInput
	if err := decode("StopStreamEncryption", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).StopStreamEncryption(ctx, in.ref(), in.EncryptionType, in.KeyID)
}

// wireEncryptionType is the EncryptionType member's value: NONE unless
// the engine says KMS.
func wireEncryptionType(t string) string {
	if t == "" {
		return "NONE"
	}
	return t
}
