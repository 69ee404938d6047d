// Package browsertest drives headless Chromium (Debian's chromium package)
// through chromedp for the browser tests. Without a browser the tests skip,
// except under CI=true, where a missing browser is a failure: .ci/run installs
// it.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// EnvChromium names the variable that may point at the browser.
const EnvChromium = "ZHIXING_CHROMIUM"

// Path finds the browser: $ZHIXING_CHROMIUM, then chromium or
// chromium-browser on the PATH.
func Path() string {
	if p := os.Getenv(EnvChromium); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless browser for t and returns its context. Run actions
// under a context derived with Step, which bounds them in time; the browser
// itself lives until t ends.
func New(t *testing.T) context.Context {
	t.Helper()
	path := Path()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but no Chromium found (install Debian's chromium, or set %s)", EnvChromium)
		}
		t.Skip("no Chromium: install Debian's chromium to run the browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, // the tests may run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// Start the browser now (the first call must have no deadline: the
	// browser lives as long as its context), so a broken installation fails
	// here.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// Step returns a context for a run of actions, bounded by timeout.
func Step(t *testing.T, ctx context.Context, timeout time.Duration) context.Context {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel)
	return step
}
