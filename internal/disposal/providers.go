package disposal

import (
	"embed"
	"strings"

	"github.com/zhixing-court/zhixing/internal/csvdata"
)

// Provider is a listed online valuation platform (VAL-3) or an appraiser on
// a court's list (VAL-2), as seed data (seed/providers.csv).
type Provider struct {
	Kind  string // online or appraiser
	Code  string
	Name  string
	Court string // an appraiser's list: the 代字 prefix of the courts it serves (粤06 serves 粤0607)
}

//go:embed seed/providers.csv
var seedFS embed.FS

var providers = func() []Provider {
	rows, err := csvdata.Read(seedFS, "seed/providers.csv")
	if err != nil {
		panic("disposal: providers.csv: " + err.Error())
	}
	var out []Provider
	for _, r := range rows {
		out = append(out, Provider{Kind: r["kind"], Code: r["code"], Name: r["name"], Court: r["court"]})
	}
	return out
}()

// OnlinePlatforms lists every listed online valuation platform (VAL-3: an
// online inquiry goes to all of them).
func OnlinePlatforms() []Provider {
	var out []Provider
	for _, p := range providers {
		if p.Kind == "online" {
			out = append(out, p)
		}
	}
	return out
}

// Appraisers lists the appraisers on the list of the court with code
// courtCode, in code order (the order a draw by lot counts in).
func Appraisers(courtCode string) []Provider {
	var out []Provider
	for _, p := range providers {
		if p.Kind == "appraiser" && p.Court != "" && strings.HasPrefix(courtCode, p.Court) {
			out = append(out, p)
		}
	}
	return out
}

// provider finds a provider by code.
func provider(code string) (Provider, bool) {
	for _, p := range providers {
		if p.Code == code {
			return p, true
		}
	}
	return Provider{}, false
}
