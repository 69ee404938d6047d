package agency

import (
	"embed"
	"fmt"
	"strconv"
	"strings"

	"github.com/zhixing-court/zhixing/internal/csvdata"
)

// Channel is how zhixing reaches an agency.
type Channel string

const (
	// ChannelZDZ is 总对总: the SPC's national link, one connector for
	// every court.
	ChannelZDZ Channel = "zdz"
	// ChannelDDD is 点对点: a local line to an agency of the court's region.
	ChannelDDD Channel = "ddd"
	// ChannelPortal is the agency portal: the agency's operator signs in to
	// zhixing, sees the requests addressed to the agency and records their
	// results by hand (S8).
	ChannelPortal Channel = "portal"
)

// Label is the channel's Chinese name.
func (c Channel) Label() string {
	switch c {
	case ChannelZDZ:
		return "总对总"
	case ChannelDDD:
		return "点对点"
	case ChannelPortal:
		return "协执门户"
	}
	return string(c)
}

// Entry is an agency of the directory zhixing is seeded with: every agency
// the simulator plays.
type Entry struct {
	Since   int
	Code    string
	Name    string
	Kinds   []Kind
	Inquire bool // answers inquiries of its kinds
	Control bool // carries out controls of its kinds
	Channel Channel
	// Region is the code of the court area the agency serves (粤06: the courts
	// of 佛山); "" for a national agency.
	Region string
	// RatePerSec is zhixing's limit on messages to the agency (0: none, for
	// portal agencies).
	RatePerSec int
}

//go:embed seed/agencies.csv
var seedFS embed.FS

// Directory returns the agencies zhixing is seeded with.
func Directory() []Entry {
	rows, err := csvdata.Read(seedFS, "seed/agencies.csv")
	if err != nil {
		panic(err) // embedded at build time; TestDirectory reads it
	}
	out := make([]Entry, 0, len(rows))
	for _, r := range rows {
		e, err := entry(r)
		if err != nil {
			panic(fmt.Sprintf("agency directory: %s: %v", r["code"], err))
		}
		out = append(out, e)
	}
	return out
}

// DirectoryDigest identifies the directory's content (for seeding).
func DirectoryDigest() string { return csvdata.Digest(seedFS, "seed/agencies.csv") }

func entry(r csvdata.Row) (Entry, error) {
	e := Entry{Since: r.Since(), Code: r["code"], Name: r["name"], Channel: Channel(r["channel"]), Region: r["region"]}
	for k := range strings.FieldsSeq(r["kinds"]) {
		if !Kind(k).Valid() {
			return e, fmt.Errorf("unknown kind %q", k)
		}
		e.Kinds = append(e.Kinds, Kind(k))
	}
	var err error
	if e.Inquire, err = strconv.ParseBool(r["inquire"]); err != nil {
		return e, err
	}
	if e.Control, err = strconv.ParseBool(r["control"]); err != nil {
		return e, err
	}
	if e.RatePerSec, err = strconv.Atoi(r["rate_per_sec"]); err != nil {
		return e, err
	}
	switch e.Channel {
	case ChannelZDZ, ChannelDDD, ChannelPortal:
	default:
		return e, fmt.Errorf("unknown channel %q", e.Channel)
	}
	if e.Code == "" || e.Name == "" || len(e.Kinds) == 0 {
		return e, fmt.Errorf("code, name and kinds are required")
	}
	return e, nil
}
