package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"dgaudit/audit"
	"dgaudit/directory"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and the file formats this build reads and writes",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(a.stdout, "dgaudit %s (%s, %s/%s)\nsnapshot schema %d, report schema %d\n",
				versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH, directory.SchemaVersion, audit.ReportSchemaVersion)
			return err
		},
	}
}
