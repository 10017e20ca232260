package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"redraft/kv/resp"
)

// kv serve --config FILE: a configuration file in redis.conf syntax
// (docs/operations.md). Its directives are the flags of kv serve (without
// the dashes) and the parameters of CONFIG GET/SET. A flag given on the
// command line overrides the file; the other flags take the file's value.
// The runtime parameters that are not flags are applied once the RESP
// server exists, as CONFIG SET would apply them; CONFIG REWRITE writes the
// file back (kv/resp/config_file.go).

// confFlags is the --config flag and what was read from the file.
type confFlags struct {
	path string
	// runtime are the file's directives that are CONFIG parameters and
	// not flags, applied by applyRuntime.
	runtime []resp.ConfigLine
}

func (f *confFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.path, "config", "", "read directives from this redis.conf-style `FILE` (flag names and CONFIG parameters; command-line flags win; CONFIG REWRITE writes it back)")
}

// load reads the file and sets every flag it names that the command line
// did not set.
func (f *confFlags) load(fs *flag.FlagSet) error {
	if f.path == "" {
		return nil
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return usageError{fmt.Sprintf("kv serve: --config: %v", err)}
	}
	lines, err := resp.ParseConfigFile(data)
	if err != nil {
		return usageError{fmt.Sprintf("kv serve: --config %s: %v", f.path, err)}
	}
	onCommandLine := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { onCommandLine[fl.Name] = true })
	for _, l := range lines {
		bad := func(why string) error {
			return usageError{fmt.Sprintf("kv serve: --config %s: line %d: %s", f.path, l.Line, why)}
		}
		fl := fs.Lookup(l.Name)
		switch {
		case l.Name == "config":
			return bad("'config' cannot be set from the configuration file")
		case fl != nil:
			if onCommandLine[l.Name] {
				continue
			}
			v := l.Value()
			if isBoolFlag(fl) {
				switch strings.ToLower(v) {
				case "yes":
					v = "true"
				case "no":
					v = "false"
				}
			}
			if err := fs.Set(l.Name, v); err != nil {
				return bad(fmt.Sprintf("%s %q: %v", l.Name, v, err))
			}
		case resp.IsConfigParam(l.Name):
			f.runtime = append(f.runtime, l)
		default:
			return bad(fmt.Sprintf("Bad directive or wrong number of arguments: '%s'", l.Name))
		}
	}
	return nil
}

func isBoolFlag(fl *flag.Flag) bool {
	b, ok := fl.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// isStartupDirective reports the directives CONFIG REWRITE keeps as
// written: the flags of kv serve.
func isStartupDirective(name string) bool {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	var f serveFlags
	f.edge.register(fs)
	f.node.register(fs)
	f.diag.register(fs)
	f.conf.register(fs)
	return fs.Lookup(name) != nil
}

// applyRuntime applies the file's runtime parameters to srv and enables
// CONFIG REWRITE. On a replicated node the cluster-wide parameters are
// not applied (they are replicated state: CONFIG SET on any node sets
// them for the whole cluster) and REWRITE leaves them out.
func (f *confFlags) applyRuntime(srv *resp.Server, replicated bool, log *slog.Logger) error {
	if f.path == "" {
		return nil
	}
	for _, l := range f.runtime {
		if replicated && resp.IsClusterWide(l.Name) {
			log.Warn("kv: cluster-wide parameter in the configuration file ignored; set it with CONFIG SET on any node",
				"file", f.path, "line", l.Line, "name", l.Name)
			continue
		}
		if err := srv.SetConfig(l.Name, l.Value()); err != nil {
			return usageError{fmt.Sprintf("kv serve: --config %s: line %d: %v", f.path, l.Line, err)}
		}
	}
	srv.SetConfigFile(resp.ConfigFileOptions{Path: f.path, StartupDirective: isStartupDirective, SkipClusterWide: replicated})
	return nil
}
