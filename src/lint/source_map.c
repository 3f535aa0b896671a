/* Where things are in a file: byte offset -> line and column, and the
 * scanner's tokens (libpg_query's pg_query_scan, whose protobuf answer is
 * decoded here by hand: it is a flat list of four integers per token). */
#include <pg_query.h>
#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"
#include "source_map.h"

void pgf_srcmap_init(pgf_srcmap *m, const char *text, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->text = text;
	m->len = len;
	size_t cap = 0;
	PGF_ARRAY_GROW(m->lines, m->nlines, cap);
	m->lines[m->nlines++] = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			PGF_ARRAY_GROW(m->lines, m->nlines, cap);
			m->lines[m->nlines++] = i + 1;
		}
	}
}

void pgf_srcmap_free(pgf_srcmap *m)
{
	free(m->lines);
	free(m->tokens);
	memset(m, 0, sizeof(*m));
}

size_t pgf_srcmap_line(const pgf_srcmap *m, size_t offset)
{
	size_t lo = 0, hi = m->nlines; /* the last line start <= offset */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->lines[mid] <= offset)
			lo = mid;
		else
			hi = mid;
	}
	return lo + 1;
}

void pgf_srcmap_position(const pgf_srcmap *m, size_t offset, size_t *line, size_t *column)
{
	if (offset > m->len)
		offset = m->len;
	*line = pgf_srcmap_line(m, offset);
	size_t col = 1;
	for (size_t i = m->lines[*line - 1]; i < offset; i++)
		if (((unsigned char)m->text[i] & 0xC0) != 0x80) /* not a UTF-8 continuation byte */
			col++;
	*column = col;
}

size_t pgf_srcmap_char_to_offset(const pgf_srcmap *m, size_t charpos)
{
	size_t chars = 0;
	for (size_t i = 0; i < m->len; i++) {
		if (((unsigned char)m->text[i] & 0xC0) != 0x80 && ++chars == charpos)
			return i;
	}
	return m->len;
}

/* ---- protobuf, the little that ScanResult needs ---- */

static int varint(const unsigned char **p, const unsigned char *end, uint64_t *out)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		unsigned char b = *(*p)++;
		v |= (uint64_t)(b & 0x7F) << shift;
		if ((b & 0x80) == 0) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* Skips a field of wire type wt; -1 on a malformed message. */
static int skip(const unsigned char **p, const unsigned char *end, unsigned wt)
{
	uint64_t v;
	switch (wt) {
	case 0:
		return varint(p, end, &v);
	case 1:
		if (end - *p < 8)
			return -1;
		*p += 8;
		return 0;
	case 2:
		if (varint(p, end, &v) != 0 || v > (uint64_t)(end - *p))
			return -1;
		*p += v;
		return 0;
	case 5:
		if (end - *p < 4)
			return -1;
		*p += 4;
		return 0;
	}
	return -1;
}

static int decode_token(pgf_token *t, const unsigned char *p, const unsigned char *end)
{
	memset(t, 0, sizeof(*t));
	while (p < end) {
		uint64_t key, v;
		if (varint(&p, end, &key) != 0)
			return -1;
		unsigned field = (unsigned)(key >> 3), wt = (unsigned)(key & 7);
		if (wt != 0) {
			if (skip(&p, end, wt) != 0)
				return -1;
			continue;
		}
		if (varint(&p, end, &v) != 0)
			return -1;
		if (field == 1)
			t->start = (size_t)v;
		else if (field == 2)
			t->end = (size_t)v;
		else if (field == 4)
			t->kind = (int)v;
	}
	return 0;
}

int pgf_srcmap_scan(pgf_srcmap *m, pgf_error **err)
{
	PgQueryScanResult r = pg_query_scan(m->text);
	int rc = 0;
	if (r.error != NULL) {
		rc = pgf_error_set(err, PGF_ERR_INPUT, "%s", r.error->message);
		goto done;
	}
	const unsigned char *p = (const unsigned char *)r.pbuf.data, *end = p + r.pbuf.len;
	size_t cap = 0;
	while (p < end && rc == 0) {
		uint64_t key, n;
		if (varint(&p, end, &key) != 0) {
			rc = -1;
			break;
		}
		if ((key >> 3) != 2 || (key & 7) != 2) {
			rc = skip(&p, end, (unsigned)(key & 7));
			continue;
		}
		if (varint(&p, end, &n) != 0 || n > (uint64_t)(end - p)) {
			rc = -1;
			break;
		}
		PGF_ARRAY_GROW(m->tokens, m->ntokens, cap);
		rc = decode_token(&m->tokens[m->ntokens], p, p + n);
		if (rc == 0 && m->tokens[m->ntokens].end <= m->len && m->tokens[m->ntokens].start <= m->tokens[m->ntokens].end)
			m->ntokens++;
		p += n;
	}
	if (rc != 0)
		pgf_error_set(err, PGF_ERR_INTERNAL, "the SQL scanner's answer could not be read");
done:
	pg_query_free_scan_result(r);
	return rc;
}

bool pgf_token_is_comment(const pgf_token *t)
{
	return t->kind == PGF_TOKEN_SQL_COMMENT || t->kind == PGF_TOKEN_C_COMMENT;
}

size_t pgf_srcmap_first_token(const pgf_srcmap *m, size_t from)
{
	size_t lo = 0, hi = m->ntokens; /* the first token starting at or after from */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->tokens[mid].start < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo < m->ntokens && pgf_token_is_comment(&m->tokens[lo]))
		lo++;
	return lo;
}
