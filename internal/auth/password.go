package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/zhixing-court/zhixing/internal/apperr"
)

// HashParams are argon2id's cost parameters. They are stored in every hash, so
// raising them later does not invalidate old hashes; a hash with weaker
// parameters than the current ones is rehashed at the next successful login.
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultHashParams follow OWASP's argon2id recommendation (19 MiB, 2
// passes, 1 lane): about 30 ms on one core of the reference machine.
var DefaultHashParams = HashParams{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// HashPassword returns the PHC-format argon2id hash of pw:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>.
func HashPassword(pw string, p HashParams) string {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt) // never fails on supported platforms
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

var errBadHash = errors.New("auth: malformed password hash")

func parseHash(encoded string) (HashParams, []byte, []byte, error) {
	var p HashParams
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, errBadHash
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) == 0 {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}

// CheckPassword reports whether pw matches encoded, in constant time, and
// whether the hash's parameters are weaker than want (time to rehash).
func CheckPassword(pw, encoded string, want HashParams) (ok, weak bool) {
	p, salt, key, err := parseHash(encoded)
	if err != nil {
		return false, false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	weak = p.Memory < want.Memory || p.Time < want.Time
	return ok, weak
}

// CheckPasswordPolicy enforces the password rule: 8 to 128 characters with at
// least one letter and one digit.
func CheckPasswordPolicy(pw, field string) error {
	n := utf8.RuneCountInString(pw)
	var letter, digit bool
	for _, r := range pw {
		letter = letter || unicode.IsLetter(r)
		digit = digit || unicode.IsDigit(r)
	}
	if n < 8 || n > 128 || !letter || !digit {
		return apperr.InvalidField("weak_password", field, "密码须为 8 到 128 个字符，且同时包含字母和数字")
	}
	return nil
}

// GeneratePassword returns a random password that meets the policy: 12
// characters from an alphabet without look-alikes (no 0/O, 1/l/I).
func GeneratePassword() string {
	const letters = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
	const digits = "23456789"
	const all = letters + digits
	// Rejection sampling keeps every character equally likely.
	limit := byte(256 - 256%len(all))
	for {
		b := make([]byte, 0, 12)
		var r [1]byte
		for len(b) < 12 {
			_, _ = rand.Read(r[:])
			if r[0] < limit {
				b = append(b, all[int(r[0])%len(all)])
			}
		}
		pw := string(b)
		if CheckPasswordPolicy(pw, "") == nil {
			return pw
		}
	}
}
