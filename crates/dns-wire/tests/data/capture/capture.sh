#!/usr/bin/env bash
# Captures real DNS messages from BIND on loopback into ../captured/ (see README.md there).
#
# Needs: apt-get install bind9 bind9-dnsutils python3. Uses only 127.0.0.1, ports 53531 (named)
# and 53532 (the relay). The zones are signed with fresh keys on every run, so the signatures
# (and thus the bytes) differ from run to run; the committed files are one such run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../captured"
work="$(mktemp -d)"
named_pid=""
cleanup() {
    if [ -n "$named_pid" ]; then kill "$named_pid" 2>/dev/null || true; wait "$named_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
NAMED_PORT=53531
RELAY_PORT=53532

cp "$here"/example.com.zone "$here"/example.net.zone "$here"/dkim.txt "$work"/
cd "$work"
# Keys: KSK + ZSK for both zones, one key for the delegated child (only its DS is published).
for zone in example.com example.net; do
    dnssec-keygen -q -a ECDSAP256SHA256 -f KSK "$zone" >/dev/null
    dnssec-keygen -q -a ECDSAP256SHA256 "$zone" >/dev/null
done
child_key="$(dnssec-keygen -q -a ECDSAP256SHA256 -f KSK sub.example.com)"
dnssec-dsfromkey -a SHA-256 "$child_key.key" | sed 's/^sub.example.com./sub/' >> example.com.zone
dnssec-signzone -q -S -K . -o example.com example.com.zone >/dev/null
dnssec-signzone -q -S -K . -3 - -H 0 -o example.net example.net.zone >/dev/null

cat > named.conf <<CONF
options {
    directory "$work";
    pid-file "$work/named.pid";
    listen-on port $NAMED_PORT { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
    minimal-responses no;
};
zone "example.com" { type primary; file "example.com.zone.signed"; };
zone "example.net" { type primary; file "example.net.zone.signed"; };
CONF
named -c named.conf -g -n 1 >named.log 2>&1 &
named_pid=$!
for _ in $(seq 50); do
    dig +norec +short +time=1 +tries=1 @127.0.0.1 -p $NAMED_PORT example.com SOA >/dev/null 2>&1 && break
    sleep 0.2
done

# name|dig arguments (after @127.0.0.1 -p RELAY_PORT +norec +time=2 +tries=1)
queries=(
    "bind_dkim_txt_dnssec|+dnssec s1._domainkey.example.com TXT"
    "bind_ses_cname|4ovbs3e4yvbdqm5vbanqdtbwqo4xp7tb._domainkey.example.com TXT"
    "bind_nxdomain_nsec|+dnssec missing._domainkey.example.com TXT"
    "bind_nodata_nsec|+dnssec mail.example.com AAAA"
    "bind_nxdomain_nsec3|+dnssec nosuch.example.net A"
    "bind_dnskey|+dnssec example.com DNSKEY"
    "bind_mx|example.com MX"
    "bind_caa|example.com CAA"
    "bind_srv|_sip._tcp.example.com SRV"
    "bind_cname_chain|www.example.com A"
    "bind_referral_ds|+dnssec host.sub.example.com A"
    "bind_dname|x.redirect.example.com A"
    "bind_ns_glue|example.com NS"
    "bind_unknown_type|weird.example.com TYPE65280"
    "bind_ptr_dnssec|+dnssec ptr-test.example.com PTR"
    "bind_https|svc.example.com HTTPS"
    "bind_hinfo|info.example.com HINFO"
    "bind_refused|example.org SOA"
    "bind_truncated|+dnssec +bufsize=512 +ignore s1._domainkey.example.com TXT"
    "bind_cookie_query|+cookie example.com SOA"
)
python3 "$here/relay.py" $RELAY_PORT $NAMED_PORT "$work" ${#queries[@]} &
relay_pid=$!
sleep 0.5
for entry in "${queries[@]}"; do
    args="${entry#*|}"
    # shellcheck disable=SC2086
    dig @127.0.0.1 -p $RELAY_PORT +norec +time=2 +tries=1 $args >/dev/null || true
done
wait $relay_pid

mkdir -p "$out"
i=0
for entry in "${queries[@]}"; do
    name="${entry%%|*}"
    n="$(printf %02d $i)"
    cp "$work/$n.response.bin" "$out/$name.bin"
    i=$((i + 1))
done
# Two real client queries, as dig sent them.
cp "$work/00.query.bin" "$out/dig_query_dnssec.bin"
cp "$work/19.query.bin" "$out/dig_query_cookie.bin"
ls -l "$out"
