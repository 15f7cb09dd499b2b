package ldap

// SDFlagsDACL lets the Samba tests read a descriptor with the very control
// the adapter sends.
var SDFlagsDACL = sdFlagsDACL
