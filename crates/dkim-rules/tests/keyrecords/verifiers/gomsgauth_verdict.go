// Asks go-msgauth (emersion/go-msgauth, the DKIM library of maddy and other Go mail
// servers) what it makes of one key record. Usage: gomsgauth_verdict RECORDFILE MESSAGE
// Built by run.py against Debian's golang-github-emersion-go-msgauth-dev (GOPATH mode, no
// module download). The record is the only TXT answer, for sel._domainkey.example.com, split
// into 255-octet strings; MESSAGE is signed with d=example.com s=sel by a key that is not the
// record's, so a "signature did not verify" failure means the record was accepted and used.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

func main() {
	record, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	message, err := os.Open(os.Args[2])
	if err != nil {
		panic(err)
	}
	var strs []string
	for i := 0; i < len(record); i += 255 {
		end := i + 255
		if end > len(record) {
			end = len(record)
		}
		strs = append(strs, string(record[i:end]))
	}
	if len(strs) == 0 {
		strs = []string{""}
	}
	options := &dkim.VerifyOptions{
		LookupTXT: func(domain string) ([]string, error) {
			if domain == "sel._domainkey.example.com" {
				return strs, nil
			}
			return nil, fmt.Errorf("no such name %s", domain)
		},
	}
	verifications, err := dkim.VerifyWithOptions(message, options)
	if err != nil {
		fmt.Printf("reject\t%s\n", err)
		return
	}
	if len(verifications) == 0 {
		fmt.Printf("reject\tno signature\n")
		return
	}
	v := verifications[0]
	switch {
	case v.Err == nil:
		fmt.Printf("accept\tsignature verified\n")
	case strings.Contains(v.Err.Error(), "signature did not verify"):
		fmt.Printf("accept\tkey used, %s\n", v.Err)
	default:
		fmt.Printf("reject\t%s\n", v.Err)
	}
}
