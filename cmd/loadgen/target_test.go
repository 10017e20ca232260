package main

import (
	"errors"
	"slices"
	"testing"
)

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in      string
		scheme  string
		addrs   []string
		wantErr error
	}{
		{"redis://127.0.0.1:6381", "redis", []string{"127.0.0.1:6381"}, nil},
		{"etcd://127.0.0.1:1,127.0.0.1:2,127.0.0.1:3", "etcd", []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"}, nil},
		{"http://127.0.0.1:1", "", nil, errTargetScheme},
		{"127.0.0.1:1", "", nil, errTargetScheme},
		{"redis://127.0.0.1", "", nil, errTargetAddr},
		{"etcd://127.0.0.1:1,", "", nil, errTargetAddr},
	} {
		got, err := parseTarget(tc.in)
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("parseTarget(%q) error = %v, want %v", tc.in, err, tc.wantErr)
			continue
		}
		if got.scheme != tc.scheme || !slices.Equal(got.addrs, tc.addrs) {
			t.Errorf("parseTarget(%q) = %q %v, want %q %v", tc.in, got.scheme, got.addrs, tc.scheme, tc.addrs)
		}
	}
}

func TestInfoField(t *testing.T) {
	info := "node_id:n1\r\nrole:follower\r\nleader_id:n2\r\nleader_client_addr:127.0.0.1:6382\r\n"
	if got, want := infoField(info, "leader_client_addr"), "127.0.0.1:6382"; got != want {
		t.Errorf("infoField = %q, want %q", got, want)
	}
	if got := infoField(info, "leader"); got != "" {
		t.Errorf("infoField(leader) = %q, want empty (no prefix match)", got)
	}
}
