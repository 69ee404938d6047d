package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/sim/agencies"
)

// SimKeyID names the key shared with the agency simulator.
const SimKeyID = "sim"

// SimSecretFile is the file, in the data directory, holding the key shared
// with the agency simulator; "zhixing sim agencies --secret-file" reads the
// same file.
const SimSecretFile = "agency-sim.key"

// ReadOrCreateSecret returns the hex secret in path, creating the file with
// 32 random bytes (mode 0600) when it does not exist.
func ReadOrCreateSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		s, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(s) < 16 {
			return nil, fmt.Errorf("密钥文件 %s 内容无效（应为至少 32 位十六进制）", path)
		}
		return s, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	s := make([]byte, 32)
	if _, err := rand.Read(s); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(s)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("无法写入密钥文件 %s：%w", path, err)
	}
	return s, nil
}

// AgencyKey is the key shared with the agency simulator, loaded (or made)
// once from the data directory.
func (a *App) AgencyKey() (assets.SimKey, error) {
	if a.simKey.ID != "" {
		return a.simKey, nil
	}
	s, err := ReadOrCreateSecret(filepath.Join(a.Cfg.DataDir, SimSecretFile))
	if err != nil {
		return assets.SimKey{}, err
	}
	a.simKey = assets.SimKey{ID: SimKeyID, Secret: s}
	return a.simKey, nil
}

// startAssets starts the 查控 dispatcher and, unless an external connector
// is configured, the agency simulator inside the server on a loopback port.
// The returned function stops both and waits for them.
func (a *App) startAssets(ctx context.Context, callbackBase string) (stop func(), err error) {
	key, err := a.AgencyKey()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	simBase := a.Cfg.AgencyURL
	if simBase == "" {
		sim, err := agencies.New(agencies.Options{KeyID: key.ID, Secret: key.Secret, TimeScale: a.Cfg.SimTimeScale, Seed: 1,
			JournalPath: filepath.Join(a.Cfg.DataDir, "agency-sim.journal"), Log: a.log().With("component", "agency-sim")})
		if err != nil {
			cancel()
			return nil, fmt.Errorf("启动协执单位模拟器：%w", err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			cancel()
			_ = sim.Close()
			return nil, fmt.Errorf("启动协执单位模拟器：%w", err)
		}
		srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
		simBase = "http://" + ln.Addr().String()
		wg.Go(func() { _ = srv.Serve(ln) })
		wg.Go(func() { _ = sim.Run(ctx) })
		wg.Go(func() {
			<-ctx.Done()
			sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
			defer c()
			_ = srv.Shutdown(sctx)
		})
		defer func() {
			if err == nil {
				prev := stop
				stop = func() { prev(); _ = sim.Close() }
			}
		}()
		a.log().Info("agency simulator started", "url", simBase, "time_scale", a.Cfg.SimTimeScale)
	}
	d := assets.NewDispatcher(a.DB, assets.Config{SimBase: simBase, SimKeyID: key.ID, SimSecret: key.Secret,
		CallbackBase: callbackBase, Log: a.log().With("component", "asset-dispatcher")})
	wg.Go(func() { _ = d.Run(ctx) })
	return func() { cancel(); wg.Wait() }, nil
}
