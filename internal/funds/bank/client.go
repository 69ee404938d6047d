package bank

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/legal"
)

// HTTPClient is the Client that talks to the bank (or its simulator) over
// HTTP, signing every request with the key the two sides share.
type HTTPClient struct {
	Base   string // the bank's base URL: requests go to Base+PathInstructions…
	KeyID  string
	Secret []byte
	HTTP   *http.Client
	Now    func() time.Time
}

var _ Client = (*HTTPClient)(nil)

// NewHTTPClient returns a client of the bank at base whose requests time
// out after timeout (a context's deadline, when earlier, wins).
func NewHTTPClient(base, keyID string, secret []byte, timeout time.Duration) *HTTPClient {
	return &HTTPClient{Base: strings.TrimRight(base, "/"), KeyID: keyID, Secret: secret,
		HTTP: &http.Client{Timeout: timeout}, Now: time.Now}
}

// BusyError is the bank's 429 or 503: nothing was done; try again after
// RetryAfter.
type BusyError struct {
	Status     int
	RetryAfter time.Duration
	Message    string // the bank's message, when it gave one
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("bank busy (HTTP %d), retry after %s", e.Status, e.RetryAfter)
}

// StatusError is any other answer than 200, 429 and 503. After a 500 (or
// no answer at all) the sender cannot know what was taken: it sends the same
// references again and gets duplicates for those that were.
type StatusError struct {
	Status  int
	Message string // the bank's message (Chinese), when it gave one
}

func (e *StatusError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("bank: HTTP %d", e.Status)
	}
	return fmt.Sprintf("bank: HTTP %d: %s", e.Status, e.Message)
}

// Send posts a batch of at most MaxBatch instructions and returns the
// acknowledgements, one per instruction, in order. An empty batch sends
// nothing.
func (c *HTTPClient) Send(ctx context.Context, batch []Instruction) ([]Ack, error) {
	if len(batch) > MaxBatch {
		return nil, fmt.Errorf("bank: batch of %d instructions exceeds %d", len(batch), MaxBatch)
	}
	if len(batch) == 0 {
		return []Ack{}, nil
	}
	body, err := json.Marshal(Batch{Instructions: batch})
	if err != nil {
		return nil, err
	}
	var out Acks
	if err := c.do(ctx, http.MethodPost, PathInstructions, body, &out); err != nil {
		return nil, err
	}
	if len(out.Acks) != len(batch) {
		return nil, fmt.Errorf("bank: %d acknowledgements for %d instructions", len(out.Acks), len(batch))
	}
	for i, a := range out.Acks {
		if a.Ref != batch[i].Ref {
			return nil, fmt.Errorf("bank: acknowledgement %d is for %q, not %q", i, a.Ref, batch[i].Ref)
		}
		if !a.Status.Valid() {
			return nil, fmt.Errorf("bank: acknowledgement %d has status %q", i, a.Status)
		}
	}
	return out.Acks, nil
}

// Results returns up to limit results after the cursor (0: from the
// beginning; limit 0: PollDefault). The page's Next is the cursor to ask
// from next time.
func (c *HTTPClient) Results(ctx context.Context, after int64, limit int) (Results, error) {
	if after < 0 || limit < 0 {
		return Results{}, fmt.Errorf("bank: results after %d limit %d: both must be ≥ 0", after, limit)
	}
	q := url.Values{"after": {strconv.FormatInt(after, 10)}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out Results
	if err := c.do(ctx, http.MethodGet, PathResults+"?"+q.Encode(), nil, &out); err != nil {
		return Results{}, err
	}
	// A cursor that went wrong would lose or repeat results: refuse the page.
	last := after
	for i, r := range out.Results {
		if r.Seq <= last {
			return Results{}, fmt.Errorf("bank: result %d has seq %d after %d", i, r.Seq, last)
		}
		if r.Ref == "" || !r.Status.Valid() {
			return Results{}, fmt.Errorf("bank: result seq %d: ref %q, status %q", r.Seq, r.Ref, r.Status)
		}
		last = r.Seq
	}
	if out.Next < last {
		return Results{}, fmt.Errorf("bank: next cursor %d before the last result %d", out.Next, last)
	}
	if out.Results == nil {
		out.Results = []Result{}
	}
	return out, nil
}

// Statement returns the statement of account for date (YYYY-MM-DD, Asia/
// Shanghai). Today's is provisional: the lines booked so far. The caller
// checks its balances with Statement.Check before reconciling against it.
func (c *HTTPClient) Statement(ctx context.Context, account string, date string) (Statement, error) {
	if strings.TrimSpace(account) == "" {
		return Statement{}, errors.New("bank: statement: no account")
	}
	d, err := legal.ParseDate(date)
	if err != nil {
		return Statement{}, fmt.Errorf("bank: statement date %q: %w", date, err)
	}
	q := url.Values{"account": {account}, "date": {d.String()}}
	var out Statement
	if err := c.do(ctx, http.MethodGet, PathStatement+"?"+q.Encode(), nil, &out); err != nil {
		return Statement{}, err
	}
	if out.Account != account || out.Date != d.String() {
		return Statement{}, fmt.Errorf("bank: asked for the statement of %s on %s, got %s on %s", account, d, out.Account, out.Date)
	}
	if out.Lines == nil {
		out.Lines = []Line{}
	}
	return out, nil
}

func (c *HTTPClient) do(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	agency.Sign(req.Header, c.KeyID, c.Secret, body, c.now())
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("bank: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	if err != nil {
		return fmt.Errorf("bank: reading the answer: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		return &BusyError{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), c.now()), Message: message(data)}
	case resp.StatusCode != http.StatusOK:
		return &StatusError{Status: resp.StatusCode, Message: message(data)}
	case len(data) > MaxBodyBytes:
		return fmt.Errorf("bank: answer larger than %d bytes", MaxBodyBytes)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("bank: malformed answer: %w", err)
	}
	return nil
}

func (c *HTTPClient) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// message is the text of an error answer: {"error": "…"}, or the body's
// beginning.
func message(data []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		return e.Error
	}
	s := strings.TrimSpace(string(data))
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200])
	}
	return s
}

// retryAfter reads Retry-After: seconds or an HTTP date; 1 s when absent
// or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return time.Second
}
