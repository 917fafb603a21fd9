package config

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
}

func TestValidateRejects(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"listen", func(c *Config) { c.Listen = "nope" }, "listen address"},
		{"metrics listen", func(c *Config) { c.MetricsListen = "nope" }, "metrics listen address"},
		{"datadir", func(c *Config) { c.DataDir = "" }, "data dir"},
		{"region", func(c *Config) { c.Region = "Mars" }, "region"},
		{"account", func(c *Config) { c.AccountID = "123" }, "12 digits"},
		{"delay", func(c *Config) { c.CreateStreamDelay = -time.Second }, "create-stream-delay"},
		{"shards", func(c *Config) { c.ShardLimit = 0 }, "shard limit"},
		{"connections", func(c *Config) { c.MaxConnections = 0 }, "max-connections"},
		{"in flight", func(c *Config) { c.MaxInFlight = -1 }, "max-in-flight"},
		{"body timeout", func(c *Config) { c.BodyReadTimeout = -time.Second }, "body-read-timeout"},
		{"tls cert without key", func(c *Config) { c.TLSCertFile = "cert.pem" }, "tls-cert and tls-key"},
		{"tls key without cert", func(c *Config) { c.TLSKeyFile = "key.pem" }, "tls-cert and tls-key"},
		{"tls both ways", func(c *Config) { c.TLSCertFile, c.TLSKeyFile, c.TLSSelfSigned = "c", "k", true }, "tls-self-signed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.change(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
	c := Default()
	c.DataDir = ""
	c.InMemory = true
	if err := c.Validate(); err != nil {
		t.Fatalf("in-memory without data dir: %v", err)
	}
}
