/* Parse trees from libpg_query's JSON: pg_query_parse writes the tree as JSON
 * about three times faster than pg_query_parse_protobuf packs it (protobuf-c
 * sizes every nested message again at each level), so the linter reads the
 * JSON into the protobuf-c structs the rules use, driven by the generated
 * descriptors: a JSON object is a message, its keys are the proto fields'
 * json_names (the PostgreSQL field names: "tableElts" for table_elts, and
 * for a Node's oneof the type's name, "CreateStmt"), enums are their value
 * names. The structs come out as protobuf-c's unpack of the protobuf answer
 * would make them (tests/unit/test_lint.c packs both and compares). */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"
#include "tree.h"

/* ---- the arena ---- */

struct pgf_arena {
	struct pgf_arena *next;
	size_t used, size;
	max_align_t data[];
};

void *pgf_arena_alloc(pgf_arena **head, size_t size)
{
	size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	pgf_arena *c = *head;
	if (c == NULL || c->size - c->used < size) {
		/* 4 KiB, doubling to 64 KiB: most files' trees are small */
		size_t cap = c == NULL ? 4096 : c->size < 65536 ? 2 * c->size : 65536;
		if (cap < size)
			cap = size;
		c = pgf_malloc(sizeof(pgf_arena) + cap);
		c->next = *head;
		c->used = 0;
		c->size = cap;
		*head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

void pgf_arena_release(pgf_arena *c)
{
	while (c != NULL) {
		pgf_arena *next = c->next;
		free(c);
		c = next;
	}
}

static void *allocator_alloc(void *data, size_t size)
{
	return pgf_arena_alloc(data, size);
}

static void allocator_free(void *data, void *p)
{
	(void)data;
	(void)p; /* all at once, in pgf_arena_release */
}

ProtobufCAllocator pgf_arena_allocator(pgf_arena **arena)
{
	return (ProtobufCAllocator){ allocator_alloc, allocator_free, arena };
}

/* ---- a Node's types by name ---- */

/* A Node's oneof fields by their message type's name (the JSON key), in an
 * open-addressing table built once. */
typedef struct node_key {
	const char *name;
	size_t len;
	const ProtobufCFieldDescriptor *field;
} node_key;

#define NODE_SLOTS 1024 /* a power of two, over twice the Node's ~240 fields */
static node_key node_keys[NODE_SLOTS];
static pthread_once_t node_keys_once = PTHREAD_ONCE_INIT;

static size_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h & (NODE_SLOTS - 1);
}

static void node_keys_init(void)
{
	const ProtobufCMessageDescriptor *d = &pg_query__node__descriptor;
	for (unsigned i = 0; i < d->n_fields && i < NODE_SLOTS / 2; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		/* "pg_query.A_Const": its short_name is "AConst" */
		const char *name = ((const ProtobufCMessageDescriptor *)f->descriptor)->name, *dot = strrchr(name, '.');
		name = dot ? dot + 1 : name;
		size_t len = strlen(name), h = name_hash(name, len);
		while (node_keys[h].name != NULL)
			h = (h + 1) & (NODE_SLOTS - 1);
		node_keys[h] = (node_key){ name, len, f };
	}
}

static const ProtobufCFieldDescriptor *node_field(const char *key, size_t len)
{
	pthread_once(&node_keys_once, node_keys_init);
	for (size_t h = name_hash(key, len); node_keys[h].name != NULL; h = (h + 1) & (NODE_SLOTS - 1))
		if (node_keys[h].len == len && memcmp(node_keys[h].name, key, len) == 0)
			return node_keys[h].field;
	return NULL;
}

/* Whether a proto field name is the JSON key: "table_elts" and "tableElts"
 * (underscores and case aside: no two fields of a message differ only so). */
static bool field_is(const char *name, const char *key, size_t len)
{
	size_t i = 0;
	for (;;) {
		while (*name == '_')
			name++;
		while (i < len && key[i] == '_')
			i++;
		if (*name == '\0' || i == len)
			return *name == '\0' && i == len;
		char a = *name, b = key[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
		name++;
		i++;
	}
}

/* The field for a key; *cursor: where the last one was (keys come in field order). */
static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *d, const char *key, size_t len,
                                                  unsigned *cursor)
{
	/* libpg_query's own descriptors are not always those its header names
	 * (a program's copy of them): compare what they describe */
	if (d->n_fields == pg_query__node__descriptor.n_fields && strcmp(d->name, "pg_query.Node") == 0)
		return node_field(key, len);
	for (unsigned k = 0; k < d->n_fields; k++) {
		unsigned i = (*cursor + k) % d->n_fields;
		const char *name = d->fields[i].name;
		if ((name[0] | 0x20) == (key[0] | 0x20) && field_is(name, key, len)) {
			*cursor = i + 1;
			return &d->fields[i];
		}
	}
	return NULL;
}

/* ---- JSON ---- */

typedef struct reader {
	const char *p;
	pgf_arena **arena;
	uint64_t *stack;   /* a repeated field's elements while its array is read */
	size_t depth, cap;
} reader;

static void ws(reader *r)
{
	while (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r')
		r->p++;
}

static bool take(reader *r, char c)
{
	ws(r);
	if (*r->p != c)
		return false;
	r->p++;
	return true;
}

/* The end of the string starting at p (at its quote); NULL when unterminated. */
static const char *string_end(const char *p, bool *escaped)
{
	for (p++;; p++) {
		/* most strings are short names: the loop is faster than strcspn */
		while (*p != '"' && *p != '\\' && *p != '\0')
			p++;
		if (*p == '"')
			return p;
		if (*p == '\0' || p[1] == '\0')
			return NULL;
		*escaped = true;
		p++;
	}
}

static bool skip_value(reader *r)
{
	ws(r);
	bool escaped = false;
	if (*r->p == '"') {
		const char *e = string_end(r->p, &escaped);
		if (e == NULL)
			return false;
		r->p = e + 1;
		return true;
	}
	if (*r->p == '{' || *r->p == '[') {
		size_t depth = 0;
		do {
			if (*r->p == '"') {
				const char *e = string_end(r->p, &escaped);
				if (e == NULL)
					return false;
				r->p = e;
			} else if (*r->p == '{' || *r->p == '[')
				depth++;
			else if (*r->p == '}' || *r->p == ']')
				depth--;
			else if (*r->p == '\0')
				return false;
			r->p++;
		} while (depth > 0);
		return true;
	}
	const char *start = r->p;
	while ((*r->p >= '0' && *r->p <= '9') || (*r->p >= 'a' && *r->p <= 'z') || *r->p == '-' || *r->p == '+' ||
	       *r->p == '.' || *r->p == 'E')
		r->p++;
	return r->p > start;
}

/* A key (no escapes in libpg_query's) and its colon. */
static bool key(reader *r, const char **k, size_t *len)
{
	ws(r);
	bool escaped = false;
	const char *e = *r->p == '"' ? string_end(r->p, &escaped) : NULL;
	if (e == NULL || escaped)
		return false;
	*k = r->p + 1;
	*len = (size_t)(e - *k);
	r->p = e + 1;
	return take(r, ':');
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* A string value, unescaped, into out (room for the raw length + 1). */
static bool unescape(const char *s, const char *e, char *out)
{
	size_t o = 0;
	while (s < e) {
		if (*s != '\\') {
			out[o++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case 'u': {
			if (e - s < 5)
				return false;
			int cp = hex4(s + 1);
			s += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && e - s >= 7 && s[1] == '\\' && s[2] == 'u') {
				int lo = hex4(s + 3);
				if (lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					s += 6;
				}
			}
			if (cp < 0)
				return false;
			o += put_utf8(out + o, (unsigned)cp); /* never longer than its escape */
			break;
		}
		default: out[o++] = *s; break; /* " \ / */
		}
		s++;
	}
	out[o] = '\0';
	return true;
}

static char *read_string(reader *r)
{
	ws(r);
	bool escaped = false;
	const char *e = *r->p == '"' ? string_end(r->p, &escaped) : NULL;
	if (e == NULL)
		return NULL;
	const char *s = r->p + 1;
	size_t n = (size_t)(e - s);
	char *out = pgf_arena_alloc(r->arena, n + 1);
	if (!escaped) {
		memcpy(out, s, n);
		out[n] = '\0';
	} else if (!unescape(s, e, out))
		return NULL;
	r->p = e + 1;
	return out;
}

static ProtobufCMessage *read_message(reader *r, const ProtobufCMessageDescriptor *d);

/* Whether the text goes on with w (then past it); stops at a NUL. */
static bool word(reader *r, const char *w)
{
	size_t i = 0;
	while (w[i] != '\0' && r->p[i] == w[i])
		i++;
	if (w[i] != '\0')
		return false;
	r->p += i;
	return true;
}

/* One value of field f's type, as 64 bits (a pointer, an integer, a double's bits). */
static bool read_value(reader *r, const ProtobufCFieldDescriptor *f, uint64_t *out)
{
	ws(r);
	char *end = NULL;
	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE: {
		ProtobufCMessage *m = read_message(r, f->descriptor);
		*out = (uint64_t)(uintptr_t)m;
		return m != NULL;
	}
	case PROTOBUF_C_TYPE_STRING: {
		char *s = read_string(r);
		*out = (uint64_t)(uintptr_t)s;
		return s != NULL;
	}
	case PROTOBUF_C_TYPE_ENUM: {
		char name[128];
		bool escaped = false;
		const char *e = *r->p == '"' ? string_end(r->p, &escaped) : NULL;
		if (e == NULL || escaped || (size_t)(e - r->p) > sizeof(name))
			return false;
		memcpy(name, r->p + 1, (size_t)(e - r->p - 1));
		name[e - r->p - 1] = '\0';
		const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value_by_name(f->descriptor, name);
		if (v == NULL)
			return false;
		*out = (uint64_t)(int64_t)v->value;
		r->p = e + 1;
		return true;
	}
	case PROTOBUF_C_TYPE_BOOL:
		if (word(r, "true")) {
			*out = 1;
			return true;
		}
		*out = 0;
		return word(r, "false");
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		*out = strtoull(r->p, &end, 10);
		break;
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		*out = (uint64_t)strtoll(r->p, &end, 10);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_DOUBLE: {
		double v = strtod(r->p, &end);
		memcpy(out, &v, sizeof(v));
		break;
	}
	default:
		return false; /* bytes: not in a parse tree */
	}
	if (end == r->p)
		return false;
	r->p = end;
	return true;
}

/* Where a value of field f's type goes, and its size there. */
static size_t value_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	default:
		return 4; /* 32-bit integers, enums, protobuf_c_boolean, float */
	}
}

static void store(void *at, const ProtobufCFieldDescriptor *f, uint64_t v)
{
	switch (value_size(f)) {
	case 4:
		if (f->type == PROTOBUF_C_TYPE_FLOAT) {
			double d;
			memcpy(&d, &v, sizeof(d));
			float x = (float)d;
			memcpy(at, &x, sizeof(x));
		} else {
			uint32_t x = (uint32_t)v;
			memcpy(at, &x, sizeof(x));
		}
		break;
	case 8:
		memcpy(at, &v, 8);
		break;
	default: {
		void *p = (void *)(uintptr_t)v;
		memcpy(at, &p, sizeof(p));
		break;
	}
	}
}

static bool read_field(reader *r, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	char *base = (char *)m;
	if (f->label != PROTOBUF_C_LABEL_REPEATED) {
		uint64_t v;
		if (!read_value(r, f, &v))
			return false;
		store(base + f->offset, f, v);
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
			*(uint32_t *)(base + f->quantifier_offset) = f->id;
		else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_MESSAGE &&
		         f->type != PROTOBUF_C_TYPE_STRING)
			*(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
		return true;
	}
	if (!take(r, '['))
		return false;
	size_t mark = r->depth;
	if (!take(r, ']')) {
		do {
			uint64_t v;
			if (!read_value(r, f, &v))
				return false;
			PGF_ARRAY_GROW(r->stack, r->depth, r->cap);
			r->stack[r->depth++] = v;
		} while (take(r, ','));
		if (!take(r, ']'))
			return false;
	}
	size_t n = r->depth - mark, size = value_size(f);
	char *items = n ? pgf_arena_alloc(r->arena, n * size) : NULL;
	for (size_t i = 0; i < n; i++)
		store(items + i * size, f, r->stack[mark + i]);
	r->depth = mark;
	*(size_t *)(base + f->quantifier_offset) = n;
	memcpy(base + f->offset, &items, sizeof(items));
	return true;
}

static ProtobufCMessage *read_message(reader *r, const ProtobufCMessageDescriptor *d)
{
	if (!take(r, '{'))
		return NULL;
	ProtobufCMessage *m = pgf_arena_alloc(r->arena, d->sizeof_message);
	d->message_init(m);
	if (take(r, '}'))
		return m;
	unsigned cursor = 0;
	do {
		const char *k;
		size_t len;
		if (!key(r, &k, &len))
			return NULL;
		const ProtobufCFieldDescriptor *f = find_field(d, k, len, &cursor);
		if (f == NULL || !read_field(r, m, f))
			return NULL;
	} while (take(r, ','));
	return take(r, '}') ? m : NULL;
}

ProtobufCMessage *pgf_tree_message(const char *json, const ProtobufCMessageDescriptor *d, pgf_arena **arena)
{
	reader r = { json, arena, NULL, 0, 0 };
	ProtobufCMessage *m = read_message(&r, d);
	free(r.stack);
	return m;
}

PgQuery__Node *pgf_tree_node(const pgf_tree_stmt *st, pgf_arena **arena)
{
	return (PgQuery__Node *)pgf_tree_message(st->json, &pg_query__node__descriptor, arena);
}

/* ---- the statements ---- */

static bool read_size(reader *r, size_t *out)
{
	ws(r);
	char *end;
	long long v = strtoll(r->p, &end, 10);
	if (end == r->p || v < 0)
		return false;
	*out = (size_t)v;
	r->p = end;
	return true;
}

/* One RawStmt: its stmt (type, where, its tree when wanted), stmt_location, stmt_len. */
static bool read_raw_stmt(reader *r, pgf_tree_stmt *st, bool (*want)(int node_case))
{
	memset(st, 0, sizeof(*st));
	if (!take(r, '{'))
		return false;
	if (take(r, '}'))
		return true;
	do {
		const char *k;
		size_t len;
		if (!key(r, &k, &len))
			return false;
		bool ok;
		if (len == 4 && memcmp(k, "stmt", 4) == 0) {
			ws(r);
			st->json = r->p;
			const char *type;
			size_t tlen;
			const ProtobufCFieldDescriptor *f;
			if (take(r, '{') && key(r, &type, &tlen) && (f = node_field(type, tlen)) != NULL)
				st->node_case = (int)f->id;
			r->p = st->json;
			if (want != NULL && want(st->node_case))
				st->node = (PgQuery__Node *)read_message(r, &pg_query__node__descriptor);
			if (st->node == NULL) {
				r->p = st->json;
				ok = skip_value(r);
			} else
				ok = true;
		} else if (len == 13 && memcmp(k, "stmt_location", 13) == 0)
			ok = read_size(r, &st->location);
		else if (len == 8 && memcmp(k, "stmt_len", 8) == 0)
			ok = read_size(r, &st->len);
		else
			ok = skip_value(r);
		if (!ok)
			return false;
	} while (take(r, ','));
	return take(r, '}');
}

int pgf_tree_statements(const char *json, bool (*want)(int node_case), pgf_arena **arena, pgf_tree_stmt **out,
                        size_t *n)
{
	reader r = { json, arena, NULL, 0, 0 };
	pgf_tree_stmt *items = NULL;
	size_t count = 0, cap = 0;
	bool ok = take(&r, '{');
	if (ok && !take(&r, '}')) {
		do {
			const char *k;
			size_t len;
			ok = key(&r, &k, &len);
			if (ok && len == 5 && memcmp(k, "stmts", 5) == 0) {
				ok = take(&r, '[');
				if (ok && !take(&r, ']')) {
					do {
						PGF_ARRAY_GROW(items, count, cap);
						ok = read_raw_stmt(&r, &items[count++], want);
					} while (ok && take(&r, ','));
					ok = ok && take(&r, ']');
				}
			} else if (ok)
				ok = skip_value(&r);
		} while (ok && take(&r, ','));
		ok = ok && take(&r, '}');
	}
	free(r.stack);
	if (!ok) {
		free(items);
		items = NULL;
		count = 0;
	}
	*out = items;
	*n = count;
	return ok ? 0 : -1;
}
