# dgaudit remediation script (Exchange PowerShell), from the report of test audited 2026-03-02 07:31Z by dgaudit dev.
# Review every change before running it in the Exchange Management Shell or a Connect-ExchangeOnline session.
# Every cmdlet carries -WhatIf, so running it only shows what would change;
# regenerate with --apply-script to apply.
$ErrorActionPreference = 'Stop'

# Organization-wide findings. Their fixes change mail flow for the whole organization, so the commands are
# commented out: review each, fill in the placeholders from the finding, and run them by hand.
# review by hand: [low] external-oof-allowed: the Default remote domain (*) sends out-of-office replies to every other domain (AllowedOOFType external, not set so Exchange's default applies)
#   Set-RemoteDomain -Identity Default -AllowedOOFType None
#   (then, for each partner that should get replies: New-RemoteDomain -Name <partner> -DomainName <partner domain>;
#   Set-RemoteDomain -Identity <partner> -AllowedOOFType External)

# Plain <plain@corp.example> (distribution, score 98, critical)
# -RequireSenderAuthenticationEnabled $true answers:
#   [critical] ndr-loop-risk: an outside sender's message reaches 1 external recipient and their delivery reports go back to the originator
#   [high] oof-storm-risk: an outside sender's message reaches 1 external recipient, members' out-of-office replies go to the originator, and the Default remote domain lets them out
#   [medium] open-to-external-senders: accepts mail from unauthenticated senders (RequireSenderAuthenticationEnabled false, not set so Exchange's default applies) with no sender restriction or moderation
#   [info] reports-to-originator: delivery reports go to the originator (ReportToOriginatorEnabled true)
#   Outside senders then get 550 5.7.1 RESOLVER.RST.AuthRequired. If the group must receive mail from outside,
#   leave this off and moderate it (-ModerationEnabled $true -ModeratedBy <owner>) or restrict who may send
#   (-AcceptMessagesOnlyFromSendersOrMembers <senders>) instead.
# -SendOofMessageToOriginatorEnabled $false answers:
#   [high] oof-storm-risk: an outside sender's message reaches 1 external recipient, members' out-of-office replies go to the originator, and the Default remote domain lets them out
#   [low] oof-to-originator: members' out-of-office replies go to the originator (SendOofMessageToOriginatorEnabled true)
Set-DistributionGroup -Identity '0b6f2a51-0000-4000-8000-000000000001' -RequireSenderAuthenticationEnabled $true -SendOofMessageToOriginatorEnabled $false -WhatIf
# review by hand: [low] external-members: reaches 1 external recipient (1 direct, 0 through nested groups) at partner.example (1)

# line Remove-Mailbox -Identity * <listd@corp.example> (distribution, score 96, critical)
# -RequireSenderAuthenticationEnabled $true answers:
#   [critical] ndr-loop-risk: an outside sender's message reaches 1 external recipient and their delivery reports go back to the originator
#   [medium] open-to-external-senders: accepts mail from unauthenticated senders (RequireSenderAuthenticationEnabled false, not set so Exchange's default applies) with no sender restriction or moderation
#   [info] reports-to-originator: delivery reports go to the originator (ReportToOriginatorEnabled true)
#   Outside senders then get 550 5.7.1 RESOLVER.RST.AuthRequired. If the group must receive mail from outside,
#   leave this off and moderate it (-ModerationEnabled $true -ModeratedBy <owner>) or restrict who may send
#   (-AcceptMessagesOnlyFromSendersOrMembers <senders>) instead.
Set-DistributionGroup -Identity 'listd@corp.example' -RequireSenderAuthenticationEnabled $true -WhatIf
# review by hand: [low] external-members: reaches 1 external recipient (1 direct, 0 through nested groups) at partner.example (1)
# review by hand: [low] no-owner: has no owner (ManagedBy is empty)

# Cloud <cloud@corp.example> (microsoft365, score 94, critical)
# -RequireSenderAuthenticationEnabled $true answers:
#   [critical] ndr-loop-risk: an outside sender's message reaches 1 external recipient and their delivery reports go back to the originator
#   [medium] open-to-external-senders: accepts mail from unauthenticated senders (RequireSenderAuthenticationEnabled false) with no sender restriction or moderation
#   [info] reports-to-originator: delivery reports go to the originator (ReportToOriginatorEnabled true)
#   Outside senders then get 550 5.7.1 RESOLVER.RST.AuthRequired. If the group must receive mail from outside,
#   leave this off and moderate it (-ModerationEnabled $true -ModeratedBy <owner>) or restrict who may send
#   (-AcceptMessagesOnlyFromSendersOrMembers <senders>) instead.
Set-UnifiedGroup -Identity 'cloud@corp.example' -RequireSenderAuthenticationEnabled $true -WhatIf
# review by hand: [low] external-members: reaches 1 external recipient (1 direct, 0 through nested groups) at partner.example (1)

# smart’quote <x’;Stop-Computer;‘@corp.example> (distribution, score 94, critical)
# -RequireSenderAuthenticationEnabled $true answers:
#   [critical] ndr-loop-risk: an outside sender's message reaches 1 external recipient and their delivery reports go back to the originator
#   [medium] open-to-external-senders: accepts mail from unauthenticated senders (RequireSenderAuthenticationEnabled false, not set so Exchange's default applies) with no sender restriction or moderation
#   [info] reports-to-originator: delivery reports go to the originator (ReportToOriginatorEnabled true)
#   Outside senders then get 550 5.7.1 RESOLVER.RST.AuthRequired. If the group must receive mail from outside,
#   leave this off and moderate it (-ModerationEnabled $true -ModeratedBy <owner>) or restrict who may send
#   (-AcceptMessagesOnlyFromSendersOrMembers <senders>) instead.
# NOT RUN: the report has no object GUID for this group and no mail address or DN in printable ASCII; a non-ASCII
# name in a script read in another code page can turn into a quote that ends the string. Run it by hand with the
# group's GUID (Get-Recipient <address> | Format-List Guid):
# Set-DistributionGroup -Identity <GUID> -RequireSenderAuthenticationEnabled $true -WhatIf
# review by hand: [low] external-members: reaches 1 external recipient (1 direct, 0 through nested groups) at partner.example (1)

# x'; Remove-Mailbox -Identity * -Confirm:$false; ' <x';Remove-Mailbox;'@corp.example> (distribution, score 94, critical)
# -RequireSenderAuthenticationEnabled $true answers:
#   [critical] ndr-loop-risk: an outside sender's message reaches 1 external recipient and their delivery reports go back to the originator
#   [medium] open-to-external-senders: accepts mail from unauthenticated senders (RequireSenderAuthenticationEnabled false, not set so Exchange's default applies) with no sender restriction or moderation
#   [info] reports-to-originator: delivery reports go to the originator (ReportToOriginatorEnabled true)
#   Outside senders then get 550 5.7.1 RESOLVER.RST.AuthRequired. If the group must receive mail from outside,
#   leave this off and moderate it (-ModerationEnabled $true -ModeratedBy <owner>) or restrict who may send
#   (-AcceptMessagesOnlyFromSendersOrMembers <senders>) instead.
Set-DistributionGroup -Identity 'x'';Remove-Mailbox;''@corp.example' -RequireSenderAuthenticationEnabled $true -WhatIf
# review by hand: [low] external-members: reaches 1 external recipient (1 direct, 0 through nested groups) at partner.example (1)

# Dyn <dyn@corp.example> (dynamic, score 78, high)
# -RequireSenderAuthenticationEnabled $true answers:
#   [high] oof-storm-risk: an outside sender's message reaches 1 external recipient, members' out-of-office replies go to the originator, and the Default remote domain lets them out
#   [medium] open-to-external-senders: accepts mail from unauthenticated senders (RequireSenderAuthenticationEnabled false, not set so Exchange's default applies) with no sender restriction or moderation
#   Outside senders then get 550 5.7.1 RESOLVER.RST.AuthRequired. If the group must receive mail from outside,
#   leave this off and moderate it (-ModerationEnabled $true -ModeratedBy <owner>) or restrict who may send
#   (-AcceptMessagesOnlyFromSendersOrMembers <senders>) instead.
# -SendOofMessageToOriginatorEnabled $false answers:
#   [high] oof-storm-risk: an outside sender's message reaches 1 external recipient, members' out-of-office replies go to the originator, and the Default remote domain lets them out
#   [low] oof-to-originator: members' out-of-office replies go to the originator (SendOofMessageToOriginatorEnabled true, not set so Exchange's default applies)
Set-DynamicDistributionGroup -Identity 'dyn@corp.example' -RequireSenderAuthenticationEnabled $true -SendOofMessageToOriginatorEnabled $false -WhatIf
# review by hand: [low] external-members: reaches 1 external recipient (1 direct, 0 through nested groups) at partner.example (1)
# review by hand: [low] no-delivery-reports: no delivery reports are sent (ReportToOriginatorEnabled false, not set so Exchange's default applies; ReportToManagerEnabled false, not set so Exchange's default applies)
