#include "pgfleet/common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void out_of_memory(size_t n)
{
	fprintf(stderr, "pgfleet: fatal: out of memory (%zu bytes)\n", n);
	abort();
}

void *pgf_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		out_of_memory(n);
	return p;
}

void *pgf_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		out_of_memory(n * size);
	return p;
}

void *pgf_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		out_of_memory(n);
	return q;
}

char *pgf_strdup(const char *s)
{
	return pgf_strndup(s, strlen(s));
}

char *pgf_strndup(const char *s, size_t n)
{
	char *d = pgf_malloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *pgf_vasprintf(const char *fmt, va_list ap)
{
	/* Most messages fit the stack buffer: one formatting pass. */
	char small[256];
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(small, sizeof(small), fmt, copy);
	va_end(copy);
	if (n < 0)
		return pgf_strdup("");
	if ((size_t)n < sizeof(small))
		return pgf_strndup(small, (size_t)n);
	char *s = pgf_malloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *pgf_asprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = pgf_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static void buf_reserve(pgf_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->ptr = pgf_realloc(b->ptr, cap);
	b->cap = cap;
}

void pgf_buf_put(pgf_buf *b, const void *data, size_t len)
{
	buf_reserve(b, len);
	if (len > 0)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void pgf_buf_puts(pgf_buf *b, const char *s)
{
	pgf_buf_put(b, s, strlen(s));
}

void pgf_buf_printf(pgf_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = pgf_vasprintf(fmt, ap);
	va_end(ap);
	pgf_buf_puts(b, s);
	free(s);
}

void pgf_buf_clear(pgf_buf *b)
{
	b->len = 0;
	if (b->ptr != NULL)
		b->ptr[0] = '\0';
}

char *pgf_buf_detach(pgf_buf *b)
{
	char *p = b->ptr ? b->ptr : pgf_strdup("");
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

void pgf_buf_free(pgf_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

/* The length of the valid UTF-8 sequence at s (1..4), or 0 when s does not
 * start one: no overlong forms, no surrogates, nothing above U+10FFFF (what
 * jansson and PostgreSQL accept). */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) || (s[0] == 0xf0 && s[1] < 0x90) ||
	    (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

/* s as valid UTF-8 (bytes outside a valid sequence as \xNN), and with
 * control characters as \xNN too when controls. */
static char *escaped(const char *s, bool controls)
{
	pgf_buf b = PGF_BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_len(p);
		if (n == 0 || (controls && n == 1 && (*p < 0x20 || *p == 0x7f))) {
			pgf_buf_printf(&b, "\\x%02x", *p);
			p++;
		} else {
			pgf_buf_put(&b, p, n);
			p += n;
		}
	}
	pgf_buf_put(&b, "", 0); /* "" for "" */
	return pgf_buf_detach(&b);
}

char *pgf_str_printable(const char *s)
{
	return escaped(s, true);
}

char *pgf_str_utf8(const char *s)
{
	return escaped(s, false);
}

bool pgf_str_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool pgf_str_is_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

size_t pgf_levenshtein(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	size_t *row = pgf_malloc((m + 1) * sizeof(*row));
	for (size_t j = 0; j <= m; j++)
		row[j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t up = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = diag + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	size_t d = row[m];
	free(row);
	return d;
}

const char *pgf_suggest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t i = 0; i < n; i++) {
		size_t d = pgf_levenshtein(word, candidates[i]);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	/* Close enough: at most a third of the word, and at least one edit allowed. */
	size_t limit = strlen(word) / 3;
	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	return best_d <= limit ? best : NULL;
}

int pgf_file_read(pgf_buf *out, const char *path, size_t cap, pgf_error **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pgf_error_set(err, errno == ENOENT ? PGF_ERR_NOTFOUND : PGF_ERR_IO,
		                     "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > cap) {
		close(fd);
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: file is %lld bytes, over the limit of %zu bytes",
		                     path, (long long)st.st_size, cap);
	}
	pgf_buf_clear(out);
	char chunk[65536];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return pgf_error_set(err, PGF_ERR_IO, "%s: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		if (out->len + (size_t)r > cap) {
			close(fd);
			return pgf_error_set(err, PGF_ERR_INPUT, "%s: file grew over the limit of %zu bytes", path, cap);
		}
		pgf_buf_put(out, chunk, (size_t)r);
	}
	close(fd);
	if (out->ptr == NULL)
		pgf_buf_put(out, "", 0);
	return 0;
}

int pgf_file_write_atomic(const char *path, const void *data, size_t len, pgf_error **err)
{
	char *tmp = pgf_asprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		pgf_error_set(err, PGF_ERR_IO, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			pgf_error_set(err, PGF_ERR_IO, "%s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			free(tmp);
			return -1;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		pgf_error_set(err, PGF_ERR_IO, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

double pgf_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

size_t pgf_text_line_of_char(const char *text, size_t len, size_t charpos)
{
	size_t line = 1, chars = 0;
	for (size_t i = 0; i < len; i++) {
		/* a character starts at every byte that is not a UTF-8 continuation */
		if (((unsigned char)text[i] & 0xC0) != 0x80) {
			chars++;
			if (chars >= charpos)
				break;
		}
		if (text[i] == '\n')
			line++;
	}
	return line;
}
