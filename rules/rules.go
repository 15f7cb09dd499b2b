package rules

import (
	"cmp"
	"slices"

	"dgaudit/audit"
)

// Config holds the rules' thresholds.
type Config struct {
	// BlastRecipients and BlastExternal are the expanded-recipient and
	// external-recipient counts at which large-blast-radius fires.
	BlastRecipients int `yaml:"blastRecipients"`
	BlastExternal   int `yaml:"blastExternal"`
	// MaxSamples caps the members listed in a finding's evidence.
	MaxSamples int `yaml:"maxSamples"`
}

// DefaultConfig returns the thresholds dgaudit uses unless told otherwise.
func DefaultConfig() Config {
	return Config{BlastRecipients: 1000, BlastExternal: 100, MaxSamples: 10}
}

// All returns the catalogue, sorted by ID.
func All(cfg Config) []audit.Rule {
	if cfg.MaxSamples <= 0 {
		cfg.MaxSamples = DefaultConfig().MaxSamples
	}
	rs := []audit.Rule{
		// The four preconditions.
		openToExternalSenders(),
		externalMembers(cfg),
		reportsToOriginator(),
		oofToOriginator(),
		externalOOFAllowed(),
		// Their combinations.
		ndrLoopRisk(cfg),
		oofStormRisk(cfg),
		// Modifiers.
		externalMemberIsList(cfg),
		contactRoutesInternal(cfg),
		managerIsGroup(),
		acceptListWithoutAuth(),
		moderatedWithoutAuth(),
		largeBlastRadius(cfg),
		// Hygiene.
		noDeliveryReports(),
		membershipCycle(),
		emptyGroup(),
		noOwner(),
		unresolvedMembers(cfg),
		// Organization.
		acceptedDomainsUnknown(),
		remoteDomainsUnknown(),
		internalRelayDomain(),
		recipientValidationOff(),
		receiveConnectorOpenRelay(),
		remoteDomainNDRDisabled(),
		remoteDomainLegacyOOF(),
	}
	slices.SortFunc(rs, func(a, b audit.Rule) int { return cmp.Compare(a.ID, b.ID) })
	return rs
}

// Tags used in the catalogue.
const (
	tagPrecondition = "precondition"
	tagCombination  = "combination"
	tagModifier     = "modifier"
	tagHygiene      = "hygiene"
	tagOrganization = "organization"
)
