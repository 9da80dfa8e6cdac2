/*
 * Signs a message read from stdin with libopendkim (OpenDKIM 2.11, Debian's libopendkim-dev)
 * and writes the DKIM-Signature field followed by the message to stdout. Used only by
 * make-fixtures.sh to produce test messages signed by an implementation other than ours.
 *
 * usage: opendkim-sign DOMAIN SELECTOR KEYFILE.pem simple|relaxed simple|relaxed
 *                      rsa-sha256|rsa-sha1|ed25519-sha256 FIXEDTIME TTL(0=none) ZTAGS(0|1) LTAG(0|1)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <opendkim/dkim.h>

static unsigned char *slurp(FILE *f, size_t *len) {
    size_t cap = 1 << 16, n = 0, r;
    unsigned char *buf = malloc(cap);
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    *len = n;
    return buf;
}

static dkim_canon_t canon(const char *s) {
    return strcmp(s, "relaxed") == 0 ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
}

int main(int argc, char **argv) {
    if (argc != 11) {
        fprintf(stderr, "usage: %s DOMAIN SELECTOR KEY HCANON BCANON ALG FIXEDTIME TTL ZTAGS LTAG\n", argv[0]);
        return 2;
    }
    size_t keylen, msglen;
    FILE *kf = fopen(argv[3], "rb");
    if (!kf) { perror(argv[3]); return 2; }
    unsigned char *key = slurp(kf, &keylen);
    key = realloc(key, keylen + 1);
    key[keylen] = '\0';
    fclose(kf);
    unsigned char *msg = slurp(stdin, &msglen);

    dkim_alg_t alg = DKIM_SIGN_RSASHA256;
    if (strcmp(argv[6], "rsa-sha1") == 0) alg = DKIM_SIGN_RSASHA1;
    if (strcmp(argv[6], "ed25519-sha256") == 0) alg = DKIM_SIGN_ED25519SHA256;

    DKIM_LIB *lib = dkim_init(NULL, NULL);
    uint64_t fixed = strtoull(argv[7], NULL, 10);
    uint64_t ttl = strtoull(argv[8], NULL, 10);
    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME, &fixed, sizeof fixed);
    if (ttl > 0) dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNATURETTL, &ttl, sizeof ttl);
    unsigned int flags = DKIM_LIBFLAGS_FIXCRLF;
    if (atoi(argv[9])) flags |= DKIM_LIBFLAGS_ZTAGS;
    if (atoi(argv[10])) flags |= DKIM_LIBFLAGS_SIGNLEN;
    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags);

    DKIM_STAT status;
    DKIM *dkim = dkim_sign(lib, (const unsigned char *)"fixture", NULL, key,
                           (const unsigned char *)argv[2], (const unsigned char *)argv[1],
                           canon(argv[4]), canon(argv[5]), alg, -1, &status);
    if (!dkim) { fprintf(stderr, "dkim_sign: %s\n", dkim_getresultstr(status)); return 1; }
    if ((status = dkim_chunk(dkim, msg, msglen)) != DKIM_STAT_OK ||
        (status = dkim_chunk(dkim, NULL, 0)) != DKIM_STAT_OK) {
        fprintf(stderr, "dkim_chunk: %s\n", dkim_getresultstr(status));
        return 1;
    }
    bool testkey;
    if ((status = dkim_eom(dkim, &testkey)) != DKIM_STAT_OK) {
        fprintf(stderr, "dkim_eom: %s (%s)\n", dkim_getresultstr(status), dkim_geterror(dkim));
        return 1;
    }
    unsigned char *hdr;
    size_t hdrlen;
    if ((status = dkim_getsighdr_d(dkim, strlen(DKIM_SIGNHEADER) + 2, &hdr, &hdrlen)) != DKIM_STAT_OK) {
        fprintf(stderr, "dkim_getsighdr_d: %s\n", dkim_getresultstr(status));
        return 1;
    }
    /* libopendkim folds with bare LF; the message is CRLF. */
    fputs(DKIM_SIGNHEADER ": ", stdout);
    for (size_t i = 0; i < hdrlen; i++) {
        if (hdr[i] == '\n' && (i == 0 || hdr[i - 1] != '\r')) fputc('\r', stdout);
        fputc(hdr[i], stdout);
    }
    fputs("\r\n", stdout);
    fwrite(msg, 1, msglen, stdout);
    dkim_free(dkim);
    dkim_close(lib);
    return 0;
}
