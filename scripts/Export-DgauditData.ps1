<#
.SYNOPSIS
    Exports what dgaudit needs from Exchange, for `dgaudit scan --exchange-export DIR`.

.DESCRIPTION
    Runs read-only Get-* cmdlets and writes their output, one file per cmdlet, into a folder:

      Manifest.json                  where and when the export was made (OnPremises or ExchangeOnline)
      DistributionGroup.json         Get-DistributionGroup -ResultSize Unlimited (incl. mail-enabled security groups, room lists)
      DynamicDistributionGroup.json  Get-DynamicDistributionGroup -ResultSize Unlimited
      UnifiedGroup.json              Get-UnifiedGroup -ResultSize Unlimited (Exchange Online; [] on premises)
      Recipient.json                 Get-Recipient -ResultSize Unlimited (mailboxes, remote mailboxes, mail users, guests, contacts)
      MailContact.json               Get-MailContact -ResultSize Unlimited
      MailUser.json                  Get-MailUser -ResultSize Unlimited
      AcceptedDomain.json            Get-AcceptedDomain
      RemoteDomain.json              Get-RemoteDomain
      GroupMember.json               one row per member of every group (Get-DistributionGroupMember,
                                     Get-DynamicDistributionGroupMember or a recipient preview of the group's filter
                                     on premises, Get-UnifiedGroupLinks -LinkType Members), with the group's
                                     GroupGuid, GroupExternalDirectoryObjectId, GroupPrimarySmtpAddress and
                                     GroupIdentity added. A group without members has one row with only those columns.

    On premises only (Exchange Online has neither):
      RecipientFilterConfig.json     Get-RecipientFilterConfig: the Recipient Filter agent's configuration ([] when
                                     Exchange returns none)
      ReceiveConnector.json          Get-ReceiveConnector: every receive connector of every server
      ReceiveConnectorPermission.json  one row per permission entry (Get-ADPermission) of every receive connector that
                                     grants or denies ms-Exch-SMTP-Accept-Any-Recipient (User, UserSid, Deny,
                                     IsInherited), with the connector's ConnectorIdentity and ConnectorDistinguishedName
                                     added. A connector without such entries has one row with only those columns; a
                                     connector whose permissions could not be read has none.

    A cmdlet that fails or is not available is left out, with a warning, and named under Unread in Manifest.json with
    the reason: dgaudit then reports that part as not read (a coverage gap), never as "none".

    Only the properties dgaudit reads are exported (Select-Object), multi-valued properties as arrays of strings
    and enumerations as their names, so that the files are the same in Windows PowerShell 5.1 and PowerShell 7
    and in remote sessions. Files are UTF-8. With -Format Csv the same data is written with Export-Csv and
    multi-valued properties joined with ';'.

    The script changes nothing. It writes only into -Path.

.PARAMETER Path
    Folder to write to; created when missing. Give it to dgaudit: dgaudit scan --exchange-export <Path>

.PARAMETER Format
    Json (default) or Csv.

.PARAMETER SkipMembers
    Do not export group members (faster; dgaudit then reports every group's membership as unknown).

.NOTES
    Where to run it:
      * Exchange Server 2013/2016/2019/SE: the Exchange Management Shell. The script runs
        Set-ADServerSettings -ViewEntireForest $true so that recipients in every domain of the forest are seen.
      * Exchange Online: Connect-ExchangeOnline (ExchangeOnlineManagement v3) first, then run the script.

    Roles needed (read-only):
      * On premises: membership of "View-Only Organization Management" (or any role group granting the
        View-Only Recipients and View-Only Configuration roles). Get-RecipientFilterConfig and Get-ADPermission
        belong to further roles in some versions; when the session lacks one, the script names it under Unread in
        Manifest.json and dgaudit reports that setting as not read.
      * Exchange Online: the View-Only Recipients and View-Only Configuration roles (e.g. the "View-Only
        Organization Management" role group), or the Global Reader Entra role. App-only connections need the
        Exchange.ManageAsApp application permission plus one of those roles on the service principal.

    Large organizations: every group costs one member cmdlet call; expect minutes per thousand groups in
    Exchange Online, where throttling applies. Run it again on failure: files are replaced, never appended.

.EXAMPLE
    .\Export-DgauditData.ps1 -Path C:\Temp\dgaudit-export
    # then, on any machine: dgaudit scan --exchange-export C:\Temp\dgaudit-export -o report.xlsx

.EXAMPLE
    Connect-ExchangeOnline -UserPrincipalName auditor@contoso.com
    .\Export-DgauditData.ps1 -Path .\exo-export -Format Csv
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $Path,

    [ValidateSet('Json', 'Csv')]
    [string] $Format = 'Json',

    [switch] $SkipMembers
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# Deep enough for arrays of strings inside objects; nothing dgaudit reads is nested deeper.
$JsonDepth = 4

# Properties dgaudit reads, per kind of object.
$RecipientProps = @(
    'Identity', 'Name', 'DisplayName', 'Alias', 'PrimarySmtpAddress', 'WindowsEmailAddress', 'EmailAddresses',
    'ExternalEmailAddress', 'RecipientType', 'RecipientTypeDetails', 'HiddenFromAddressListsEnabled',
    'DistinguishedName', 'Guid', 'ExternalDirectoryObjectId', 'ExchangeObjectId'
)
$GroupProps = $RecipientProps + @(
    'GroupType', 'ManagedBy', 'RequireSenderAuthenticationEnabled', 'ReportToManagerEnabled',
    'ReportToOriginatorEnabled', 'SendOofMessageToOriginatorEnabled', 'AcceptMessagesOnlyFrom',
    'AcceptMessagesOnlyFromDLMembers', 'AcceptMessagesOnlyFromSendersOrMembers', 'RejectMessagesFrom',
    'RejectMessagesFromDLMembers', 'RejectMessagesFromSendersOrMembers', 'ModerationEnabled', 'ModeratedBy',
    'IsDirSynced'
)
$DynamicProps = $GroupProps + @('RecipientFilter', 'LdapRecipientFilter', 'RecipientContainer', 'IncludedRecipients')
$MemberProps = @('Identity', 'Name', 'DisplayName', 'Alias', 'PrimarySmtpAddress', 'EmailAddresses',
    'ExternalEmailAddress', 'RecipientType', 'RecipientTypeDetails', 'DistinguishedName', 'Guid',
    'ExternalDirectoryObjectId')
$AcceptedDomainProps = @('Name', 'DomainName', 'DomainType', 'Default', 'MatchSubDomains', 'IsCoexistenceDomain')
$RemoteDomainProps = @('Name', 'DomainName', 'AllowedOOFType', 'AutoReplyEnabled', 'AutoForwardEnabled',
    'NDREnabled', 'DeliveryReportEnabled', 'IsInternal')
$RecipientFilterProps = @('Enabled', 'ExternalMailEnabled', 'InternalMailEnabled', 'RecipientValidationEnabled',
    'BlockListEnabled')
$ReceiveConnectorProps = @('Identity', 'Name', 'Server', 'DistinguishedName', 'Fqdn', 'Bindings', 'RemoteIPRanges',
    'PermissionGroups', 'AuthMechanism')
$ADPermissionProps = @('User', 'Deny', 'IsInherited', 'InheritanceType', 'AccessRights', 'ExtendedRights')

# Properties that hold several values; they become string arrays (JSON) or ';'-joined text (CSV).
$MultiValued = @('EmailAddresses', 'ManagedBy', 'AcceptMessagesOnlyFrom', 'AcceptMessagesOnlyFromDLMembers',
    'AcceptMessagesOnlyFromSendersOrMembers', 'RejectMessagesFrom', 'RejectMessagesFromDLMembers',
    'RejectMessagesFromSendersOrMembers', 'ModeratedBy', 'IncludedRecipients', 'Bindings', 'RemoteIPRanges',
    'AccessRights', 'ExtendedRights')

function ConvertTo-PlainObject {
    # Copies the wanted properties into a plain object: strings for enums, GUIDs and addresses, string arrays
    # for multi-valued properties, booleans as booleans, absent/null as $null (dgaudit reads null as "not set").
    param([Parameter(ValueFromPipeline = $true)] $InputObject, [string[]] $Property, [System.Collections.IDictionary] $Extra)
    process {
        $out = [ordered]@{}
        foreach ($p in $Property) {
            $v = $null
            if ($InputObject.PSObject.Properties[$p]) { $v = $InputObject.$p }
            if ($null -eq $v) {
                $out[$p] = $null
            } elseif ($MultiValued -contains $p) {
                $vals = @($v | Where-Object { $null -ne $_ } | ForEach-Object { "$_" })
                if ($Format -eq 'Csv') { $out[$p] = $vals -join ';' } else { $out[$p] = $vals }
            } elseif ($v -is [bool]) {
                $out[$p] = $v
            } else {
                $out[$p] = "$v"
            }
        }
        if ($Extra) { foreach ($k in $Extra.Keys) { $out[$k] = $Extra[$k] } }
        [pscustomobject]$out
    }
}

function Write-ExportFile {
    param([string] $Name, [object[]] $Objects)
    $file = Join-Path $Path ($Name + '.' + $Format.ToLower())
    if ($Format -eq 'Csv') {
        if ($Objects.Count -eq 0) {
            Set-Content -LiteralPath $file -Value '' -Encoding UTF8
        } else {
            $Objects | Export-Csv -LiteralPath $file -NoTypeInformation -Encoding UTF8
        }
    } else {
        # -InputObject keeps a one-element result an array; ConvertTo-Json would otherwise unroll it.
        $json = ConvertTo-Json -InputObject @($Objects) -Depth $JsonDepth
        [System.IO.File]::WriteAllText($file, $json, (New-Object System.Text.UTF8Encoding($false)))
    }
    Write-Verbose ("{0}: {1} objects" -f $file, $Objects.Count)
}

function Get-Prop($Object, [string] $Name) {
    # Older Exchange versions lack some properties (ExternalDirectoryObjectId on 2013); strict mode would throw.
    if ($Object.PSObject.Properties[$Name]) { $Object.$Name } else { $null }
}

function Test-Cmdlet([string] $Name) { [bool](Get-Command -Name $Name -ErrorAction SilentlyContinue) }

function ConvertTo-Sid([string] $Name) {
    # Well-known principals have localized names (ANONYMOUS-ANMELDUNG in German); their SIDs are the same everywhere.
    try { (New-Object System.Security.Principal.NTAccount($Name)).Translate([System.Security.Principal.SecurityIdentifier]).Value } catch { $null }
}

if (-not (Test-Cmdlet 'Get-DistributionGroup')) {
    throw 'Exchange cmdlets are not loaded: run this in the Exchange Management Shell, or after Connect-ExchangeOnline.'
}
$online = Test-Cmdlet 'Get-UnifiedGroup'
if (Test-Cmdlet 'Get-ConnectionInformation') { $online = $true }
if (-not $online -and (Test-Cmdlet 'Set-ADServerSettings')) {
    # Without it the shell sees only the local domain and members elsewhere in the forest look missing.
    Set-ADServerSettings -ViewEntireForest $true
}
New-Item -ItemType Directory -Force -Path $Path | Out-Null

$org = ''
try { $org = "$((Get-OrganizationConfig).Name)" } catch { Write-Warning "Get-OrganizationConfig: $_" }
# Unread names the files left out because their cmdlet failed or is not available, with the reason.
$unread = [ordered]@{}
$manifest = [ordered]@{
    Environment  = $(if ($online) { 'ExchangeOnline' } else { 'OnPremises' })
    Organization = $org
    ExportedAt   = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
    Script       = 'Export-DgauditData.ps1 2'
    Unread       = $unread
}
function Write-Manifest {
    [System.IO.File]::WriteAllText((Join-Path $Path 'Manifest.json'), (ConvertTo-Json -InputObject $manifest),
        (New-Object System.Text.UTF8Encoding($false)))
}
Write-Manifest

Write-Host 'Reading groups...'
$groups = @(Get-DistributionGroup -ResultSize Unlimited)
Write-ExportFile 'DistributionGroup' @($groups | ConvertTo-PlainObject -Property $GroupProps)
$dynamic = @(Get-DynamicDistributionGroup -ResultSize Unlimited)
Write-ExportFile 'DynamicDistributionGroup' @($dynamic | ConvertTo-PlainObject -Property $DynamicProps)
$unified = @()
if (Test-Cmdlet 'Get-UnifiedGroup') { $unified = @(Get-UnifiedGroup -ResultSize Unlimited) }
Write-ExportFile 'UnifiedGroup' @($unified | ConvertTo-PlainObject -Property $GroupProps)

Write-Host 'Reading recipients...'
Write-ExportFile 'Recipient' @(Get-Recipient -ResultSize Unlimited | ConvertTo-PlainObject -Property $RecipientProps)
Write-ExportFile 'MailContact' @(Get-MailContact -ResultSize Unlimited | ConvertTo-PlainObject -Property $RecipientProps)
Write-ExportFile 'MailUser' @(Get-MailUser -ResultSize Unlimited | ConvertTo-PlainObject -Property $RecipientProps)

Write-Host 'Reading accepted and remote domains...'
Write-ExportFile 'AcceptedDomain' @(Get-AcceptedDomain | ConvertTo-PlainObject -Property $AcceptedDomainProps)
Write-ExportFile 'RemoteDomain' @(Get-RemoteDomain | ConvertTo-PlainObject -Property $RemoteDomainProps)

if (-not $SkipMembers) {
    $rows = New-Object System.Collections.Generic.List[object]
    $all = @($groups | ForEach-Object { @{ Kind = 'Static'; Group = $_ } }) +
        @($dynamic | ForEach-Object { @{ Kind = 'Dynamic'; Group = $_ } }) +
        @($unified | ForEach-Object { @{ Kind = 'Unified'; Group = $_ } })
    $i = 0
    foreach ($entry in $all) {
        $g = $entry.Group
        $i++
        Write-Progress -Activity 'Reading group members' -Status $g.PrimarySmtpAddress -PercentComplete (100 * $i / [math]::Max($all.Count, 1))
        $extra = [ordered]@{
            GroupGuid                      = "$($g.Guid)"
            GroupExternalDirectoryObjectId = "$(Get-Prop $g 'ExternalDirectoryObjectId')"
            GroupPrimarySmtpAddress        = "$($g.PrimarySmtpAddress)"
            GroupIdentity                  = "$($g.Identity)"
        }
        try {
            $members = @(switch ($entry.Kind) {
                'Static' { @(Get-DistributionGroupMember -Identity "$($g.Guid)" -ResultSize Unlimited) }
                'Unified' { @(Get-UnifiedGroupLinks -Identity "$($g.Guid)" -LinkType Members -ResultSize Unlimited) }
                'Dynamic' {
                    if (Test-Cmdlet 'Get-DynamicDistributionGroupMember') {
                        @(Get-DynamicDistributionGroupMember -Identity "$($g.Guid)" -ResultSize Unlimited)
                    } else {
                        # On premises: what the filter matches now, as Exchange would expand it.
                        @(Get-Recipient -RecipientPreviewFilter (Get-Prop $g 'RecipientFilter') -OrganizationalUnit (Get-Prop $g 'RecipientContainer') -ResultSize Unlimited)
                    }
                }
            })
        } catch {
            # Left out on purpose: dgaudit then reports this group's membership as unknown (a gap), never as empty.
            Write-Warning ("members of {0}: {1}" -f $g.PrimarySmtpAddress, $_)
            continue
        }
        if ($members.Count -eq 0) {
            $rows.Add(([pscustomobject]@{} | ConvertTo-PlainObject -Property $MemberProps -Extra $extra))
        }
        foreach ($m in $members) { $rows.Add(($m | ConvertTo-PlainObject -Property $MemberProps -Extra $extra)) }
    }
    Write-Progress -Activity 'Reading group members' -Completed
    Write-ExportFile 'GroupMember' $rows.ToArray()
} else {
    # An empty file, so that dgaudit reports every group's membership as unknown rather than refusing the export.
    Write-ExportFile 'GroupMember' @()
}

if (-not $online) {
    Write-Host 'Reading the recipient filter and receive connectors...'
    # A file left over from an earlier run must not stand in for one this run could not write.
    # Both formats: an earlier run may have written the other one.
    foreach ($n in @('RecipientFilterConfig', 'ReceiveConnector', 'ReceiveConnectorPermission')) {
        foreach ($ext in @('json', 'csv')) {
            Remove-Item -LiteralPath (Join-Path $Path ($n + '.' + $ext)) -ErrorAction SilentlyContinue
        }
    }
    if (Test-Cmdlet 'Get-RecipientFilterConfig') {
        try {
            # The organization's one configuration; none when Exchange has none.
            # -ErrorAction Stop: the shell's cmdlets are proxy functions that do not see this script's
            # $ErrorActionPreference, and a non-terminating error would pass for an empty answer.
            Write-ExportFile 'RecipientFilterConfig' @(Get-RecipientFilterConfig -ErrorAction Stop | ConvertTo-PlainObject -Property $RecipientFilterProps)
        } catch {
            Write-Warning "Get-RecipientFilterConfig: $_"
            $unread['RecipientFilterConfig'] = "Get-RecipientFilterConfig failed: $_"
        }
    } else {
        $unread['RecipientFilterConfig'] = 'Get-RecipientFilterConfig is not available in this session (the account''s roles may not include it)'
    }

    $connectors = $null
    if (Test-Cmdlet 'Get-ReceiveConnector') {
        try {
            $connectors = @(Get-ReceiveConnector -ErrorAction Stop)
        } catch {
            Write-Warning "Get-ReceiveConnector: $_"
            $unread['ReceiveConnector'] = "Get-ReceiveConnector failed: $_"
        }
    } else {
        $unread['ReceiveConnector'] = 'Get-ReceiveConnector is not available in this session (the account''s roles may not include it)'
    }
    if ($null -ne $connectors) {
        Write-ExportFile 'ReceiveConnector' @($connectors | ConvertTo-PlainObject -Property $ReceiveConnectorProps)
        if (Test-Cmdlet 'Get-ADPermission') {
            $aces = New-Object System.Collections.Generic.List[object]
            foreach ($c in $connectors) {
                $extra = [ordered]@{
                    UserSid                    = $null
                    ConnectorIdentity          = "$($c.Identity)"
                    ConnectorDistinguishedName = "$($c.DistinguishedName)"
                }
                try {
                    # The entries that can grant the right: those naming it, and those granting every
                    # extended right (ExtendedRight without a name) or full control (GenericAll). Order is
                    # kept: dgaudit lets the first entry for a user decide, as Windows walks the DACL.
                    $rows = @(Get-ADPermission -Identity "$($c.DistinguishedName)" -ErrorAction Stop |
                        Where-Object {
                            ($_.ExtendedRights -like '*ms-Exch-SMTP-Accept-Any-Recipient*') -or
                            ("$($_.AccessRights)" -match 'GenericAll') -or
                            (("$($_.AccessRights)" -match 'ExtendedRight') -and -not $_.ExtendedRights)
                        })
                } catch {
                    # Left out on purpose: dgaudit then reports this connector's relay permission as unknown (a gap).
                    Write-Warning ("permissions of receive connector {0}: {1}" -f $c.Identity, $_)
                    continue
                }
                if ($rows.Count -eq 0) {
                    $aces.Add(([pscustomobject]@{} | ConvertTo-PlainObject -Property $ADPermissionProps -Extra $extra))
                }
                foreach ($a in $rows) {
                    $extra['UserSid'] = ConvertTo-Sid "$($a.User)"
                    $aces.Add(($a | ConvertTo-PlainObject -Property $ADPermissionProps -Extra $extra))
                }
            }
            Write-ExportFile 'ReceiveConnectorPermission' $aces.ToArray()
        } else {
            $unread['ReceiveConnectorPermission'] = 'Get-ADPermission is not available in this session (the account''s roles may not include it)'
        }
    }
    Write-Manifest
}

Write-Host "Done. Run: dgaudit scan --exchange-export `"$Path`" -o report.xlsx"
