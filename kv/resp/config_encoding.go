package resp

import (
	"strings"

	"redraft/kv"
)

// The encoding thresholds (hash-max-listpack-entries and the like, see
// kv/encoding.go) are replicated state, not per-node settings: CONFIG SET
// of any of them sends one redraft.config-encoding command through the
// executor (the log, on a replicated node), before the other parameters of
// the same CONFIG SET are applied, so every replica converts values at the
// same command. CONFIG GET reads them from the executor's machine when it
// can (EncodingConfig), so every node reports the values in effect.

// EncodingConfig is implemented by executors whose machine holds the
// encoding thresholds (kv.Machine.EncodingParam), read without a barrier.
type EncodingConfig interface {
	EncodingParam(name string) (int64, bool)
}

// encodingParam returns the value in effect of an encoding parameter, ok
// false when the executor cannot tell or name is another parameter.
func (s *Server) encodingParam(name string) (string, bool) {
	ec, ok := s.exec.(EncodingConfig)
	if !ok || !kv.IsEncodingParam(name) {
		return "", false
	}
	v, ok := ec.EncodingParam(name)
	if !ok {
		return "", false
	}
	return formatInt(v), true
}

// configEncoding sends the encoding parameters among a validated CONFIG
// SET's to the machine; it returns the error text when that failed (then
// nothing of the CONFIG SET is applied).
func (c *conn) configEncoding(params []*configParam, args [][]byte) string {
	cmd := [][]byte{[]byte("redraft.config-encoding")}
	for i, p := range params {
		if !kv.IsEncodingParam(p.name) {
			continue
		}
		sp := storedParamNamed(p.name)
		if sp == nil {
			continue
		}
		norm, errText := sp.check(string(args[3+2*i]))
		if errText != "" {
			return "ERR CONFIG SET failed (possibly related to argument '" + p.name + "') - " + errText
		}
		cmd = append(cmd, []byte(sp.name), []byte(norm))
	}
	if len(cmd) == 1 {
		return ""
	}
	w := kv.NewWriter(nil, 2)
	c.srv.exec.Execute(c.srv.ctx, []*kv.Cmd{{Args: cmd, Proto: 2, DB: c.db}}, w)
	if b := w.Bytes(); len(b) > 0 && b[0] == '-' {
		return strings.TrimRight(string(b[1:]), "\r\n")
	}
	return ""
}

// storedParamNamed finds a stored parameter by its name or old alias.
func storedParamNamed(name string) *storedParam {
	for i := range storedParams {
		if storedParams[i].name == name || storedParams[i].alias == name {
			return &storedParams[i]
		}
	}
	return nil
}

// txConfigEncoding returns the redraft.config-encoding command that a
// CONFIG SET queued in MULTI becomes inside the transaction, when it sets
// only encoding thresholds to valid values; nil otherwise (it then runs at
// the edge after the transaction, with its own error if any).
func txConfigEncoding(spec *kv.Spec, args [][]byte) [][]byte {
	if spec.Name != "config" || len(args) < 4 || len(args)%2 != 0 || !kv.EqualFold(args[1], "SET") {
		return nil
	}
	cmd := [][]byte{[]byte("redraft.config-encoding")}
	seen := map[string]bool{}
	for i := 2; i+1 < len(args); i += 2 {
		name := strings.ToLower(string(args[i]))
		sp := storedParamNamed(name)
		if !kv.IsEncodingParam(name) || sp == nil || seen[sp.name] {
			return nil
		}
		seen[sp.name] = true
		norm, errText := sp.check(string(args[i+1]))
		if errText != "" {
			return nil
		}
		cmd = append(cmd, []byte(sp.name), []byte(norm))
	}
	return cmd
}
