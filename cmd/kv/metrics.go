package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"redraft/kv/resp"
	"redraft/replication"
)

// metricsShutdownTimeout bounds the wait for scrapes in progress at shutdown.
const metricsShutdownTimeout = 2 * time.Second

// Bounds of the metrics endpoint, so that scrapers (or anyone who reaches
// the address) cannot hold goroutines or memory: the time to send request
// headers, the time to answer, an idle keep-alive connection's life, and
// scrapes served at once (further ones get 503).
const (
	metricsReadHeaderTimeout = 5 * time.Second
	metricsScrapeTimeout     = 10 * time.Second
	metricsIdleTimeout       = 60 * time.Second
	metricsMaxInFlight       = 4
)

// startMetrics serves Prometheus metrics (text format) on addr at /metrics:
// the RESP edge's, the Raft node's when node is not nil, and the Go
// runtime's and process's, from a registry of this server's own. It
// returns the listener's address and a function that stops serving.
func startMetrics(addr string, srv *resp.Server, node *replication.Node, log *slog.Logger) (string, func(), error) {
	reg := prometheus.NewRegistry()
	cs := []prometheus.Collector{srv.Collector(), collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})}
	if node != nil {
		cs = append(cs, node.Collector())
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return "", nil, err
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		MaxRequestsInFlight: metricsMaxInFlight,
		Timeout:             metricsScrapeTimeout,
	}))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: metricsReadHeaderTimeout,
		WriteTimeout: metricsScrapeTimeout + time.Second, IdleTimeout: metricsIdleTimeout}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("kv: metrics server stopped", "err", err)
		}
	}()
	log.Info("kv: serving metrics", "addr", ln.Addr().String())
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), metricsShutdownTimeout)
		defer cancel()
		hs.Shutdown(ctx)
		<-done
	}, nil
}
