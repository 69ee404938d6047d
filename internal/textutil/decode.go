package textutil

import (
	"bytes"
	"errors"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
)

// ErrEncoding is text in none of the encodings DecodeText knows.
var ErrEncoding = errors.New("textutil: unknown text encoding")

// DecodeText turns the bytes of a text file people export from Chinese
// software (online banking, spreadsheets) into UTF-8: UTF-8 with or without
// a byte-order mark, UTF-16 with one, else GB18030 (a superset of GBK and
// GB2312).
func DecodeText(b []byte) (string, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		out, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewDecoder().Bytes(b)
		if err != nil {
			return "", ErrEncoding
		}
		return string(out), nil
	}
	if utf8.Valid(b) {
		return string(b), nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil || !utf8.Valid(out) {
		return "", ErrEncoding
	}
	return string(out), nil
}
