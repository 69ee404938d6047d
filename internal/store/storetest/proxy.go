package storetest

import (
	"bytes"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy is a loopback TCP proxy in front of the PostgreSQL server, so that a
// test can make the database unreachable at a moment of its choosing.
type Proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	conns   []net.Conn
	down    bool
	trigger []byte // cut right after forwarding client bytes that contain it
}

// NewProxy starts a proxy to the server of dsn and returns it with dsn
// rewritten to go through it. It stops when t ends.
func NewProxy(t testing.TB, dsn string) (*Proxy, string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: u.Host}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.Cut() })
	u.Host = ln.Addr().String()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	return p, u.String()
}

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go p.forward(s, c)
		go func() { _, _ = io.Copy(c, s); c.Close() }()
	}
}

// forward copies client bytes to the server, watching for the trigger.
func (p *Proxy) forward(server, client net.Conn) {
	defer server.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			if _, werr := server.Write(buf[:n]); werr != nil {
				return
			}
			p.mu.Lock()
			hit := p.trigger != nil && bytes.Contains(buf[:n], p.trigger)
			if hit {
				p.trigger = nil
			}
			p.mu.Unlock()
			if hit {
				p.Cut()
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// CutAfter arranges for the connection to be cut right after the client
// sends bytes containing text (a statement), so that the cut lands inside a
// transaction.
func (p *Proxy) CutAfter(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trigger = []byte(text)
}

// Cut closes every open connection and refuses new ones until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// Restore lets connections through again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}
