package resp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TLS for clients, with Redis's parameter names (tls-port, tls-cert-file,
// tls-key-file, tls-ca-cert-file, tls-auth-clients, tls-protocols,
// tls-ciphers, tls-ciphersuites). ServeTLS serves a listener whose
// connections speak TLS; the certificate, key, CA and policy in force are
// one *tls.Config swapped atomically, so CONFIG SET tls-* (which rebuilds
// it, as Redis does, even when the value is unchanged) and ReloadTLS (SIGHUP)
// apply to new connections without a restart; established connections keep
// the session they negotiated.

// TLSSettings are the client TLS parameters, as their CONFIG names spell them.
type TLSSettings struct {
	CertFile string // tls-cert-file: PEM certificate chain served to clients
	KeyFile  string // tls-key-file: its PEM private key
	CAFile   string // tls-ca-cert-file: PEM CAs that client certificates must chain to
	// AuthClients is tls-auth-clients: "yes" (default: a client certificate
	// is required), "optional" (checked when given) or "no".
	AuthClients string
	// Protocols is tls-protocols, e.g. "TLSv1.3"; "" (the default, as
	// Redis shows it) means TLSv1.2 and TLSv1.3.
	Protocols string
	// Ciphers is tls-ciphers: TLS 1.2 cipher suites, OpenSSL names
	// separated by ':' ("" : Go's defaults).
	Ciphers string
	// CipherSuites is tls-ciphersuites: TLS 1.3 suites separated by ':'.
	// Go always enables the three TLS 1.3 suites; the value is validated
	// and reported, not enforced (docs/known-differences.md).
	CipherSuites string
	// Port is what CONFIG GET tls-port reports (the listener's port).
	Port int
}

// tlsHandshakeTimeout bounds a client's TLS handshake: a connection that
// does not complete it in time is closed instead of holding a client slot.
const tlsHandshakeTimeout = 10 * time.Second

// tlsRefuseHandshakeTimeout bounds the handshake the accept loop runs to
// send "max number of clients reached" to a TLS client.
const tlsRefuseHandshakeTimeout = time.Second

// errTextTLSUpdate is Redis's CONFIG SET error when the new TLS
// configuration cannot be built.
const errTextTLSUpdate = "Unable to update TLS configuration. Check server logs."

// tlsState is the server's client TLS configuration.
type tlsState struct {
	mu       sync.Mutex
	settings TLSSettings
	enabled  bool
	cur      *tls.Config // what new handshakes use
}

// BuildTLSConfig loads the files named by st and returns the server-side
// configuration they describe.
func BuildTLSConfig(st TLSSettings) (*tls.Config, error) {
	if st.CertFile == "" || st.KeyFile == "" {
		return nil, errors.New("tls-cert-file and tls-key-file are required")
	}
	cert, err := tls.LoadX509KeyPair(st.CertFile, st.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("tls-cert-file/tls-key-file: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	switch auth := strings.ToLower(st.AuthClients); auth {
	case "", "yes", "optional":
		if st.CAFile == "" {
			return nil, errors.New("tls-auth-clients " + orDefault(auth, "yes") + " needs tls-ca-cert-file")
		}
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		if auth == "optional" {
			cfg.ClientAuth = tls.VerifyClientCertIfGiven
		}
	case "no":
		cfg.ClientAuth = tls.NoClientCert
	default:
		return nil, fmt.Errorf("tls-auth-clients %q: want yes, no or optional", st.AuthClients)
	}
	if st.CAFile != "" {
		pool, err := LoadCAFile(st.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls-ca-cert-file: %w", err)
		}
		cfg.ClientCAs = pool
	}
	if cfg.MinVersion, cfg.MaxVersion, err = parseTLSProtocols(st.Protocols); err != nil {
		return nil, err
	}
	if cfg.CipherSuites, err = parseTLSCiphers(st.Ciphers); err != nil {
		return nil, err
	}
	if err := checkTLSCipherSuites(st.CipherSuites); err != nil {
		return nil, err
	}
	return cfg, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// LoadCAFile reads a PEM file of CA certificates into a pool.
func LoadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate found", path)
	}
	return pool, nil
}

// tlsVersions are tls-protocols' names, in increasing order.
var tlsVersions = []struct {
	name string
	v    uint16
}{{"tlsv1", tls.VersionTLS10}, {"tlsv1.1", tls.VersionTLS11}, {"tlsv1.2", tls.VersionTLS12}, {"tlsv1.3", tls.VersionTLS13}}

// parseTLSProtocols turns tls-protocols into Go's version range (the
// lowest and highest version named: Go cannot leave a gap in between).
func parseTLSProtocols(s string) (lo, hi uint16, err error) {
	if strings.TrimSpace(s) == "" {
		return tls.VersionTLS12, tls.VersionTLS13, nil
	}
	for _, tok := range strings.Fields(s) {
		found := false
		for _, v := range tlsVersions {
			if strings.EqualFold(tok, v.name) {
				found = true
				if lo == 0 || v.v < lo {
					lo = v.v
				}
				hi = max(hi, v.v)
			}
		}
		if !found {
			return 0, 0, fmt.Errorf("tls-protocols %q: use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'", s)
		}
	}
	return lo, hi, nil
}

// openSSLCiphers maps OpenSSL's names of TLS 1.2 suites to Go's.
var openSSLCiphers = map[string]uint16{
	"ECDHE-ECDSA-AES128-GCM-SHA256": tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-RSA-AES128-GCM-SHA256":   tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-ECDSA-AES256-GCM-SHA384": tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-RSA-AES256-GCM-SHA384":   tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-ECDSA-CHACHA20-POLY1305": tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-RSA-CHACHA20-POLY1305":   tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-ECDSA-AES128-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	"ECDHE-RSA-AES128-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	"ECDHE-ECDSA-AES256-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	"ECDHE-RSA-AES256-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	"AES128-GCM-SHA256":             tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	"AES256-GCM-SHA384":             tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
}

// parseTLSCiphers parses tls-ciphers: a ':'-separated list of OpenSSL suite
// names (nil: Go's defaults). OpenSSL's cipher-string operators (HIGH,
// !aNULL...) are not supported.
func parseTLSCiphers(s string) ([]uint16, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []uint16
	for _, name := range strings.Split(s, ":") {
		id, ok := openSSLCiphers[strings.ToUpper(strings.TrimSpace(name))]
		if !ok {
			return nil, fmt.Errorf("tls-ciphers: unsupported cipher %q (supported: %s)", name, strings.Join(sortedKeys(openSSLCiphers), ", "))
		}
		out = append(out, id)
	}
	return out, nil
}

// tls13Suites are the TLS 1.3 suites tls-ciphersuites may name.
var tls13Suites = map[string]uint16{
	"TLS_AES_128_GCM_SHA256":       tls.TLS_AES_128_GCM_SHA256,
	"TLS_AES_256_GCM_SHA384":       tls.TLS_AES_256_GCM_SHA384,
	"TLS_CHACHA20_POLY1305_SHA256": tls.TLS_CHACHA20_POLY1305_SHA256,
}

func checkTLSCipherSuites(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	for _, name := range strings.Split(s, ":") {
		if _, ok := tls13Suites[strings.ToUpper(strings.TrimSpace(name))]; !ok {
			return fmt.Errorf("tls-ciphersuites: unknown TLS 1.3 suite %q", name)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// EnableTLS checks st and makes it the configuration ServeTLS listeners use.
func (s *Server) EnableTLS(st TLSSettings) error {
	cfg, err := BuildTLSConfig(st)
	if err != nil {
		return err
	}
	s.tls.mu.Lock()
	defer s.tls.mu.Unlock()
	s.tls.settings, s.tls.cur, s.tls.enabled = st, cfg, true
	return nil
}

// ReloadTLS reads the certificate, key and CA files again (SIGHUP): new
// connections use them; a failure keeps the configuration in force.
func (s *Server) ReloadTLS() error {
	s.tls.mu.Lock()
	defer s.tls.mu.Unlock()
	if !s.tls.enabled {
		return nil
	}
	cfg, err := BuildTLSConfig(s.tls.settings)
	if err != nil {
		return err
	}
	s.tls.cur = cfg
	return nil
}

// TLSEnabled reports whether EnableTLS was called.
func (s *Server) TLSEnabled() bool {
	s.tls.mu.Lock()
	defer s.tls.mu.Unlock()
	return s.tls.enabled
}

func (s *Server) currentTLS() *tls.Config {
	s.tls.mu.Lock()
	defer s.tls.mu.Unlock()
	return s.tls.cur
}

// ServeTLS serves ln like Serve, with TLS on every connection (EnableTLS
// must have been called).
func (s *Server) ServeTLS(ln net.Listener) error {
	if s.currentTLS() == nil {
		ln.Close()
		return errors.New("resp: ServeTLS before EnableTLS")
	}
	s.tls.mu.Lock()
	if a, ok := ln.Addr().(*net.TCPAddr); ok && s.tls.settings.Port == 0 {
		s.tls.settings.Port = a.Port
	}
	s.tls.mu.Unlock()
	return s.Serve(&tlsListener{Listener: ln, s: s})
}

// tlsListener wraps accepted connections in TLS with the configuration in
// force at accept time.
type tlsListener struct {
	net.Listener
	s *Server
}

func (l *tlsListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &tlsConn{Conn: tls.Server(nc, l.s.currentTLS())}, nil
}

// tlsConn completes the handshake within tlsHandshakeTimeout on the first
// Read or Write (on the connection's own goroutine, not the accept loop).
type tlsConn struct {
	*tls.Conn
	once sync.Once
	err  error
}

func (c *tlsConn) handshake(timeout time.Duration) error {
	c.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		c.err = c.Conn.HandshakeContext(ctx)
	})
	return c.err
}

func (c *tlsConn) Read(b []byte) (int, error) {
	if err := c.handshake(tlsHandshakeTimeout); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

// Write before any Read happens only when the accept loop refuses a client
// beyond maxclients: the handshake gets a second at most there, so that a
// silent client cannot stall the accept loop.
func (c *tlsConn) Write(b []byte) (int, error) {
	if err := c.handshake(tlsRefuseHandshakeTimeout); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// tlsField is one string tls-* CONFIG parameter: its settings field and
// the value CONFIG GET shows while the field is empty (Redis's default).
type tlsField struct {
	name, def string
	field     func(*TLSSettings) *string
}

// tlsFields are the tls-* parameters CONFIG SET may change. Setting any of
// them rebuilds the TLS configuration once, after every value of the
// command is checked (configTLS).
var tlsFields = []tlsField{
	{"tls-auth-clients", "yes", func(t *TLSSettings) *string { return &t.AuthClients }},
	{"tls-ca-cert-file", "", func(t *TLSSettings) *string { return &t.CAFile }},
	{"tls-cert-file", "", func(t *TLSSettings) *string { return &t.CertFile }},
	{"tls-ciphers", "", func(t *TLSSettings) *string { return &t.Ciphers }},
	{"tls-ciphersuites", "", func(t *TLSSettings) *string { return &t.CipherSuites }},
	{"tls-key-file", "", func(t *TLSSettings) *string { return &t.KeyFile }},
	{"tls-protocols", "", func(t *TLSSettings) *string { return &t.Protocols }},
}

// tlsSetting finds a tls-* parameter's settings field by name.
var tlsSetting = map[string]func(*TLSSettings) *string{}

func init() {
	for _, f := range tlsFields {
		tlsSetting[f.name] = f.field
		parse := parseTLSNoop
		if f.name == "tls-auth-clients" {
			parse = parseTLSEnum
		}
		configParams = append(configParams, configParam{name: f.name, get: tlsGet(f), parse: parse})
	}
	// tls-port is the listener's: fixed at start (docs/known-differences.md).
	configParams = append(configParams, configParam{name: "tls-port", get: func(s *Server) string {
		s.tls.mu.Lock()
		defer s.tls.mu.Unlock()
		return strconv.Itoa(s.tls.settings.Port)
	}})
	sort.SliceStable(configParams, func(i, j int) bool { return configParams[i].name < configParams[j].name })
}

func tlsGet(f tlsField) func(*Server) string {
	return func(s *Server) string {
		s.tls.mu.Lock()
		defer s.tls.mu.Unlock()
		if v := *f.field(&s.tls.settings); v != "" {
			return v
		}
		return f.def
	}
}

// parseTLSNoop accepts any string: configTLS checks the whole configuration.
func parseTLSNoop(*Server, string) (func(), string) { return func() {}, "" }

func parseTLSEnum(_ *Server, v string) (func(), string) {
	switch strings.ToLower(v) {
	case "yes", "no", "optional":
		return func() {}, ""
	}
	return nil, "argument(s) must be one of the following: no, yes, optional"
}

// configTLS checks the tls-* parameters among a validated CONFIG SET: it
// builds the new configuration from all of them at once (so a certificate
// and its key can change together) and returns the function that swaps it
// in, or Redis's error reply (then nothing may be applied).
func (c *conn) configTLS(params []*configParam, args [][]byte) (commit func(), errText string) {
	s := c.srv
	s.tls.mu.Lock()
	st := s.tls.settings
	enabled := s.tls.enabled
	s.tls.mu.Unlock()
	touched := ""
	for i, p := range params {
		field, ok := tlsSetting[p.name]
		if !ok {
			continue
		}
		v := string(args[3+2*i])
		if p.name == "tls-auth-clients" {
			v = strings.ToLower(v)
		}
		*field(&st) = v
		if touched == "" {
			touched = p.name
		}
	}
	if touched == "" {
		return func() {}, ""
	}
	var cfg *tls.Config
	if enabled {
		// Rebuilt even when no value changed: CONFIG SET tls-cert-file
		// with the same path reloads the files, as in Redis.
		var err error
		if cfg, err = BuildTLSConfig(st); err != nil {
			s.log.Warn("resp: CONFIG SET: TLS configuration refused", "err", err)
			return nil, "ERR CONFIG SET failed (possibly related to argument '" + touched + "') - " + errTextTLSUpdate
		}
	}
	return func() {
		s.tls.mu.Lock()
		defer s.tls.mu.Unlock()
		// Without a TLS listener the values are only stored, as Redis
		// does while tls-port is 0.
		s.tls.settings.CertFile, s.tls.settings.KeyFile, s.tls.settings.CAFile = st.CertFile, st.KeyFile, st.CAFile
		s.tls.settings.AuthClients, s.tls.settings.Protocols = st.AuthClients, st.Protocols
		s.tls.settings.Ciphers, s.tls.settings.CipherSuites = st.Ciphers, st.CipherSuites
		if cfg != nil {
			s.tls.cur = cfg
		}
	}, ""
}
