/* The objects that differ between two fingerprinted schemas (pure). */
#include "pgfleet/drift.h"

#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"

#define VALUE_SHOWN 72 /* longer values are cut, with "..." */

typedef struct object {
	const char *line;   /* kind TAB name [TAB key value ...] */
	size_t keylen;      /* kind TAB name */
} object;

typedef struct object_list {
	object *items;
	size_t count, cap;
	char *text;         /* owned copy, split in place */
} object_list;

static size_t key_length(const char *line)
{
	const char *tab = strchr(line, '\t');
	if (tab == NULL)
		return strlen(line);
	const char *tab2 = strchr(tab + 1, '\t');
	return tab2 ? (size_t)(tab2 - line) : strlen(line);
}

static int object_cmp(const void *a, const void *b)
{
	const object *x = a, *y = b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->line, y->line, n);
	return c != 0 ? c : (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

static void split(object_list *l, const char *text)
{
	memset(l, 0, sizeof(*l));
	l->text = pgf_strdup(text ? text : "");
	for (char *p = l->text; *p != '\0';) {
		char *nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (*p != '\0') {
			PGF_ARRAY_GROW(l->items, l->count, l->cap);
			l->items[l->count++] = (object){ p, key_length(p) };
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	/* sorted already when it comes from the server; sorted here by key so
	 * that the merge below does not depend on it */
	if (l->count > 1)
		qsort(l->items, l->count, sizeof(object), object_cmp);
}

/* "kind name" of a line (the tab between them becomes a space). */
static void put_title(pgf_buf *b, const object *o)
{
	const char *tab = memchr(o->line, '\t', o->keylen);
	if (tab == NULL) {
		pgf_buf_put(b, o->line, o->keylen);
		return;
	}
	pgf_buf_put(b, o->line, (size_t)(tab - o->line));
	pgf_buf_puts(b, " ");
	pgf_buf_put(b, tab + 1, o->keylen - (size_t)(tab + 1 - o->line));
}

static void put_value(pgf_buf *b, const char *v, size_t len)
{
	if (len > VALUE_SHOWN) {
		/* cut before a character, not inside one (UTF-8 continuation
		 * bytes are 10xxxxxx) */
		size_t cut = VALUE_SHOWN - 3;
		while (cut > 0 && ((unsigned char)v[cut] & 0xC0) == 0x80)
			cut--;
		pgf_buf_put(b, v, cut);
		pgf_buf_puts(b, "...");
	} else {
		pgf_buf_put(b, v, len);
	}
}

typedef struct segment {
	const char *key, *value;
	size_t keylen, valuelen;
} segment;

static size_t segments(const object *o, segment *out, size_t max)
{
	size_t n = 0;
	const char *p = o->line + o->keylen;
	while (*p == '\t' && n < max) {
		p++;
		const char *end = strchr(p, '\t');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *sp = memchr(p, ' ', len);
		out[n].key = p;
		out[n].keylen = sp ? (size_t)(sp - p) : len;
		out[n].value = sp ? sp + 1 : p + len;
		out[n].valuelen = sp ? len - out[n].keylen - 1 : 0;
		n++;
		p += len;
	}
	return n;
}

static const segment *find_segment(const segment *s, size_t n, const segment *like)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].keylen == like->keylen && memcmp(s[i].key, like->key, like->keylen) == 0)
			return &s[i];
	return NULL;
}

#define MAX_SEGMENTS 32

/* "column public.users.age type changed: integer -> bigint; default added: 0" */
static char *describe_change(const object *was, const object *now)
{
	segment a[MAX_SEGMENTS], b[MAX_SEGMENTS];
	size_t na = segments(was, a, MAX_SEGMENTS), nb = segments(now, b, MAX_SEGMENTS);
	pgf_buf out = PGF_BUF_INIT;
	put_title(&out, now);
	size_t parts = 0;
	for (size_t i = 0; i < na; i++) {
		const segment *other = find_segment(b, nb, &a[i]);
		if (other != NULL && other->valuelen == a[i].valuelen && memcmp(other->value, a[i].value, a[i].valuelen) == 0)
			continue;
		pgf_buf_puts(&out, parts++ ? "; " : " ");
		pgf_buf_put(&out, a[i].key, a[i].keylen);
		if (other != NULL) {
			pgf_buf_puts(&out, " changed: ");
			put_value(&out, a[i].value, a[i].valuelen);
			pgf_buf_puts(&out, " -> ");
			put_value(&out, other->value, other->valuelen);
		} else {
			pgf_buf_puts(&out, " removed (was ");
			put_value(&out, a[i].value, a[i].valuelen);
			pgf_buf_puts(&out, ")");
		}
	}
	for (size_t i = 0; i < nb; i++) {
		if (find_segment(a, na, &b[i]) != NULL)
			continue;
		pgf_buf_puts(&out, parts++ ? "; " : " ");
		pgf_buf_put(&out, b[i].key, b[i].keylen);
		pgf_buf_puts(&out, " added: ");
		put_value(&out, b[i].value, b[i].valuelen);
	}
	if (parts == 0) /* the same keys and values in another order */
		pgf_buf_puts(&out, " changed");
	return pgf_buf_detach(&out);
}

static char *describe_presence(const object *o, const char *what)
{
	pgf_buf out = PGF_BUF_INIT;
	put_title(&out, o);
	pgf_buf_puts(&out, what);
	return pgf_buf_detach(&out);
}

size_t pgf_drift_diff(char ***out, const char *expected, const char *actual)
{
	object_list x, y;
	split(&x, expected);
	split(&y, actual);
	char **lines = NULL;
	size_t n = 0, cap = 0;
	size_t i = 0, k = 0;
	while (i < x.count || k < y.count) {
		int c = i == x.count ? 1 : k == y.count ? -1 : object_cmp(&x.items[i], &y.items[k]);
		char *line = NULL;
		if (c < 0) {
			line = describe_presence(&x.items[i++], " dropped");
		} else if (c > 0) {
			line = describe_presence(&y.items[k++], " added");
		} else {
			if (strcmp(x.items[i].line, y.items[k].line) != 0)
				line = describe_change(&x.items[i], &y.items[k]);
			i++;
			k++;
		}
		if (line != NULL) {
			PGF_ARRAY_GROW(lines, n, cap);
			lines[n++] = line;
		}
	}
	free(x.items);
	free(x.text);
	free(y.items);
	free(y.text);
	*out = lines;
	return n;
}

void pgf_drift_lines_free(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

void pgf_drift_report_free(pgf_drift_report *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->fingerprint);
	free(r->recorded_scope);
	free(r->recorded_version);
	pgf_drift_lines_free(r->changes, r->nchanges);
	free(r->group);
	free(r->peer);
	pgf_drift_lines_free(r->peer_changes, r->npeer_changes);
	free(r);
}

bool pgf_drift_report_drifted(const pgf_drift_report *r)
{
	return r != NULL && (r->nchanges > 0 || r->npeer_changes > 0);
}

char *pgf_drift_lines_join(char *const *lines, size_t n, size_t max, bool and_more)
{
	pgf_buf b = PGF_BUF_INIT;
	for (size_t i = 0; i < n && i < max; i++)
		pgf_buf_printf(&b, "%s%s", i ? "; " : "", lines[i]);
	if (and_more && n > max)
		pgf_buf_printf(&b, "; and %zu more", n - max);
	pgf_buf_put(&b, "", 0);
	return pgf_buf_detach(&b);
}
