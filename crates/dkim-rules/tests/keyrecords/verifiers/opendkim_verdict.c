/* Asks libopendkim (the library of the OpenDKIM milter) what it makes of one key record.
 *
 * Usage: opendkim_verdict KEYFILE MESSAGE
 * KEYFILE holds one line "sel._domainkey.example.com <record>" (libopendkim's file query
 * method, DKIM_QUERY_FILE, which the library's own test suite uses instead of DNS).
 * MESSAGE is a message signed with d=example.com s=sel by a key that is not the record's
 * (except when the record holds it), so the outcome says where verification stopped:
 * a key error means the record was refused; "signature mismatch" or success means the
 * record was accepted and used. Prints one line: accept|reject <tab> detail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <opendkim/dkim.h>

int main(int argc, char **argv)
{
	if (argc != 3) { fprintf(stderr, "usage: %s KEYFILE MESSAGE\n", argv[0]); return 2; }
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	unsigned int qtype = DKIM_QUERY_FILE;
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &qtype, sizeof qtype);
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, argv[1], strlen(argv[1]));
	DKIM_STAT status;
	DKIM *dkim = dkim_verify(lib, (unsigned char *)"corpus", NULL, &status);
	FILE *f = fopen(argv[2], "rb");
	if (f == NULL) { perror(argv[2]); return 2; }
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	/* Header fields end at a CRLF not followed by WSP; the body follows the empty line. */
	char *body = strstr(buf, "\r\n\r\n");
	if (body == NULL) { fprintf(stderr, "no body\n"); return 2; }
	*body = '\0';
	body += 4;
	char *p = buf;
	while (*p != '\0') {
		char *end = p;
		for (;;) {
			end = strstr(end, "\r\n");
			if (end == NULL) { end = p + strlen(p); break; }
			if (end[2] == ' ' || end[2] == '\t') { end += 2; continue; }
			break;
		}
		size_t len = (size_t)(end - p);
		status = dkim_header(dkim, (unsigned char *)p, len);
		p = (*end == '\0') ? end : end + 2;
	}
	status = dkim_eoh(dkim);
	if (status == DKIM_STAT_OK)
		status = dkim_body(dkim, (unsigned char *)body, strlen(body));
	if (status == DKIM_STAT_OK)
		status = dkim_eom(dkim, NULL);
	DKIM_SIGINFO *sig = dkim_getsignature(dkim);
	if (sig == NULL) { printf("reject\tno signature processed (status %d)\n", status); return 0; }
	int err = dkim_sig_geterror(sig);
	unsigned int flags = dkim_sig_getflags(sig);
	const char *testing = (flags & DKIM_SIGFLAG_TESTKEY) ? " (key marked testing)" : "";
	if (err == DKIM_SIGERROR_OK || err == DKIM_SIGERROR_BADSIG)
		printf("accept\t%s%s\n", err == DKIM_SIGERROR_OK ? "signature verified" : "key used, signature mismatch", testing);
	else
		printf("reject\t%s\n", dkim_sig_geterrorstr(err));
	dkim_free(dkim);
	dkim_close(lib);
	return 0;
}
