// Package exchange reads a dgaudit snapshot from Exchange itself, through the
// output of its cmdlets: Get-DistributionGroup, Get-DynamicDistributionGroup,
// Get-UnifiedGroup, Get-Recipient, Get-MailContact, Get-MailUser, the group
// member cmdlets, Get-AcceptedDomain and Get-RemoteDomain; on premises, the
// export also carries Get-RecipientFilterConfig, Get-ReceiveConnector and the
// connectors' relay permission from Get-ADPermission (hygiene.go).
//
// Two sources share one mapping (mapping.go):
//
//   - Export reads the JSON or CSV files that scripts/Export-DgauditData.ps1
//     writes in the Exchange Management Shell (on-premises) or Exchange Online
//     PowerShell, for shops that will not give a tool LDAP or API access.
//   - Source calls the Exchange Online admin REST endpoint the
//     ExchangeOnlineManagement module uses (POST
//     {URL}/adminapi/beta/{tenant}/InvokeCommand), following every page and
//     honouring throttling. It can be used alone (an Exchange-only audit) or
//     by the Graph adapter as the overlay for the delivery-management
//     settings Graph does not expose, joined by group ID.
//
// Object IDs: Exchange Online objects are identified by
// ExternalDirectoryObjectId, the Entra object ID, so that they join what the
// Graph adapter reads; on-premises objects by Guid (the objectGUID in the
// string form package adattr uses), so that they join LDAP and LDIF
// snapshots. Objects without an ExternalDirectoryObjectId in Exchange Online
// (dynamic distribution groups) fall back to Guid.
//
// Settings keep "not set" apart from false: a property that is absent or
// null in the cmdlet output is directory.Unset.
//
// This package imports only the standard library, dgaudit/directory and
// dgaudit/directory/httpretry (Retry-After, read as the Graph adapter reads
// it). It must not import azidentity, the Graph SDK or any other adapter:
// the caller supplies an access token through Config.Token.
package exchange
