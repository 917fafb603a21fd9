package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/runnel-io/runnel/internal/config"
	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/fsutil"
	"github.com/runnel-io/runnel/internal/metastore"
)

// accountKey derives one account's token key from the server key, so an
// iterator or NextToken of one account never authenticates in another.
func accountKey(serverKey []byte, account string) []byte {
	mac := hmac.New(sha256.New, serverKey)
	mac.Write([]byte("runnel account token key\x00" + account))
	return mac.Sum(nil)
}

// accountCatalog opens an account's catalog: the default account's is
// <data-dir>/catalog, any other's <data-dir>/accounts/<id>/catalog.
func accountCatalog(cfg config.Config, account string) (engine.CatalogStore, error) {
	if cfg.InMemory {
		return metastore.NewMemory(), nil
	}
	if account == cfg.AccountID {
		return metastore.OpenFile(filepath.Join(cfg.DataDir, "catalog"))
	}
	dir := filepath.Join(cfg.DataDir, "accounts", account)
	if err := fsutil.MkdirAllDurable(dir, 0o755); err != nil {
		return nil, fmt.Errorf("account %s: %w", account, err)
	}
	return metastore.OpenFile(filepath.Join(dir, "catalog"))
}

// openAccounts builds one engine per account: the default account and every
// account named in the credentials. All share the log store (and so one
// group commit); stream ids are random, so their logs never collide.
func (s *Server) openAccounts(accounts []string, serverKey, masterKey []byte) error {
	s.engines = map[string]*engine.Engine{}
	for _, account := range accounts {
		if _, dup := s.engines[account]; dup {
			continue
		}
		catalog, err := accountCatalog(s.cfg, account)
		if err != nil {
			return err
		}
		e, err := engine.New(engine.Config{
			Region: s.cfg.Region, AccountID: account,
			CreateDelay: s.cfg.CreateStreamDelay, DeleteDelay: s.cfg.DeleteStreamDelay, UpdateDelay: s.cfg.UpdateStreamDelay,
			ShardLimit: s.cfg.ShardLimit, Key: accountKey(serverKey, account), MasterKey: masterKey, Logger: s.log.With("account", account),
			SubscriptionDuration: s.cfg.SubscribeDuration, SubscriptionHeartbeat: s.cfg.SubscribeHeartbeat, Observer: s.obs.streams.Account(account),
			EnforceLimits: s.cfg.EnforceLimits,
			Scaling:       engine.ScalingConfig{SplitAfter: s.cfg.OnDemandSplitAfter, MergeAfter: s.cfg.OnDemandMergeAfter},
		}, s.logs, catalog)
		if err != nil {
			return fmt.Errorf("account %s: %w", account, err)
		}
		s.engines[account] = e
	}
	s.engine = s.engines[s.cfg.AccountID]
	return nil
}

// eachEngine calls f for every account's engine, in account order.
func (s *Server) eachEngine(f func(e *engine.Engine) error) error {
	ids := make([]string, 0, len(s.engines))
	for id := range s.engines {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var errs []error
	for _, id := range ids {
		errs = append(errs, f(s.engines[id]))
	}
	return errors.Join(errs...)
}
