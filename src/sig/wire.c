/* The SSH wire format, base64, armor, OpenSSH patterns and times: the pure
 * parts of SSHSIG support (OpenSSL only to wipe buffers and, through
 * digest.h, for fingerprints). */
#include "sshsig_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "pgfleet/digest.h"

/* ---- reading ---- */

int pgf_ssh_get_u32(pgf_ssh_reader *r, uint32_t *v)
{
	if (r->len < 4)
		return -1;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | (uint32_t)r->p[3];
	r->p += 4;
	r->len -= 4;
	return 0;
}

int pgf_ssh_get_string(pgf_ssh_reader *r, const unsigned char **p, size_t *len, size_t max)
{
	pgf_ssh_reader save = *r;
	uint32_t n;
	if (pgf_ssh_get_u32(r, &n) != 0)
		return -1;
	if (n > max) {
		*r = save;
		*len = n;
		return -2;
	}
	if (n > r->len) {
		*r = save;
		return -1;
	}
	*p = r->p;
	*len = n;
	r->p += n;
	r->len -= n;
	return 0;
}

int pgf_ssh_get_field(pgf_ssh_reader *r, const unsigned char **p, size_t *len, size_t max, const char *what,
                      const char *name, pgf_error **err)
{
	size_t n = 0;
	int rc = pgf_ssh_get_string(r, p, &n, max);
	if (rc == -1)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: truncated field \"%s\"", what, name);
	if (rc == -2)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: field \"%s\" is %zu bytes, over the limit of %zu", what,
		                     name, n, max);
	*len = n;
	return 0;
}

int pgf_ssh_get_text(pgf_ssh_reader *r, char **out, size_t max, const char *what, const char *name, pgf_error **err)
{
	const unsigned char *p;
	size_t n;
	if (pgf_ssh_get_field(r, &p, &n, max, what, name, err) != 0)
		return -1;
	if (memchr(p, '\0', n) != NULL)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: field \"%s\" contains a NUL byte", what, name);
	*out = pgf_strndup((const char *)p, n);
	return 0;
}

/* ---- writing ---- */

void pgf_ssh_put_u32(pgf_buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
		               (unsigned char)v };
	pgf_buf_put(b, x, 4);
}

void pgf_ssh_put_string(pgf_buf *b, const void *p, size_t len)
{
	/* Callers write bounded fields; a 4 GiB field is a bug. */
	pgf_ssh_put_u32(b, (uint32_t)len);
	pgf_buf_put(b, p, len);
}

void pgf_ssh_put_cstring(pgf_buf *b, const char *s)
{
	pgf_ssh_put_string(b, s, strlen(s));
}

/* ---- base64 ---- */

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int pgf_ssh_b64_decode(unsigned char *out, size_t *outlen, const char *in, size_t len, bool skip_space,
                       const char **why, size_t *bad)
{
	size_t o = 0;
	unsigned n = 0;    /* characters in the current quantum */
	unsigned pad = 0;  /* '=' seen */
	uint32_t acc = 0;
	*outlen = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (skip_space && is_space(c))
			continue;
		if (c == '=') {
			/* "xx==" or "xxx=": never before the second character of a quantum */
			if ((pad == 0 && n < 2) || (pad == 1 && n != 2) || pad == 2) {
				*why = "misplaced '=' padding";
				*bad = i;
				return -1;
			}
			pad++;
			continue;
		}
		int v = b64_value(c);
		if (v < 0) {
			*why = "invalid base64 character";
			*bad = i;
			return -1;
		}
		if (pad > 0) {
			*why = "base64 data after '=' padding";
			*bad = i;
			return -1;
		}
		acc = acc << 6 | (uint32_t)v;
		if (++n == 4) {
			out[o++] = (unsigned char)(acc >> 16);
			out[o++] = (unsigned char)(acc >> 8);
			out[o++] = (unsigned char)acc;
			n = 0;
			acc = 0;
		}
	}
	*bad = len;
	if (pad == 0 && n != 0) {
		*why = "truncated base64 (length not a multiple of 4)";
		return -1;
	}
	if (n == 2) {
		if (pad != 2) {
			*why = "truncated base64 (missing '=' padding)";
			return -1;
		}
		if (acc & 0xf) {
			*why = "non-canonical base64 (unused bits set)";
			return -1;
		}
		out[o++] = (unsigned char)(acc >> 4);
	} else if (n == 3) {
		if (acc & 0x3) {
			*why = "non-canonical base64 (unused bits set)";
			return -1;
		}
		out[o++] = (unsigned char)(acc >> 10);
		out[o++] = (unsigned char)(acc >> 2);
	}
	*outlen = o;
	*why = NULL;
	return 0;
}

size_t pgf_ssh_b64_encode(char *out, const unsigned char *in, size_t len, bool pad)
{
	size_t o = 0, i = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* ---- armor ---- */

static const char *find_bytes(const char *hay, size_t haylen, const char *needle, size_t nlen)
{
	if (nlen == 0 || haylen < nlen)
		return NULL;
	for (size_t i = 0; i + nlen <= haylen; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
			return hay + i;
	return NULL;
}

int pgf_ssh_dearmor(unsigned char **out, size_t *outlen, const char *text, size_t len, const char *label,
                    const char *what, pgf_error **err)
{
	char begin[96], end[96];
	int nb = snprintf(begin, sizeof(begin), "-----BEGIN %s-----", label);
	int ne = snprintf(end, sizeof(end), "\n-----END %s-----", label);
	if (nb < 0 || ne < 0 || (size_t)nb >= sizeof(begin) || (size_t)ne >= sizeof(end))
		return pgf_error_set(err, PGF_ERR_INTERNAL, "%s: armor label too long", what);

	*out = NULL;
	*outlen = 0;
	size_t hl = (size_t)nb;
	if (len < hl || memcmp(text, begin, hl) != 0)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: does not start with \"%s\"", what, begin);
	size_t pos = hl;
	if (pos < len && text[pos] == '\r')
		pos++;
	if (pos >= len || text[pos] != '\n')
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: no line break after \"%s\"", what, begin);
	/* The body starts on the next line; search the footer from the newline
	 * that ends the header, so that an empty body is found too. */
	const char *footer = find_bytes(text + pos, len - pos, end, (size_t)ne);
	if (footer == NULL)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: truncated armor: no \"%s\" line", what, end + 1);
	size_t body_start = pos + 1;
	size_t body_end = (size_t)(footer - text);
	for (size_t i = body_end + (size_t)ne; i < len; i++)
		if (!is_space((unsigned char)text[i]))
			return pgf_error_set(err, PGF_ERR_INPUT, "%s: unexpected text after \"%s\"", what, end + 1);
	if (body_end < body_start)
		body_end = body_start;  /* "BEGIN\n-----END": empty body */

	size_t blen = body_end - body_start;
	unsigned char *buf = pgf_malloc(PGF_B64_DECODED_MAX(blen));
	const char *why = NULL;
	size_t bad = 0, n = 0;
	if (pgf_ssh_b64_decode(buf, &n, text + body_start, blen, true, &why, &bad) != 0) {
		/* What was decoded may be a private key: wipe it. */
		OPENSSL_cleanse(buf, PGF_B64_DECODED_MAX(blen));
		free(buf);
		if (bad < blen) {
			/* 1-based line and column of the bad character, counting the header as line 1 */
			size_t line = 2, col = 1;
			for (size_t i = body_start; i < body_start + bad; i++) {
				if (text[i] == '\n') {
					line++;
					col = 1;
				} else {
					col++;
				}
			}
			return pgf_error_set(err, PGF_ERR_INPUT, "%s: %s at line %zu, column %zu", what, why, line, col);
		}
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: %s", what, why);
	}
	if (n == 0) {
		free(buf);  /* nothing was written */
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: empty armor", what);
	}
	*out = buf;
	*outlen = n;
	return 0;
}

void pgf_ssh_armor(pgf_buf *b, const unsigned char *blob, size_t len, const char *label)
{
	pgf_buf_printf(b, "-----BEGIN %s-----\n", label);
	char *enc = pgf_malloc(PGF_B64_ENCODED_MAX(len));
	size_t n = pgf_ssh_b64_encode(enc, blob, len, true);
	for (size_t i = 0; i < n; i += 70) {
		size_t k = n - i < 70 ? n - i : 70;
		pgf_buf_put(b, enc + i, k);
		pgf_buf_put(b, "\n", 1);
	}
	free(enc);
	pgf_buf_printf(b, "-----END %s-----\n", label);
}

/* ---- fingerprints ---- */

void pgf_ssh_fingerprint(const unsigned char *blob, size_t len, char out[PGF_FINGERPRINT_LEN])
{
	unsigned char md[PGF_SHA256_LEN];
	char enc[PGF_B64_ENCODED_MAX(PGF_SHA256_LEN)];
	pgf_sha256(blob, len, md);
	size_t n = pgf_ssh_b64_encode(enc, md, sizeof(md), false);  /* 43 characters */
	memcpy(out, "SHA256:", 7);
	memcpy(out + 7, enc, n + 1);
}

void pgf_ssh_blob_type(char out[PGF_SSH_MAX_TYPE_NAME + 1], const unsigned char *blob, size_t len)
{
	pgf_ssh_reader r = { blob, len };
	const unsigned char *p;
	size_t n;
	out[0] = '\0';
	if (pgf_ssh_get_string(&r, &p, &n, PGF_SSH_MAX_TYPE_NAME) != 0)
		return;
	for (size_t i = 0; i < n; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[n] = '\0';
}

/* ---- patterns ---- */

bool pgf_ssh_match_pattern(const char *s, const char *pattern, size_t plen)
{
	/* Iterative glob: on a mismatch, let the last '*' swallow one more
	 * character. Linear in practice, never exponential. */
	size_t si = 0, pi = 0, star = SIZE_MAX, mark = 0;
	size_t slen = strlen(s);
	while (si < slen) {
		if (pi < plen && pattern[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (pi < plen && (pattern[pi] == '?' || pattern[pi] == s[si])) {
			pi++;
			si++;
		} else if (star != SIZE_MAX) {
			pi = star + 1;
			si = ++mark;
		} else {
			return false;
		}
	}
	while (pi < plen && pattern[pi] == '*')
		pi++;
	return pi == plen;
}

int pgf_ssh_match_list(const char *s, const char *list)
{
	int got = 0;
	const char *p = list;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		bool negated = n > 0 && p[0] == '!';
		if (negated) {
			if (pgf_ssh_match_pattern(s, p + 1, n - 1))
				return -1;
		} else if (pgf_ssh_match_pattern(s, p, n)) {
			got = 1;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return got;
}

/* ---- times ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned digits(const char *s, size_t n)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

int pgf_ssh_parse_time(int64_t *out, const char *s)
{
	size_t n = strlen(s);
	bool utc = false;
	if (n > 1 && (s[n - 1] == 'Z' || s[n - 1] == 'z')) {
		utc = true;
		n--;
	} else if (n > 3 && (s[n - 3] == 'U' || s[n - 3] == 'u') && (s[n - 2] == 'T' || s[n - 2] == 't') &&
	           (s[n - 1] == 'C' || s[n - 1] == 'c')) {
		utc = true;
		n -= 3;
	}
	if ((n != 8 && n != 12 && n != 14) || !pgf_str_is_digits(s, n))
		return -1;
	unsigned year = digits(s, 4), mon = digits(s + 4, 2), day = digits(s + 6, 2);
	unsigned hour = n >= 12 ? digits(s + 8, 2) : 0, min = n >= 12 ? digits(s + 10, 2) : 0;
	unsigned sec = n == 14 ? digits(s + 12, 2) : 0;
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] || hour > 23 || min > 59 || sec > 59)
		return -1;
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (mon == 2 && day == 29 && !leap)
		return -1;
	int64_t t;
	if (utc) {
		t = days_from_civil(year, mon, day) * 86400 + (int64_t)hour * 3600 + (int64_t)min * 60 + sec;
	} else {
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = (int)year - 1900;
		tm.tm_mon = (int)mon - 1;
		tm.tm_mday = (int)day;
		tm.tm_hour = (int)hour;
		tm.tm_min = (int)min;
		tm.tm_sec = (int)sec;
		tm.tm_isdst = -1;
		time_t tt = mktime(&tm);
		if (tt == (time_t)-1)
			return -1;
		t = (int64_t)tt;
	}
	if (t <= 0)
		return -1;
	*out = t;
	return 0;
}
