package docs

import (
	"strings"
)

// Attachment is the Content-Disposition of a download named name: the
// name in UTF-8 as RFC 5987 / RFC 6266 have it, so a browser saves
// 周通报_三水法院_2026-04-06_2026-04-12.xlsx under that name, and fallback
// (name when empty; any character outside printable ASCII as "_") for
// clients that read only the plain filename.
func Attachment(name, fallback string) string {
	if fallback == "" {
		fallback = name
	}
	var ascii, ext strings.Builder
	for _, r := range fallback {
		if r >= 0x20 && r < 0x7f && r != '"' && r != '\\' {
			ascii.WriteRune(r)
		} else {
			ascii.WriteByte('_')
		}
	}
	const hex = "0123456789ABCDEF"
	for _, c := range []byte(name) {
		if attrChar(c) {
			ext.WriteByte(c)
		} else {
			ext.WriteByte('%')
			ext.WriteByte(hex[c>>4])
			ext.WriteByte(hex[c&15])
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}

// attrChar reports whether c may stand for itself in an RFC 5987 value.
func attrChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
