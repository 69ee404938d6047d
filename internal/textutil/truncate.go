package textutil

// Truncate cuts s to at most n characters (runes), so a cut never splits a
// Chinese character; it is how free text is bounded before it is stored.
func Truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// Abbrev is Truncate with an ellipsis after a cut: for quoting someone's
// input back to them in a message.
func Abbrev(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
