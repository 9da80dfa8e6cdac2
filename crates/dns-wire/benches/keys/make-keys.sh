#!/usr/bin/env bash
# Makes the RSA test keys the DNSSEC bench signs with (ring verifies and signs RSA but cannot
# generate RSA keys). Run once; the keys are committed so the bench signs the same zones on
# every run. They sign nothing but test data.
set -euo pipefail
cd "$(dirname "$0")"
for name in rsa2048-ksk rsa2048-zsk; do
    # genpkey's DER output is PKCS#1; ring reads PKCS#8, hence the conversion.
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null |
        openssl pkcs8 -topk8 -nocrypt -outform DER -out "$name.pk8"
done
