package metrics

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Storage exports the log store's figures: group-commit rounds as they
// happen (logstore.Observer) and, with WatchDisk, what is on disk.
type Storage struct {
	fsync   prometheus.Histogram
	batch   prometheus.Histogram
	corrupt prometheus.Counter
}

// NewStorage registers the group-commit histograms with reg.
func NewStorage(reg prometheus.Registerer) (*Storage, error) {
	s := &Storage{
		fsync: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "runnel_log_fsync_duration_seconds",
			Help: "Time of one group-commit round's fdatasyncs (every shard log written since the last round, in parallel): the durability wait a put pays.",
			// 50µs to ~1.6s.
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 16),
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "runnel_log_group_commit_shards",
			Help:    "Shard logs made durable by one group-commit round (the batch one fsync wait covers).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12), // 1 to 2048
		}),
		corrupt: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "runnel_log_corruptions_total",
			Help: "Damaged spots found in segment files (at startup or by a read), each logged at Error with its file and offset; reads that need them fail with InternalFailure (docs/durability.md).",
		}),
	}
	for _, c := range []prometheus.Collector{s.fsync, s.batch, s.corrupt} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register storage metrics: %w", err)
		}
	}
	return s, nil
}

// GroupCommit implements logstore.Observer.
func (s *Storage) GroupCommit(shards int, fsync time.Duration) {
	s.fsync.Observe(fsync.Seconds())
	s.batch.Observe(float64(shards))
}

// Corruption implements logstore.CorruptionObserver.
func (s *Storage) Corruption(path string, offset int64) { s.corrupt.Inc() }

// WatchDisk registers the gauges computed at scrape time: bytes of every
// file under dataDir, segment files under logDir, and openFiles() (the log
// store's open segment files; nil to leave it out).
func (s *Storage) WatchDisk(reg prometheus.Registerer, dataDir, logDir string, openFiles func() int) error {
	d := &diskCollector{
		dataDir: dataDir, logDir: logDir, openFiles: openFiles,
		bytes:    prometheus.NewDesc("runnel_disk_bytes", "Bytes of the files in the data directory (catalog, keys, shard logs and indexes).", nil, nil),
		segments: prometheus.NewDesc("runnel_log_segments", "Segment files of the shard logs on disk.", nil, nil),
		open:     prometheus.NewDesc("runnel_log_open_segment_files", "Segment files the log store holds open (bounded by its file cache).", nil, nil),
	}
	if err := reg.Register(d); err != nil {
		return fmt.Errorf("register disk metrics: %w", err)
	}
	return nil
}

type diskCollector struct {
	dataDir, logDir       string
	openFiles             func() int
	bytes, segments, open *prometheus.Desc
}

func (d *diskCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- d.bytes
	ch <- d.segments
	ch <- d.open
}

func (d *diskCollector) Collect(ch chan<- prometheus.Metric) {
	var bytes, segments int64
	err := filepath.WalkDir(d.dataDir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) { // removed while walking
				return nil
			}
			return err
		}
		if !e.Type().IsRegular() {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		bytes += info.Size()
		if strings.HasSuffix(path, ".seg") && strings.HasPrefix(path, d.logDir+string(filepath.Separator)) {
			segments++
		}
		return nil
	})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(d.bytes, fmt.Errorf("walk %s: %w", d.dataDir, err))
	} else {
		ch <- prometheus.MustNewConstMetric(d.bytes, prometheus.GaugeValue, float64(bytes))
		ch <- prometheus.MustNewConstMetric(d.segments, prometheus.GaugeValue, float64(segments))
	}
	if d.openFiles != nil {
		ch <- prometheus.MustNewConstMetric(d.open, prometheus.GaugeValue, float64(d.openFiles()))
	}
}
