// Package intaketest helps tests of intake: valid applications (from package
// sample) and a court's staff signed in with the roles intake needs.
package intaketest

import "github.com/zhixing-court/zhixing/internal/intake/sample"

// The generators of package sample, under the names tests use.
var (
	Person       = sample.Person
	Organization = sample.Organization
	Bank         = sample.Bank
	Application  = sample.Application
	AllMaterials = sample.AllMaterials
)
