package ratelimit_test

import (
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/zhixing-court/zhixing/internal/ratelimit"
)

func TestKeyed(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	k := ratelimit.New(rate.Every(time.Second), 3, func() time.Time { return now })
	for i := range 3 {
		if !k.Allow("10.0.0.1") {
			t.Fatalf("event %d of the burst refused", i+1)
		}
	}
	if k.Allow("10.0.0.1") {
		t.Fatal("a fourth event within the same instant allowed")
	}
	if !k.Allow("10.0.0.2") {
		t.Fatal("another key is limited by the first")
	}
	now = now.Add(time.Second)
	if !k.Allow("10.0.0.1") || k.Allow("10.0.0.1") {
		t.Fatal("one event a second after the burst")
	}
	inf := ratelimit.New(rate.Inf, 0, nil)
	for range 1000 {
		if !inf.Allow("x") {
			t.Fatal("an unlimited limiter refused")
		}
	}
}
