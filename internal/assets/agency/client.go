package agency

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Endpoint is how to reach one agency.
type Endpoint struct {
	Code   string // the agency's code
	Base   string // base URL: requests go to Base+"/requests"
	KeyID  string
	Secret []byte
}

// Client talks to agencies over HTTP.
type Client struct {
	HTTP *http.Client
	Now  func() time.Time
}

// NewClient returns a client whose requests time out after timeout.
func NewClient(timeout time.Duration) *Client {
	return &Client{HTTP: &http.Client{Timeout: timeout}, Now: time.Now}
}

// BusyError is an agency's 429 or 503: try again after RetryAfter.
type BusyError struct {
	Status     int
	RetryAfter time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("agency busy (HTTP %d), retry after %s", e.Status, e.RetryAfter)
}

// Send posts a batch and returns the acknowledgements, one per request.
func (c *Client) Send(ctx context.Context, ep Endpoint, reqs []Request) ([]Ack, error) {
	if len(reqs) > MaxBatch {
		return nil, fmt.Errorf("agency %s: batch of %d requests exceeds %d", ep.Code, len(reqs), MaxBatch)
	}
	body, err := json.Marshal(Batch{Requests: reqs})
	if err != nil {
		return nil, err
	}
	var out Acks
	if err := c.do(ctx, ep, http.MethodPost, ep.Base+"/requests", body, &out); err != nil {
		return nil, err
	}
	if len(out.Acks) != len(reqs) {
		return nil, fmt.Errorf("agency %s: %d acknowledgements for %d requests", ep.Code, len(out.Acks), len(reqs))
	}
	for i, a := range out.Acks {
		if a.ID != reqs[i].ID {
			return nil, fmt.Errorf("agency %s: acknowledgement %d is for %q, not %q", ep.Code, i, a.ID, reqs[i].ID)
		}
	}
	return out.Acks, nil
}

// Poll returns up to limit results produced after cursor.
func (c *Client) Poll(ctx context.Context, ep Endpoint, after int64, limit int) (Results, error) {
	q := url.Values{"after": {strconv.FormatInt(after, 10)}, "limit": {strconv.Itoa(limit)}}
	var out Results
	err := c.do(ctx, ep, http.MethodGet, ep.Base+"/results?"+q.Encode(), nil, &out)
	return out, err
}

func (c *Client) do(ctx context.Context, ep Endpoint, method, u string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	Sign(req.Header, ep.KeyID, ep.Secret, body, c.now())
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("agency %s: %w", ep.Code, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	if err != nil {
		return fmt.Errorf("agency %s: reading the answer: %w", ep.Code, err)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		return &BusyError{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("agency %s: HTTP %d: %s", ep.Code, resp.StatusCode, strings.TrimSpace(string(data[:min(len(data), 300)])))
	case len(data) > MaxBodyBytes:
		return fmt.Errorf("agency %s: answer larger than %d bytes", ep.Code, MaxBodyBytes)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("agency %s: malformed answer: %w", ep.Code, err)
	}
	return nil
}

func (c *Client) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

func retryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	return time.Second
}

// PostResults delivers results to a callback URL, signed; the agency side
// (and the simulator) uses it.
func PostResults(ctx context.Context, hc *http.Client, callbackURL, keyID string, secret []byte, rs []Result, now time.Time) error {
	body, err := json.Marshal(Results{Results: rs})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callbackURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	Sign(req.Header, keyID, secret, body, now)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("callback %s: HTTP %d", callbackURL, resp.StatusCode)
	}
	return nil
}
