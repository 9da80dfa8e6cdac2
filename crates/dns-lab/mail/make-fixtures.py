#!/usr/bin/env python3
"""Writes the signed test messages in messages/ (committed, so `cargo test` needs none of this).

Two implementations other than ours sign them, with the test keys in keys/:
  - dkimpy (PyPI `dkimpy`, tested with 1.1.8), through its own DKIM.sign;
  - OpenDKIM's libopendkim 2.11 (Debian `libopendkim-dev`), through opendkim-sign.c, a 100-line
    driver of its dkim_sign API, and Debian's stock `opendkim-testmsg` (opendkim-tools), which
    signs with rsa-sha1.
Some messages are then altered the way mail is altered in transit (a list footer, a tagged
Subject, a truncated body...). The public keys are served by the dns-lab zone `dkim-signed.org`
(see crates/dns-lab/src/internet.rs) and `esp-mailer.net`.

Run from this directory:  apt-get install libopendkim-dev opendkim-tools && pip install dkimpy
                          python3 make-fixtures.py
"""

import base64
import os
import subprocess
import sys
import tempfile

import dkim

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, "keys")
OUT = os.path.join(HERE, "messages")
SIGNED_AT = 1764583200  # 2025-12-01T10:00:00Z: fixed, so re-running gives the same bytes
DAY = 86400

RSA_PEM = open(os.path.join(KEYS, "rsa2048.pem"), "rb").read()
ED_PEM = os.path.join(KEYS, "ed25519.pem")
# dkimpy takes an Ed25519 private key as the base64 of its 32-octet seed: the last 32 octets
# of the PKCS#8 DER.
_ed_der = subprocess.run(
    ["openssl", "pkey", "-in", ED_PEM, "-outform", "DER"], check=True, capture_output=True
).stdout
ED_SEED = base64.b64encode(_ed_der[-32:])


def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


HEADERS = """From: Alice Example <alice@dkim-signed.org>
To: Bob <bob@example.net>
Subject: Quarterly report
Date: Mon, 01 Dec 2025 10:00:00 +0000
Message-ID: <20251201100000.4242@dkim-signed.org>
MIME-Version: 1.0
"""

PLAIN = HEADERS + """Content-Type: text/plain; charset=utf-8

Hello Bob,

Here is the  quarterly report.   Numbers are up.\t
From the desk of Alice: see the attachment next time.

Regards,
Alice


"""

MIME = HEADERS.replace("Subject: Quarterly report", "Subject: Team lunch") + """Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Lunch on Friday at noon?
--b1
Content-Type: text/html; charset=utf-8

<p>Lunch on <b>Friday</b> at noon?</p>
--b1--
"""


class FixedDKIM(dkim.DKIM):
    """dkimpy's signer with t= (and optionally x=) set instead of taken from the clock."""

    def __init__(self, message, timestamp=SIGNED_AT, expiration=None):
        super().__init__(message)
        self.fixed_t = timestamp
        self.fixed_x = expiration

    def gen_header(self, fields, include_headers, canon_policy, header_name, pk, standardize=False):
        fields = [(k, str(self.fixed_t).encode()) if k == b"t" else (k, v) for k, v in fields]
        if self.fixed_x is not None:
            at = [k for k, _ in fields].index(b"h")
            fields.insert(at, (b"x", str(self.fixed_x).encode()))
        return super().gen_header(fields, include_headers, canon_policy, header_name, pk, standardize)


def dkimpy(message, selector, domain="dkim-signed.org", algorithm="rsa-sha256",
           canon=("relaxed", "relaxed"), length=False, timestamp=SIGNED_AT, expiration=None):
    signer = FixedDKIM(message, timestamp, expiration)
    key = ED_SEED if algorithm.startswith("ed25519") else RSA_PEM
    field = signer.sign(selector.encode(), domain.encode(), key,
                        signature_algorithm=algorithm.encode(),
                        canonicalize=(canon[0].encode(), canon[1].encode()), length=length)
    return field + message


def opendkim(message, selector, domain="dkim-signed.org", algorithm="rsa-sha256",
             canon=("relaxed", "relaxed"), timestamp=SIGNED_AT, ttl=0, ztags=False, length=False):
    key = ED_PEM if algorithm.startswith("ed25519") else os.path.join(KEYS, "rsa2048.pem")
    args = [SIGNER, domain, selector, key, canon[0], canon[1], algorithm, str(timestamp),
            str(ttl), "1" if ztags else "0", "1" if length else "0"]
    return subprocess.run(args, input=message, check=True, capture_output=True).stdout


def opendkim_testmsg(message, selector, domain="dkim-signed.org"):
    """Debian's stock opendkim-testmsg: its fixed choice is rsa-sha1 relaxed/simple."""
    out = subprocess.run(["opendkim-testmsg", "-C", "-d", domain, "-s", selector, "-k",
                          os.path.join(KEYS, "rsa2048.pem")],
                         input=message, check=True, capture_output=True).stdout
    return out


def add_header_on_top(message, field):
    return crlf(field + "\n") + message


def append_to_body(message, text):
    return message + crlf(text)


def replace(message, old, new):
    assert old.encode() in message, old
    return message.replace(old.encode(), new.encode(), 1)


def build_signer():
    global SIGNER
    tmp = tempfile.mkdtemp()
    SIGNER = os.path.join(tmp, "opendkim-sign")
    subprocess.run(["gcc", "-O1", "-o", SIGNER, os.path.join(HERE, "opendkim-sign.c"),
                    "-lopendkim"], check=True)


FOOTER = """_______________________________________________
team mailing list -- team@lists.example.net
To unsubscribe send an email to team-leave@lists.example.net
"""


def fixtures():
    plain, mime = crlf(PLAIN), crlf(MIME)
    out = {}
    # Verified as sent.
    out["dkimpy-rsa-relaxed.eml"] = dkimpy(plain, "rsa2048")
    out["dkimpy-rsa-simple.eml"] = dkimpy(plain, "rsa2048", canon=("simple", "simple"))
    out["dkimpy-ed25519.eml"] = dkimpy(mime, "ed25519", algorithm="ed25519-sha256")
    out["opendkim-rsa-relaxed.eml"] = opendkim(plain, "rsa2048", ztags=True)
    out["opendkim-ed25519-relaxed.eml"] = opendkim(mime, "ed25519", algorithm="ed25519-sha256",
                                                   canon=("relaxed", "simple"))
    # libopendkim 2.11's Ed25519 signatures with simple header canonicalization do not verify:
    # dkimpy fails them too (RSA with simple, and Ed25519 with relaxed, are fine).
    out["opendkim-ed25519-simple.eml"] = opendkim(mime, "ed25519", algorithm="ed25519-sha256",
                                                  canon=("simple", "simple"))
    three = opendkim(plain, "ed25519", algorithm="ed25519-sha256")
    three = dkimpy(three, "rsa2048")
    three = dkimpy(three, "esp", domain="esp-mailer.net")
    out["three-signatures.eml"] = three
    out["subdomain-signer.eml"] = dkimpy(plain, "rsa2048", domain="news.dkim-signed.org")
    out["third-party-only.eml"] = opendkim(plain, "esp", domain="esp-mailer.net")
    mbox = dkimpy(plain, "rsa2048").replace(b"\r\n", b"\n")
    mbox = mbox.replace(b"\nFrom the desk", b"\n>From the desk")
    out["mbox-lf.mbox"] = b"From alice@dkim-signed.org Mon Dec  1 10:00:00 2025\n" + mbox

    # Altered in transit.
    listed = add_header_on_top(dkimpy(plain, "rsa2048"), "List-Id: Team <team.lists.example.net>")
    out["footer-added.eml"] = append_to_body(listed, FOOTER)
    tagged = opendkim(plain, "rsa2048", ztags=True)
    tagged = replace(tagged, "Subject: Quarterly report", "Subject: [team] Quarterly report")
    out["subject-tagged.eml"] = add_header_on_top(tagged, "List-Id: Team <team.lists.example.net>")
    out["ed25519-subject-changed.eml"] = replace(
        opendkim(plain, "ed25519", algorithm="ed25519-sha256"),
        "Subject: Quarterly report", "Subject: Quarterly report (updated)")
    out["l-tag-footer.eml"] = append_to_body(dkimpy(plain, "rsa2048", length=True), FOOTER)
    truncated = opendkim(plain, "rsa2048", length=True)
    out["l-tag-truncated.eml"] = replace(truncated, "Regards,\r\nAlice\r\n", "")
    out["body-rewritten.eml"] = replace(dkimpy(plain, "rsa2048"), "Numbers are up.",
                                        "Numbers are up [External].")
    out["expired.eml"] = dkimpy(plain, "rsa2048", expiration=SIGNED_AT + 7 * DAY)
    out["future.eml"] = opendkim(plain, "rsa2048", timestamp=4102444800)  # 2100-01-01
    out["rsa-sha1.eml"] = opendkim_testmsg(plain, "rsa2048")
    out["key-hash-not-allowed.eml"] = dkimpy(plain, "sha1only")
    out["key-missing.eml"] = dkimpy(plain, "missing")
    out["key-revoked.eml"] = dkimpy(plain, "revoked")
    out["key-mismatch.eml"] = dkimpy(plain, "rotated")

    # The benchmark's message: 100 KB of text, three signatures.
    lines = "".join(f"Line {i:05d} of the long report: the quick brown fox jumps over the lazy dog.\n"
                    for i in range(1300))
    big = crlf(HEADERS + "Content-Type: text/plain; charset=utf-8\n\n" + lines)
    big = dkimpy(big, "rsa2048")
    big = opendkim(big, "ed25519", algorithm="ed25519-sha256", canon=("relaxed", "simple"))
    big = opendkim(big, "rsa2048", canon=("relaxed", "simple"))
    out["bench-100k-3sig.eml"] = big
    return out


def lab_keys():
    """The key records the dns-lab serves (crates/dns-lab/src/internet.rs), for dkimpy's
    verifier."""
    lab = os.path.join(HERE, "..", "keys")
    rsa = open(os.path.join(lab, "mail-rsa2048.b64")).read().strip()
    ed = open(os.path.join(lab, "mail-ed25519.b64")).read().strip()
    other = open(os.path.join(lab, "rsa2048.b64")).read().strip()
    records = {}
    for domain in ("dkim-signed.org", "news.dkim-signed.org"):
        records[f"rsa2048._domainkey.{domain}."] = f"v=DKIM1; k=rsa; p={rsa}"
        records[f"ed25519._domainkey.{domain}."] = f"v=DKIM1; k=ed25519; p={ed}"
    records["sha1only._domainkey.dkim-signed.org."] = f"v=DKIM1; k=rsa; h=sha1; p={rsa}"
    records["revoked._domainkey.dkim-signed.org."] = "v=DKIM1; k=rsa; p="
    records["rotated._domainkey.dkim-signed.org."] = f"v=DKIM1; k=rsa; p={other}"
    records["esp._domainkey.esp-mailer.net."] = f"v=DKIM1; k=rsa; p={rsa}"
    return records


def dkimpy_verdicts(name, data, records):
    """dkimpy's own verdict on each signature, as a second opinion kept beside ours."""
    if name.endswith(".mbox"):
        data = data.split(b"\n", 1)[1].replace(b"\n>From ", b"\nFrom ").replace(b"\n", b"\r\n")
    d = dkim.DKIM(data)
    count = sum(1 for k, _ in d.headers if k.lower() == b"dkim-signature")
    dnsfunc = lambda qname, timeout=5: records.get(qname.decode(), "").encode()
    out = []
    for i in range(count):
        try:
            ok = dkim.DKIM(data).verify(idx=i, dnsfunc=dnsfunc)
        except Exception:
            ok = False
        out.append("pass" if ok else "fail")
    return out


def main():
    build_signer()
    os.makedirs(OUT, exist_ok=True)
    records = lab_keys()
    lines = ["# dkimpy's verdict on each DKIM-Signature, top to bottom (written by make-fixtures.py)"]
    for name, data in fixtures().items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        lines.append(f"{name} {' '.join(dkimpy_verdicts(name, data, records))}")
        print(f"{name}: {len(data)} bytes", file=sys.stderr)
    with open(os.path.join(OUT, "dkimpy-verdicts.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
