package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/runnel-io/runnel/internal/fsutil"
)

// Every client connects on the one listener (shared/reference/kinesis-api.md
// §1 HTTP/2): the Go SDK and the aws CLI speak HTTP/1.1, the JavaScript
// SDK v3 speaks HTTP/2 even to http:// endpoints (prior knowledge, h2c), and
// the Java SDK v2 async client negotiates h2 through ALPN over TLS. So a plain
// listener serves HTTP/1.1 and h2c, a TLS listener HTTP/1.1 and h2.

// Self-signed certificate files, in the data dir (or a temp dir in memory).
const (
	selfSignedCertName = "tls-cert.pem"
	selfSignedKeyName  = "tls-key.pem"
	// selfSignedValidity is how long a generated certificate is valid; an
	// expired one is replaced at the next start.
	selfSignedValidity = 365 * 24 * time.Hour
)

// setupProtocols enables HTTP/1.1 and HTTP/2 on s.http and, when the config
// asks for TLS, loads or generates the certificate.
func (s *Server) setupProtocols() error {
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetHTTP2(true)            // h2 over TLS, chosen by ALPN
	p.SetUnencryptedHTTP2(true) // h2c with prior knowledge on a plain listener
	s.http.Protocols = &p

	certFile, keyFile := s.cfg.TLSCertFile, s.cfg.TLSKeyFile
	if s.cfg.TLSSelfSigned {
		dir := s.cfg.DataDir
		if s.cfg.InMemory {
			tmp, err := os.MkdirTemp("", "runnel-tls-")
			if err != nil {
				return fmt.Errorf("temp dir for the self-signed certificate: %w", err)
			}
			s.tlsTempDir = tmp
			dir = tmp
		}
		var err error
		if certFile, keyFile, err = selfSignedFiles(dir, time.Now()); err != nil {
			return err
		}
		s.log.Info("self-signed TLS certificate for 127.0.0.1 and localhost: trust this file in clients", "cert", certFile, "key", keyFile)
	}
	if certFile == "" {
		return nil
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("load TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	s.http.TLSConfig = &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
	}
	return nil
}

// scheme is the URL scheme clients use: https when serving TLS.
func (s *Server) scheme() string {
	if s.http.TLSConfig != nil {
		return "https"
	}
	return "http"
}

// serveHTTP serves the listener, over TLS when configured.
func (s *Server) serveHTTP() error {
	if s.http.TLSConfig != nil {
		return s.http.ServeTLS(s.listener, "", "") // certificates are in TLSConfig
	}
	return s.http.Serve(s.listener)
}

// removeTLSTempDir deletes the temp dir of an in-memory self-signed
// certificate.
func (s *Server) removeTLSTempDir() error {
	if s.tlsTempDir == "" {
		return nil
	}
	if err := os.RemoveAll(s.tlsTempDir); err != nil {
		return fmt.Errorf("remove TLS temp dir: %w", err)
	}
	return nil
}

// selfSignedFiles returns the self-signed certificate and key in dir,
// generating them when missing, unreadable as a pair, or expired by now.
func selfSignedFiles(dir string, now time.Time) (certFile, keyFile string, err error) {
	certFile = filepath.Join(dir, selfSignedCertName)
	keyFile = filepath.Join(dir, selfSignedKeyName)
	usable, err := usableCertificate(certFile, keyFile, now)
	if err != nil {
		return "", "", err
	}
	if usable {
		return certFile, keyFile, nil
	}
	certPEM, keyPEM, err := generateSelfSigned(now)
	if err != nil {
		return "", "", err
	}
	// The key first: a crash between the two writes leaves a key without
	// a matching certificate, which the next start replaces.
	if err := fsutil.AtomicWriteFile(keyFile, keyPEM, 0o600); err != nil {
		return "", "", fmt.Errorf("write TLS key: %w", err)
	}
	if err := fsutil.AtomicWriteFile(certFile, certPEM, 0o644); err != nil {
		return "", "", fmt.Errorf("write TLS certificate: %w", err)
	}
	return certFile, keyFile, nil
}

// usableCertificate reports whether the pair exists, loads, and is valid at now.
func usableCertificate(certFile, keyFile string, now time.Time) (bool, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return false, fmt.Errorf("read self-signed TLS files: %w", err)
		}
		return false, nil // a torn or mismatched pair: generate a new one
	}
	leaf := pair.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return false, nil
		}
	}
	return now.After(leaf.NotBefore) && now.Add(time.Hour).Before(leaf.NotAfter), nil
}

// generateSelfSigned makes an ECDSA P-256 certificate for 127.0.0.1, ::1 and
// localhost. It is its own CA so that clients can trust the one file.
func generateSelfSigned(now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate TLS key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"Runnel"}, CommonName: "runnel self-signed (localhost)"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create TLS certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encode TLS key: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return certPEM, keyPEM, nil
}
