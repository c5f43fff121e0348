package sigv4

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// Credential is the secret half of an access key and the account the key
// belongs to.
type Credential struct {
	SecretAccessKey string // the secret the client signs with
	Account         string // the 12-digit AWS account ID requests signed with the key act in
}

// LoadCredentials reads the credentials file at path for strict mode and
// returns it as a map from access key ID to Credential.
//
// The file is plain text with one access key per line, three fields
// separated by spaces or tabs:
//
//	# ACCESS_KEY_ID      SECRET_ACCESS_KEY                          ACCOUNT_ID
//	AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY 123456789012
//
// Blank lines and lines whose first non-blank character is '#' are ignored.
// The account ID must be exactly 12 ASCII digits, and an access key ID may
// appear only once. Errors name the file and line.
func LoadCredentials(path string) (map[string]Credential, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseCredentials(f, path)
}

// parseCredentials parses the format LoadCredentials documents; name labels
// error messages.
func parseCredentials(r io.Reader, name string) (map[string]Credential, error) {
	creds := make(map[string]Credential)
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 {
			return nil, fmt.Errorf("%s:%d: want 3 fields ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID, got %d", name, n, len(fields))
		}
		id, secret, account := fields[0], fields[1], fields[2]
		if !validAccessKeyID(id) {
			return nil, fmt.Errorf("%s:%d: access key ID %q contains a character a SigV4 credential cannot carry", name, n, id)
		}
		if !isAccountID(account) {
			return nil, fmt.Errorf("%s:%d: account ID %q is not 12 digits", name, n, account)
		}
		if _, dup := creds[id]; dup {
			return nil, fmt.Errorf("%s:%d: access key ID %q appears more than once", name, n, id)
		}
		creds[id] = Credential{SecretAccessKey: secret, Account: account}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return creds, nil
}

// isAccountID reports whether s is exactly 12 ASCII digits.
func isAccountID(s string) bool {
	return len(s) == 12 && allDigits(s)
}
