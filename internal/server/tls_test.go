package server

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"os"
	"testing"
	"time"
)

func TestSelfSignedFilesAreGeneratedReusedAndRenewed(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	certFile, keyFile, err := selfSignedFiles(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if pub, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		t.Fatalf("key is %T, want ECDSA P-256", leaf.PublicKey)
	}
	for _, host := range []string{"127.0.0.1", "::1", "localhost"} {
		if err := leaf.VerifyHostname(host); err != nil {
			t.Errorf("certificate does not cover %s: %v", host, err)
		}
	}
	if leaf.VerifyHostname("example.com") == nil {
		t.Error("certificate covers example.com")
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, DNSName: "localhost"}); err != nil {
		t.Fatalf("the certificate does not verify against itself: %v", err)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi, err)
	}

	// A later start within validity reuses the pair.
	if _, _, err := selfSignedFiles(dir, now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(certFile); !bytes.Equal(again, first) {
		t.Fatal("certificate regenerated while still valid")
	}
	// After expiry, or when the files are damaged, a new one is made.
	if _, _, err := selfSignedFiles(dir, now.Add(selfSignedValidity)); err != nil {
		t.Fatal(err)
	}
	renewed, _ := os.ReadFile(certFile)
	if bytes.Equal(renewed, first) {
		t.Fatal("expired certificate was reused")
	}
	if err := os.WriteFile(certFile, []byte("torn"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := selfSignedFiles(dir, now); err != nil {
		t.Fatal(err)
	}
	if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
		t.Fatalf("damaged pair not replaced: %v", err)
	}
}
