package main

import (
	"fmt"
	"os"
	"strings"
)

// secretSource is where one secret may come from: a file, or else an
// environment variable. Never a flag value, which other users can read in
// ps, and never the config file, which is easily world-readable.
type secretSource struct {
	// what names the secret in errors: "password", "client secret".
	what string
	// fileFlag is the flag the file was given with, for errors.
	fileFlag string
	file     string
	envName  string
}

// readSecret returns the secret from the file or the environment, or ""
// when neither holds one; whether that is an error is the caller's call,
// since some sign-ins need no secret. Errors never carry the secret.
func readSecret(s secretSource, env func(string) string) (string, error) {
	fromEnv := env(s.envName)
	switch {
	case s.file != "" && fromEnv != "":
		// Neither silently wins: the one left behind would be the one
		// the operator thinks is in use.
		return "", usagef("the %s is given twice: unset %s or drop %s", s.what, s.envName, s.fileFlag)
	case s.file != "":
		secret, err := readSecretFile(s.file)
		if err != nil {
			return "", usagef("%s: %v", s.fileFlag, err)
		}
		return secret, nil
	}
	return fromEnv, nil
}

// readSecretFile returns the first line of the file at path without its line
// ending, which is every dgaudit secret file's format. Blanks are kept: an
// Active Directory password may begin or end with one, and the environment
// variable a file stands in for is not trimmed either.
func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		// The *PathError names the operation and the file, not the content.
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimRight(line, "\r")
	if line == "" {
		return "", fmt.Errorf("%s: the first line is empty", path)
	}
	return line, nil
}
