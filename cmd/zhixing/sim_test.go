package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/funds/bank"
)

func TestSimUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	zhixing(t, ctx, "", nil, "sim").must(t, exitUsage, "zhixing sim agencies", "zhixing sim bank")
	zhixing(t, ctx, "", nil, "sim", "court").must(t, exitUsage, "zhixing sim bank")
	zhixing(t, ctx, "", nil, "sim", "bank", "--time-scale", "-1").must(t, exitUsage, "--time-scale")
	zhixing(t, ctx, "", nil, "sim", "bank", "--opening", "lots").must(t, exitUsage, "--opening")
	zhixing(t, ctx, "", nil, "sim", "bank", "--key-id", " ").must(t, exitUsage, "--key-id")
	zhixing(t, ctx, "", nil, "sim", "bank", "stray").must(t, exitUsage, "多余的参数")
}

// lineWriter is a stdout that a test can wait on: it signals each line.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
	part  []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	w.part = append(w.part, p...)
	for {
		i := bytes.IndexByte(w.part, '\n')
		if i < 0 {
			break
		}
		select {
		case w.lines <- string(w.part[:i]):
		default:
		}
		w.part = w.part[i+1:]
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestSimBankServes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"ZHIXING_DATA_DIR": dir}
	out := &lineWriter{lines: make(chan string, 100)}
	var errOut bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"sim", "bank", "--addr", "127.0.0.1:0", "--time-scale", "0", "--opening", "1,000"},
			strings.NewReader(""), out, &errOut, func(k string) string { return env[k] })
	}()
	var base string
	timeout := time.After(10 * time.Second)
	for base == "" {
		select {
		case l := <-out.lines:
			if m := regexp.MustCompile(`监听 (http://\S+)`).FindStringSubmatch(l); m != nil {
				base = m[1]
			}
		case c := <-code:
			t.Fatalf("exited %d: %s %s", c, out.String(), errOut.String())
		case <-timeout:
			t.Fatalf("no banner: %s", out.String())
		}
	}
	keyHex, err := os.ReadFile(filepath.Join(dir, "bank-sim.key"))
	if err != nil {
		t.Fatal(err)
	}
	secret, err := hex.DecodeString(strings.TrimSpace(string(keyHex)))
	if err != nil {
		t.Fatal(err)
	}
	c := bank.NewHTTPClient(base, "sim", secret, 10*time.Second)
	in := bank.Instruction{Ref: "smoke-1", Account: "44060401040012345", PayeeName: "李四", PayeeAccount: "6222021234567890123", AmountFen: 100}
	acks, err := c.Send(ctx, []bank.Instruction{in})
	if err != nil || acks[0].Status != bank.AckAccepted {
		t.Fatalf("send: %+v %v", acks, err)
	}
	if acks, err := c.Send(ctx, []bank.Instruction{in}); err != nil || acks[0].Status != bank.AckDuplicate {
		t.Fatalf("resend: %+v %v", acks, err)
	}
	cancel()
	if c := <-code; c != exitOK {
		t.Fatalf("exit %d: %s", c, errOut.String())
	}
	for _, want := range []string{"执行款专户银行模拟器已启动", "期初余额 ¥1,000.00", "/v1/instructions", "专户银行模拟器已停止：本次受理指令 1 条（重复 1 条"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bank-sim.journal")); err != nil {
		t.Errorf("journal: %v", err)
	}
}
