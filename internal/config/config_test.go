package config_test

import (
	"flag"
	"io"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/zhixing-court/zhixing/internal/config"
)

func load(t *testing.T, env map[string]string, args ...string) (config.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	build := config.Flags(fs, func(k string) string { return env[k] }, true)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return build()
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := config.Config{DB: filepath.Join("zhixing-data", "zhixing.db"), Addr: "127.0.0.1:8080", DataDir: "zhixing-data",
		LogLevel: slog.LevelInfo, SessionTTL: 12 * time.Hour, SessionIdle: 2 * time.Hour, Demo: true, JobWorkers: 4, SimTimeScale: 0.002}
	if diff := cmp.Diff(want, c, cmpopts.EquateComparable(netip.Prefix{})); diff != "" {
		t.Fatalf("defaults (-want +got):\n%s", diff)
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{"ZHIXING_ADDR": ":9000", "ZHIXING_DB": "/var/lib/a.db", "ZHIXING_LOG_LEVEL": "debug", "ZHIXING_DEMO": "false"}
	c, err := load(t, env, "--addr", "0.0.0.0:9100")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9100" || c.DB != "/var/lib/a.db" || c.LogLevel != slog.LevelDebug || c.Demo {
		t.Fatalf("config = %+v", c)
	}
	c, err = load(t, nil, "--db", "postgres://postgres@127.0.0.1:5432/zhixing")
	if err != nil || c.DB != "postgres://postgres@127.0.0.1:5432/zhixing" {
		t.Fatalf("postgres url: %+v, %v", c, err)
	}
}

func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"ZHIXING_TRUSTED_PROXIES": " 127.0.0.1, 10.1.2.3/8 ,::1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	if diff := cmp.Diff(want, c.TrustedProxies, cmpopts.EquateComparable(netip.Prefix{})); diff != "" {
		t.Fatalf("proxies (-want +got):\n%s", diff)
	}
}

func TestBadValuesNameTheVariable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		args []string
		name string
	}{
		{map[string]string{"ZHIXING_ADDR": "not-an-address"}, nil, "ZHIXING_ADDR"},
		{nil, []string{"--addr", "127.0.0.1:99999"}, "ZHIXING_ADDR"},
		{nil, []string{"--addr", "bad_host!:80"}, "ZHIXING_ADDR"},
		{map[string]string{"ZHIXING_LOG_LEVEL": "loud"}, nil, "ZHIXING_LOG_LEVEL"},
		{map[string]string{"ZHIXING_DB": "mysql://x/y"}, nil, "ZHIXING_DB"},
		{map[string]string{"ZHIXING_DB": "postgres://secret:pw@/"}, nil, "ZHIXING_DB"},
		{map[string]string{"ZHIXING_SESSION_TTL": "forever"}, nil, "ZHIXING_SESSION_TTL"},
		{map[string]string{"ZHIXING_SESSION_IDLE": "24h"}, nil, "ZHIXING_SESSION_IDLE"}, // longer than the 12h TTL
		{map[string]string{"ZHIXING_DEMO": "maybe"}, nil, "ZHIXING_DEMO"},
		{map[string]string{"ZHIXING_JOB_WORKERS": "0"}, nil, "ZHIXING_JOB_WORKERS"},
		{nil, []string{"--job-workers", "many"}, "ZHIXING_JOB_WORKERS"},
		{nil, []string{"--data-dir", " "}, "ZHIXING_DATA_DIR"},
		{map[string]string{"ZHIXING_TRUSTED_PROXIES": "10.0.0.0/8,nginx"}, nil, "ZHIXING_TRUSTED_PROXIES"},
	} {
		_, err := load(t, tc.env, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.name) || !strings.Contains(err.Error(), "配置错误") {
			t.Errorf("env %v args %v: err = %v, want a message naming %s", tc.env, tc.args, err, tc.name)
		}
		if err != nil && strings.Contains(err.Error(), "secret:pw") {
			t.Errorf("the message shows a password: %v", err)
		}
	}
}
