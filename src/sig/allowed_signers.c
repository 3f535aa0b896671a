/* allowed_signers files (ssh-keygen(1), section ALLOWED SIGNERS), as git's
 * gpg.ssh.allowedSignersFile and `ssh-keygen -Y verify -f` read them:
 *
 *   principals [options] keytype base64-key [comment]
 *
 * principals: a comma-separated pattern list ('*', '?', '!' negation), quoted
 * if it holds spaces. options: comma-separated, no spaces outside quotes;
 * keywords case-insensitive; values quoted (OpenSSH refuses unquoted ones):
 * namespaces="list", valid-after="time", valid-before="time", cert-authority
 * (refused: pgfleet does not verify certificates). The whole file is parsed
 * when loaded and every bad line is an error: a trust root is never read
 * half-way, and no line is skipped silently. */
#include "sshsig_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct as_entry {
	size_t line;
	char *principals;       /* the pattern list */
	char *first_principal;  /* its first non-negated pattern, NULL if none */
	char *namespaces;       /* a pattern list; NULL: any namespace */
	int64_t valid_after;    /* 0: unset */
	int64_t valid_before;   /* 0: unset */
	unsigned char *blob;
	size_t blob_len;
} as_entry;

struct pgf_allowed_signers {
	char *label;
	as_entry *items;
	size_t count;
	size_t cap;
};

static void entry_clear(as_entry *e)
{
	free(e->principals);
	free(e->first_principal);
	free(e->namespaces);
	free(e->blob);
	memset(e, 0, sizeof(*e));
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blank(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

/* A line error: "label:line: message". Returns -1. */
static int line_error(pgf_error **err, const char *label, size_t line, const char *fmt, ...) PGF_PRINTF(4, 5);
static int line_error(pgf_error **err, const char *label, size_t line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = pgf_vasprintf(fmt, ap);
	va_end(ap);
	pgf_error_set(err, PGF_ERR_CONFIG, "%s:%zu: %s", label, line, msg);
	free(msg);
	return -1;
}

/* A copy of at most 100 bytes of s for messages, control characters replaced. */
static char *shown(const char *s, size_t n)
{
	size_t k = n > 100 ? 100 : n;
	char *out = pgf_malloc(k + 4);
	for (size_t i = 0; i < k; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	strcpy(out + k, n > k ? "..." : "");
	return out;
}

/* A quoted option value: "..." where \" stands for a quote (OpenSSH's
 * opt_dequote). *p points at the opening quote; on success it points past
 * the closing one. */
static int dequote(char **out, const char **p, const char *opt, const char *label, size_t line, pgf_error **err)
{
	const char *s = *p;
	if (*s != '"') {
		line_error(err, label, line, "the value of %s must be quoted, like %s=\"...\"", opt, opt);
		return -1;
	}
	s++;
	pgf_buf b = PGF_BUF_INIT;
	while (*s != '\0' && *s != '"') {
		if (s[0] == '\\' && s[1] == '"')
			s++;
		pgf_buf_put(&b, s, 1);
		s++;
	}
	if (*s != '"') {
		pgf_buf_free(&b);
		return line_error(err, label, line, "the value of %s has no closing quote", opt);
	}
	pgf_buf_put(&b, "", 0);
	*out = pgf_buf_detach(&b);
	*p = s + 1;
	return 0;
}

static bool match_keyword(const char **p, const char *kw)
{
	size_t n = strlen(kw);
	if (strncasecmp(*p, kw, n) == 0 && (*p)[n] == '=') {
		*p += n + 1;
		return true;
	}
	return false;
}

static int parse_time_option(int64_t *out, const char **p, const char *opt, const char *label, size_t line,
                             pgf_error **err)
{
	char *v = NULL;
	if (*out != 0)
		return line_error(err, label, line, "%s appears twice", opt);
	if (dequote(&v, p, opt, label, line, err) != 0)
		return -1;
	int rc = pgf_ssh_parse_time(out, v);
	if (rc != 0) {
		char *s = shown(v, strlen(v));
		line_error(err, label, line, "%s=\"%s\" is not a time: use YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, "
		           "with Z for UTC", opt, s);
		free(s);
	}
	free(v);
	return rc;
}

/* The options field (a NUL-terminated copy), OpenSSH's sshsigopt_parse. */
static int parse_options(as_entry *e, const char *opts, const char *label, size_t line, pgf_error **err)
{
	const char *p = opts;
	bool ca = false;
	while (*p != '\0') {
		if (strncasecmp(p, "cert-authority", 14) == 0 && (p[14] == ',' || p[14] == '\0')) {
			ca = true;
			p += 14;
		} else if (match_keyword(&p, "namespaces")) {
			if (e->namespaces != NULL)
				return line_error(err, label, line, "namespaces appears twice");
			if (dequote(&e->namespaces, &p, "namespaces", label, line, err) != 0)
				return -1;
		} else if (match_keyword(&p, "valid-after")) {
			if (parse_time_option(&e->valid_after, &p, "valid-after", label, line, err) != 0)
				return -1;
		} else if (match_keyword(&p, "valid-before")) {
			if (parse_time_option(&e->valid_before, &p, "valid-before", label, line, err) != 0)
				return -1;
		} else {
			size_t n = strcspn(p, ",=");
			char *s = shown(p, n);
			line_error(err, label, line, "unknown option \"%s\" (known: namespaces, valid-after, valid-before)", s);
			free(s);
			return -1;
		}
		if (*p == '\0')
			break;
		if (*p != ',') {
			char *s = shown(p, strlen(p));
			line_error(err, label, line, "unexpected \"%s\" in the options", s);
			free(s);
			return -1;
		}
		p++;
		if (*p == '\0')
			return line_error(err, label, line, "the options end with a comma");
	}
	if (ca) {
		line_error(err, label, line, "cert-authority is not supported: pgfleet verifies plain keys, not certificates");
		pgf_error_hint(err, "list each signer's own public key instead of the certificate authority's");
		return -1;
	}
	if (e->valid_after != 0 && e->valid_before != 0 && e->valid_before <= e->valid_after)
		return line_error(err, label, line, "valid-before is not after valid-after");
	return 0;
}

/* The first field: a pattern list, possibly in double quotes. */
static int parse_principals(as_entry *e, const char **p, const char *label, size_t line, pgf_error **err)
{
	const char *s = *p, *start, *end;
	if (*s == '"') {
		start = ++s;
		while (*s != '\0' && *s != '"')
			s++;
		if (*s != '"')
			return line_error(err, label, line, "the principals have no closing quote");
		end = s++;
		if (*s != '\0' && !is_blank(*s))
			return line_error(err, label, line, "unexpected text after the quoted principals");
	} else {
		start = s;
		while (*s != '\0' && !is_blank(*s)) {
			if (*s == '"')
				return line_error(err, label, line, "unexpected quote in the principals");
			s++;
		}
		end = s;
	}
	if (end == start)
		return line_error(err, label, line, "no principals");
	e->principals = pgf_strndup(start, (size_t)(end - start));
	/* Each pattern must be non-empty; remember the first positive one. */
	const char *q = e->principals;
	for (;;) {
		size_t n = strcspn(q, ",");
		bool neg = n > 0 && q[0] == '!';
		if (n == 0 || (neg && n == 1))
			return line_error(err, label, line, "empty principal in \"%s\"", e->principals);
		if (!neg && e->first_principal == NULL)
			e->first_principal = pgf_strndup(q, n);
		if (q[n] == '\0')
			break;
		q += n + 1;
	}
	*p = s;
	return 0;
}

/* One field up to unquoted whitespace (options may quote spaces). */
static const char *field_end(const char *p, bool quotes)
{
	bool quoted = false;
	for (; *p != '\0' && (quoted || !is_blank(*p)); p++) {
		if (quotes && p[0] == '\\' && p[1] == '"')
			p++;
		else if (quotes && *p == '"')
			quoted = !quoted;
	}
	return p;
}

static int parse_key(as_entry *e, const char *type, const char *b64, size_t b64len, const char *label, size_t line,
                     pgf_error **err)
{
	switch (pgf_sshkey_classify(type)) {
	case PGF_SSHKEY_SUPPORTED:
	case PGF_SSHKEY_UNSUPPORTED:
		break;
	case PGF_SSHKEY_CERTIFICATE:
		return line_error(err, label, line, "certificates (%s) are not supported: list the plain public key", type);
	case PGF_SSHKEY_UNKNOWN: {
		char *s = shown(type, strlen(type));
		line_error(err, label, line, "unknown key type \"%s\"", s);
		free(s);
		return -1;
	}
	}
	unsigned char *blob = pgf_malloc(PGF_B64_DECODED_MAX(b64len));
	size_t n = 0, bad = 0;
	const char *why = NULL;
	if (pgf_ssh_b64_decode(blob, &n, b64, b64len, false, &why, &bad) != 0) {
		free(blob);
		if (bad < b64len)
			return line_error(err, label, line, "the %s key: %s at character %zu", type, why, bad + 1);
		return line_error(err, label, line, "the %s key: %s", type, why);
	}
	char embedded[PGF_SSH_MAX_TYPE_NAME + 1];
	pgf_ssh_blob_type(embedded, blob, n);
	if (strcmp(embedded, type) != 0) {
		free(blob);
		return line_error(err, label, line, "the key is %s, not %s as the line says",
		                  embedded[0] ? embedded : "not an ssh public key", type);
	}
	if (pgf_sshkey_classify(type) == PGF_SSHKEY_SUPPORTED) {
		/* Full check (sizes, curve point, trailing bytes); keep only the blob. */
		pgf_sshkey *k = NULL;
		pgf_error *kerr = NULL;
		char *what = pgf_asprintf("the %s key", type);
		int rc = pgf_sshkey_from_blob(&k, blob, n, what, &kerr);
		free(what);
		if (rc != 0) {
			line_error(err, label, line, "%s", kerr ? kerr->message : "invalid key");
			pgf_error_free(kerr);
			free(blob);
			return -1;
		}
		pgf_sshkey_free(k);
	}
	/* Unsupported plain types (DSA, sk-*) are kept: their signatures are
	 * refused when parsed, so such a line never matches anything. */
	e->blob = blob;
	e->blob_len = n;
	return 0;
}

static int parse_line(as_entry *e, const char *text, const char *label, size_t line, pgf_error **err)
{
	const char *p = skip_blank(text);
	if (parse_principals(e, &p, label, line, err) != 0)
		return -1;
	p = skip_blank(p);

	/* Options or the key type: the key type is a known type name. */
	const char *f = p, *fe = field_end(p, true);
	if (f == fe)
		return line_error(err, label, line, "missing key");
	char *tok = pgf_strndup(f, (size_t)(fe - f));
	int rc = -1;
	if (pgf_sshkey_classify(tok) == PGF_SSHKEY_UNKNOWN) {
		if (parse_options(e, tok, label, line, err) != 0)
			goto done;
		free(tok);
		p = skip_blank(fe);
		f = p;
		fe = field_end(p, false);
		if (f == fe) {
			tok = NULL;
			line_error(err, label, line, "missing key");
			goto done;
		}
		tok = pgf_strndup(f, (size_t)(fe - f));
	}
	p = skip_blank(fe);
	const char *b = p, *be = field_end(p, false);
	if (b == be) {
		line_error(err, label, line, "missing base64 key after %s", tok);
		goto done;
	}
	rc = parse_key(e, tok, b, (size_t)(be - b), label, line, err);
	/* the rest of the line is a comment */
done:
	free(tok);
	return rc;
}

int pgf_allowed_signers_parse(pgf_allowed_signers **out, const char *text, size_t len, const char *label,
                              pgf_error **err)
{
	*out = NULL;
	if (label == NULL)
		label = "allowed signers";
	if (len > PGF_ALLOWED_SIGNERS_MAX_FILE)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: %zu bytes, over the limit of %d", label, len,
		                     PGF_ALLOWED_SIGNERS_MAX_FILE);
	if (memchr(text, '\0', len) != NULL)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: contains a NUL byte", label);

	pgf_allowed_signers *as = pgf_calloc(1, sizeof(*as));
	as->label = pgf_strdup(label);
	pgf_error *errors = NULL;
	size_t line = 0, pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;
		size_t n = end - pos;
		line++;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		char *l = pgf_strndup(text + pos, n);
		pos = end + 1;
		const char *p = skip_blank(l);
		if (*p == '\0' || *p == '#') {
			free(l);
			continue;
		}
		as_entry e;
		memset(&e, 0, sizeof(e));
		e.line = line;
		if (parse_line(&e, l, label, line, &errors) != 0) {
			entry_clear(&e);
		} else {
			PGF_ARRAY_GROW(as->items, as->count, as->cap);
			as->items[as->count++] = e;
		}
		free(l);
	}
	if (errors != NULL) {
		pgf_error_append(err, errors);
		pgf_allowed_signers_free(as);
		return -1;
	}
	*out = as;
	return 0;
}

int pgf_allowed_signers_load(pgf_allowed_signers **out, const char *path, pgf_error **err)
{
	*out = NULL;
	pgf_buf b = PGF_BUF_INIT;
	if (pgf_file_read(&b, path, PGF_ALLOWED_SIGNERS_MAX_FILE, err) != 0) {
		pgf_buf_free(&b);
		return -1;
	}
	int rc = pgf_allowed_signers_parse(out, b.ptr, b.len, path, err);
	pgf_buf_free(&b);
	return rc;
}

size_t pgf_allowed_signers_count(const pgf_allowed_signers *as)
{
	return as->count;
}

static void format_time(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)t);
}

/* Why line e, which has the signature's key and the principal, does not
 * accept it for namespace at when; NULL when it does. */
static char *refusal(const pgf_allowed_signers *as, const as_entry *e, const char *fp, const char *name,
                     const char *namespace, int64_t when)
{
	int64_t bound = 0;
	const char *what = NULL, *attr = NULL;
	if (e->valid_after != 0 && when < e->valid_after) {
		bound = e->valid_after;
		what = "is not valid yet";
		attr = "valid-after";
	} else if (e->valid_before != 0 && when > e->valid_before) {
		bound = e->valid_before;
		what = "has expired";
		attr = "valid-before";
	}
	bool wrong_namespace = e->namespaces != NULL && pgf_ssh_match_list(namespace, e->namespaces) != 1;
	if (!wrong_namespace && what == NULL)
		return NULL;
	char *shown_name = shown(name, strlen(name));
	char *why;
	if (wrong_namespace) {
		why = pgf_asprintf("%s:%zu: key %s of %s may not sign namespace \"%s\" (namespaces=\"%s\")", as->label,
		                   e->line, fp, shown_name, namespace, e->namespaces);
	} else {
		char t[32], w[32];
		format_time(t, bound);
		format_time(w, when);
		why = pgf_asprintf("%s:%zu: key %s of %s %s at %s (%s %s)", as->label, e->line, fp, shown_name, what, w,
		                   attr, t);
	}
	free(shown_name);
	return why;
}

int pgf_allowed_signers_find(const char **who, const pgf_allowed_signers *as, const pgf_sshsig *sig,
                             const char *namespace, int64_t when, const char *principal, pgf_error **err)
{
	*who = NULL;
	if (namespace == NULL || namespace[0] == '\0')
		return pgf_error_set(err, PGF_ERR_INTERNAL, "allowed signers: no namespace to check");
	if (strcmp(pgf_sshsig_namespace(sig), namespace) != 0)
		return pgf_error_set(err, PGF_ERR_INPUT, "ssh signature: namespace is \"%s\", expected \"%s\"",
		                     pgf_sshsig_namespace(sig), namespace);
	size_t bloblen;
	const unsigned char *blob = pgf_sshsig_key_blob(sig, &bloblen);
	char fp[PGF_FINGERPRINT_LEN];
	pgf_sshsig_fingerprint(sig, fp);

	char *reason = NULL;     /* the first line that had the key but refused it */
	bool other_principal = false;
	for (size_t i = 0; i < as->count; i++) {
		const as_entry *e = &as->items[i];
		if (e->blob_len != bloblen || memcmp(e->blob, blob, bloblen) != 0)
			continue;
		if (principal != NULL ? pgf_ssh_match_list(principal, e->principals) != 1 : e->first_principal == NULL) {
			other_principal = true;
			continue;
		}
		const char *name = principal != NULL ? principal : e->first_principal;
		char *why = refusal(as, e, fp, name, namespace, when);
		if (why != NULL) {
			if (reason == NULL)
				reason = why;
			else
				free(why);
			continue;
		}
		free(reason);
		*who = name;
		return 0;
	}
	if (reason != NULL) {
		pgf_error_set(err, PGF_ERR_INPUT, "%s", reason);
		free(reason);
		return -1;
	}
	if (other_principal && principal != NULL) {
		/* principal may come from a commit: no control characters in the message */
		char *p = shown(principal, strlen(principal));
		pgf_error_set(err, PGF_ERR_INPUT, "key %s is not trusted for principal \"%s\" in %s", fp, p, as->label);
		free(p);
		return -1;
	}
	return pgf_error_set(err, PGF_ERR_INPUT, "key %s (%s) is not in %s", fp, pgf_sshsig_key_type(sig), as->label);
}

void pgf_allowed_signers_free(pgf_allowed_signers *as)
{
	if (as == NULL)
		return;
	for (size_t i = 0; i < as->count; i++)
		entry_clear(&as->items[i]);
	free(as->items);
	free(as->label);
	free(as);
}
