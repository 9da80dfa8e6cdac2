#!/usr/bin/env python3
"""Produces ../verdicts.tsv: what real verifiers make of each key record of ../corpus.tsv.

Run from anywhere: python3 crates/dkim-rules/tests/keyrecords/verifiers/run.py
Needs: dkimpy and pynacl (pip), libopendkim-dev, libmail-dkim-perl,
libnet-dns-resolver-mock-perl, libcryptx-perl, golang-go and
golang-github-emersion-go-msgauth-dev (Debian), gcc, openssl, node and npm (it installs the
npm package mailauth, at MAILAUTH_VERSION, in a temporary directory). Apart from that
install, nothing goes on the network: every verifier gets the record from a stub.

For each record, a message is signed (by dkimpy, relaxed/relaxed, d=example.com, s=sel,
rsa-sha256, or ed25519-sha256 when the record says k=ed25519) with a key made for this
run, which is not the record's key. Each verifier then verifies that message with the record
served as the key, and the verdict says where it stopped: "reject" when it refused the
record itself (syntax, version, key type, key format, hash, size, revoked), "accept" when it
used the key and only the signature comparison failed. That is exactly the question "would
this record work if it held the signer's key", asked of each verifier's own code. "n/a" means
the verifier cannot judge the record at all (Mail::DKIM 1.20230212 has no ed25519-sha256).
"""
import logging
import os
import re
import subprocess
import sys
import tempfile

import dkim

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "corpus.tsv")
OUT = os.path.join(HERE, "..", "verdicts.tsv")
NAME = b"sel._domainkey.example.com."
MAILAUTH_VERSION = "4.13.3"
MESSAGE = (b"From: Joe SixPack <joe@example.com>\r\n"
           b"To: Suzie Q <suzie@example.net>\r\n"
           b"Subject: Is dinner ready?\r\n"
           b"Date: Fri, 11 Jul 2003 21:00:37 -0700\r\n"
           b"Message-ID: <20030712040037.46341.5F8J@example.com>\r\n"
           b"\r\n"
           b"Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n")


def corpus():
    with open(CORPUS, encoding="ascii") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            yield row


def signed_messages(tmp):
    rsa_pem = os.path.join(tmp, "rsa.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", rsa_pem], check=True,
                   capture_output=True)
    with open(rsa_pem, "rb") as f:
        rsa_key = f.read()
    import nacl.signing
    import base64
    ed_seed = base64.b64encode(bytes(nacl.signing.SigningKey.generate()))
    out = {}
    for kind, key, algo in (("rsa", rsa_key, b"rsa-sha256"),
                            ("ed25519", ed_seed, b"ed25519-sha256")):
        sig = dkim.sign(MESSAGE, b"sel", b"example.com", key,
                        canonicalize=(b"relaxed", b"relaxed"),
                        signature_algorithm=algo)
        path = os.path.join(tmp, kind + ".eml")
        with open(path, "wb") as f:
            f.write(sig.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + MESSAGE)
        out[kind] = path
    return out


def dkimpy_verdict(record, message_path):
    """dkimpy's DKIM.verify, with the record as the DNS answer."""
    records = []

    class Capture(logging.Handler):
        def emit(self, rec):
            records.append(rec.getMessage())

    logger = logging.getLogger("dkimpy-corpus")
    logger.handlers = [Capture()]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    with open(message_path, "rb") as f:
        message = f.read()
    verifier = dkim.DKIM(message, logger=logger)
    try:
        ok = verifier.verify(dnsfunc=lambda name, timeout=5: record.encode("ascii"))
    except dkim.DKIMException as e:  # raised out of verify() for some records
        return "reject", "%s raised: %s" % (type(e).__name__, e)
    if ok:
        return "accept", "signature verified"
    try:
        pk, keysize, ktag, _ = dkim.evaluate_pk(NAME, record.encode("ascii"))
    except Exception as e:  # what verify() logged and turned into False
        return "reject", "%s: %s" % (type(e).__name__, e)
    if pk is None:
        return "reject", "no key"
    # verify() raises "public key too small" (minkey=1024) for an RSA key once the
    # signature checks out; with the signer's key in place this record would hit that.
    if ktag == b"rsa" and keysize < verifier.minkey:
        return "reject", "public key too small: %d (minkey %d)" % (keysize, verifier.minkey)
    return "accept", "key used, signature mismatch"


def opendkim_verdict(tool, record, message_path, tmp):
    keyfile = os.path.join(tmp, "keys")
    with open(keyfile, "w", encoding="ascii") as f:
        f.write("sel._domainkey.example.com " + record + "\n")
    out = subprocess.run([tool, keyfile, message_path], check=True,
                         capture_output=True, text=True).stdout.strip()
    verdict, _, detail = out.partition("\t")
    return verdict, detail


def maildkim_verdict(record, message_path, tmp):
    recfile = os.path.join(tmp, "record")
    with open(recfile, "w", encoding="ascii") as f:
        f.write(record)
    out = subprocess.run(["perl", os.path.join(HERE, "maildkim_verdict.pl"), recfile,
                          message_path], check=True, capture_output=True,
                         text=True).stdout.strip()
    verdict, _, detail = out.partition("\t")
    return verdict, detail


def mailauth_verdict(node_path, record, message_path, tmp):
    recfile = os.path.join(tmp, "record")
    with open(recfile, "w", encoding="ascii") as f:
        f.write(record)
    out = subprocess.run(["node", os.path.join(HERE, "mailauth_verdict.js"), recfile,
                          message_path], check=True, capture_output=True, text=True,
                         env=dict(os.environ, NODE_PATH=node_path)).stdout.strip()
    verdict, _, detail = out.partition("\t")
    return verdict, detail


def gomsgauth_verdict(tool, record, message_path, tmp):
    recfile = os.path.join(tmp, "record")
    with open(recfile, "w", encoding="ascii") as f:
        f.write(record)
    out = subprocess.run([tool, recfile, message_path], check=True, capture_output=True,
                         text=True).stdout.strip()
    verdict, _, detail = out.partition("\t")
    return verdict, detail


def clean(detail):
    return re.sub(r"\s+", " ", detail).replace("\t", " ")[:160]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tool = os.path.join(tmp, "opendkim_verdict")
        subprocess.run(["gcc", "-O1", "-o", tool, os.path.join(HERE, "opendkim_verdict.c"),
                        "-lopendkim"], check=True)
        messages = signed_messages(tmp)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", tmp,
                        "mailauth@" + MAILAUTH_VERSION], check=True, capture_output=True)
        node_path = os.path.join(tmp, "node_modules")
        gotool = os.path.join(tmp, "gomsgauth_verdict")
        # GOPATH mode against Debian's packaged source: no module proxy involved.
        subprocess.run(["go", "build", "-o", gotool, os.path.join(HERE, "gomsgauth_verdict.go")],
                       check=True, env=dict(os.environ, GO111MODULE="off",
                                            GOPATH="/usr/share/gocode",
                                            GOCACHE=os.path.join(tmp, "gocache")))
        rows = []
        for row in corpus():
            record = row["record"]
            kind = "ed25519" if re.search(r"(^|;)\s*k\s*=\s*ed25519\s*(;|$)", record, re.I) else "rsa"
            msg = messages[kind]
            verdicts = [
                ("dkimpy",) + dkimpy_verdict(record, msg),
                ("opendkim",) + opendkim_verdict(tool, record, msg, tmp),
                ("mail-dkim",) + maildkim_verdict(record, msg, tmp),
                ("mailauth",) + mailauth_verdict(node_path, record, msg, tmp),
                ("go-msgauth",) + gomsgauth_verdict(gotool, record, msg, tmp),
            ]
            for name, verdict, detail in verdicts:
                rows.append((row["id"], name, verdict, clean(detail)))
    versions = "dkimpy %s; libopendkim %s; Mail::DKIM %s; mailauth %s; go-msgauth %s" % (
        subprocess.run(["pip", "show", "dkimpy"], capture_output=True, text=True).stdout.split("Version: ")[1].split()[0],
        subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libopendkim11"], capture_output=True, text=True).stdout,
        subprocess.run(["perl", "-MMail::DKIM", "-e", "print $Mail::DKIM::VERSION"], capture_output=True, text=True).stdout,
        MAILAUTH_VERSION,
        subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "golang-github-emersion-go-msgauth-dev"], capture_output=True, text=True).stdout)
    with open(OUT, "w", encoding="ascii") as f:
        f.write("# Produced by verifiers/run.py with %s; message signed %s.\n" % (versions, "rsa-sha256 or ed25519-sha256"))
        f.write("id\tverifier\tverdict\tdetail\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    print("wrote %d verdicts for %d records to %s" % (len(rows), len(rows) // 5, OUT))


if __name__ == "__main__":
    sys.exit(main())
