package agency

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Signature headers. X-Zhixing-Key names the shared key (so keys can be
// rotated); X-Zhixing-Signature is "t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<body>">".
const (
	HeaderKey       = "X-Zhixing-Key"
	HeaderSignature = "X-Zhixing-Signature"
)

// MaxSkew is how far a signature's timestamp may be from the receiver's
// clock: older messages are refused as replays.
const MaxSkew = 5 * time.Minute

// Sign sets the signature headers of a message with body.
func Sign(h http.Header, keyID string, secret []byte, body []byte, now time.Time) {
	t := strconv.FormatInt(now.Unix(), 10)
	h.Set(HeaderKey, keyID)
	h.Set(HeaderSignature, "t="+t+",v1="+mac(secret, t, body))
}

func mac(secret []byte, t string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(t))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// ErrSignature is returned by Verify for a missing, malformed, stale or
// wrong signature.
var ErrSignature = errors.New("agency: bad signature")

// Verify checks the signature headers of a message with body. secretFor
// returns the secret of a key id (false when unknown).
func Verify(h http.Header, body []byte, now time.Time, secretFor func(keyID string) ([]byte, bool)) (keyID string, err error) {
	keyID = h.Get(HeaderKey)
	secret, ok := secretFor(keyID)
	if keyID == "" || !ok {
		return keyID, fmt.Errorf("%w: unknown key %q", ErrSignature, keyID)
	}
	var t, v1 string
	for part := range strings.SplitSeq(h.Get(HeaderSignature), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			t = v
		case "v1":
			v1 = v
		}
	}
	sec, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v1 == "" {
		return keyID, fmt.Errorf("%w: malformed %s", ErrSignature, HeaderSignature)
	}
	if skew := now.Sub(time.Unix(sec, 0)); skew > MaxSkew || skew < -MaxSkew {
		return keyID, fmt.Errorf("%w: timestamp %s too far from now", ErrSignature, time.Unix(sec, 0).UTC().Format(time.RFC3339))
	}
	if !hmac.Equal([]byte(v1), []byte(mac(secret, t, body))) {
		return keyID, fmt.Errorf("%w: mismatch", ErrSignature)
	}
	return keyID, nil
}
