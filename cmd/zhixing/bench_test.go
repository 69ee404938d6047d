package main

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestBenchInquiry runs `zhixing bench inquiry` small at two sizes: it
// prints the tables, exits 0 when every request was answered once, and
// leaves no scratch database behind.
func TestBenchInquiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	zhixing(t, ctx, "", nil, "bench", "inquiry", "--data-dir", dir, "--cases", "10,20", "--unlimited", "--series").
		must(t, exitOK, "P4 网络查控基准：SQLite", "| sqlite | 10 | 2", "| sqlite | 20 | 5", "| second | sent |", "| none |")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "bench-") {
			t.Errorf("scratch database %s left behind", e.Name())
		}
	}
	zhixing(t, ctx, "", nil, "bench", "inquiry", "--data-dir", dir, "--cases", "ten").must(t, exitUsage, "bench inquiry")
	zhixing(t, ctx, "", nil, "bench", "inquire").must(t, exitUsage, "bench inquiry")
}
