package legal

// TransferOpensOn returns the first day a court enforcing a priority claim
// may ask the court holding the first seizure (首封) of an asset to hand it
// over (TERM-4, 法释〔2016〕6号 Art.1): the 首封 court must have held it more
// than waitDays days — counted from the day after the seizure took effect
// (PER-1) — without publishing an auction notice or starting 变卖.
func TransferOpensOn(seized Date, waitDays int) Date {
	return seized.AddDays(waitDays + 1)
}
