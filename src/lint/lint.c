/* pgf_lint_text: parse a file with libpg_query (once, whole: its errors,
 * its statements, their trees from the JSON answer), run the statement
 * rules, read `-- pgfleet:` comments (waivers, misplaced directives) from
 * the scanner's comment tokens, and apply severities and waivers. */
#include <pg_query.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lint_internal.h"
#include "pgfleet/common.h"
#include "pgfleet/sql.h"
#include "tree.h"

void pgf_lint_report(pgf_lint_run *run, int rule, size_t offset, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	PGF_ARRAY_GROW(run->raw, run->nraw, run->rawcap);
	run->raw[run->nraw++] = (pgf_raw_finding){ rule, offset, run->cur, pgf_vasprintf(fmt, ap) };
	va_end(ap);
}

/* ---- statements ---- */

static bool space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* A statement's first token, when the file's scanner tokens were not
 * needed: past blanks and comments (the file parsed, so one follows). */
static void first_token(const pgf_lint_run *run, pgf_lint_stmt *st)
{
	size_t at = pgf_sql_skip_noise(run->map.text, st->from, st->to);
	st->start = at < st->to ? at : st->from;
}

/* A statement's tree, from the file's JSON tree; or, should that not fit
 * the protobuf structs, from the parser's protobuf answer for the statement
 * alone (its locations then count from the statement's start). */
static int read_tree(pgf_lint_stmt *st, const pgf_tree_stmt *raw, const char *text, pgf_arena **arena,
                     pgf_error **err)
{
	st->node = raw->node;
	if (st->node != NULL)
		return 0;
	char *sql = pgf_strndup(text + st->from, st->to - st->from);
	PgQueryProtobufParseResult r = pg_query_parse_protobuf(sql);
	int rc = 0;
	if (r.error == NULL) {
		ProtobufCAllocator a = pgf_arena_allocator(arena);
		PgQuery__ParseResult *tree =
		        pg_query__parse_result__unpack(&a, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
		if (tree == NULL)
			rc = pgf_error_set(err, PGF_ERR_INTERNAL, "the parse tree could not be read (protobuf unpack failed)");
		else if (tree->n_stmts > 0) {
			st->node = tree->stmts[0]->stmt;
			st->base = st->from;
		}
	}
	pg_query_free_protobuf_parse_result(r);
	free(sql);
	return rc;
}

/* The statements' extents, from the parser's RawStmts. With the file's
 * tokens (it has `pgfleet:` comments to read), where each statement's
 * tokens end and its semicolon; without, only where it starts, for those a
 * rule reads (the tokens of a whole file cost more than all the rest). */
static int find_statements(pgf_lint_run *run, const pgf_tree_stmt *raw, size_t n, pgf_arena **arena,
                           pgf_error **err)
{
	const pgf_srcmap *m = &run->map;
	run->stmts = pgf_calloc(n + 1, sizeof(pgf_lint_stmt));
	for (size_t i = 0; i < n; i++) {
		size_t from = raw[i].location < m->len ? raw[i].location : m->len;
		size_t to = raw[i].len > 0 && from + raw[i].len <= m->len ? from + raw[i].len : m->len;
		if (m->tokens == NULL) {
			pgf_lint_stmt *st = &run->stmts[run->nstmts++];
			st->from = from;
			st->to = to;
			st->start = st->end = st->semicolon = from;
			if (pgf_lint_reads(raw[i].node_case)) {
				first_token(run, st);
				if (read_tree(st, &raw[i], m->text, arena, err) != 0)
					return -1;
			}
			continue;
		}
		size_t k = pgf_srcmap_first_token(m, from);
		if (k >= m->ntokens || m->tokens[k].start >= to)
			continue;
		pgf_lint_stmt *st = &run->stmts[run->nstmts++];
		st->from = from;
		st->to = to;
		st->start = m->tokens[k].start;
		for (; k < m->ntokens && m->tokens[k].end <= to; k++)
			if (!pgf_token_is_comment(&m->tokens[k]))
				st->end = m->tokens[k].end;
		while (k < m->ntokens && pgf_token_is_comment(&m->tokens[k]))
			k++;
		st->semicolon = k < m->ntokens && m->tokens[k].kind == PGF_TOKEN_SEMICOLON ? m->tokens[k].end : st->end;
		if (pgf_lint_reads(raw[i].node_case) && read_tree(st, &raw[i], m->text, arena, err) != 0)
			return -1;
	}
	return 0;
}

/* ---- comments: waivers and directives ---- */

typedef struct waiver {
	size_t offset;   /* the comment */
	size_t stmt;
	int rule;
	char *reason;
	bool used;
} waiver;

typedef struct waivers {
	waiver *items;
	size_t count, cap;
} waivers;

/* Which statement a comment at [start, end) is about: the one it is inside,
 * the one ending on its line before it, or the next one when only comment
 * lines (no blank line) lie between. SIZE_MAX: none. */
static size_t comment_stmt(const pgf_lint_run *run, size_t ci)
{
	const pgf_srcmap *m = &run->map;
	const pgf_token *c = &m->tokens[ci];
	size_t line = pgf_srcmap_line(m, c->start);
	for (size_t i = 0; i < run->nstmts; i++) {
		const pgf_lint_stmt *s = &run->stmts[i];
		if (c->start >= s->start && c->start < s->end)
			return i;
		if (c->start >= s->semicolon && s->semicolon > 0 && pgf_srcmap_line(m, s->semicolon - 1) == line &&
		    (i + 1 == run->nstmts || run->stmts[i + 1].start > c->start))
			return i;
		if (s->start > c->start) {
			/* the gaps between here and the statement: no blank line */
			size_t from = c->end;
			for (size_t k = ci + 1; k < m->ntokens && m->tokens[k].start <= s->start; k++) {
				size_t nl = 0;
				for (size_t p = from; p < m->tokens[k].start; p++)
					nl += m->text[p] == '\n';
				if (nl > 1)
					return SIZE_MAX;
				from = m->tokens[k].end;
			}
			return i;
		}
	}
	return SIZE_MAX;
}

/* Whether the comment is in the leading block that directives.c reads:
 * only "--" comments before it. */
static bool leading(const pgf_srcmap *m, size_t ci)
{
	for (size_t k = 0; k < ci; k++)
		if (m->tokens[k].kind != PGF_TOKEN_SQL_COMMENT)
			return false;
	return true;
}

static void read_waiver(pgf_lint_run *run, waivers *w, size_t ci, const char *s, size_t n)
{
	size_t at = run->map.tokens[ci].start;
	while (n > 0 && space(*s))
		s++, n--;
	size_t idlen = 0;
	while (idlen < n && !space(s[idlen]))
		idlen++;
	if (idlen == 0) {
		run->cur = SIZE_MAX;
		pgf_lint_report(run, R_INVALID_DIRECTIVE, at, "pgfleet:allow needs a rule id and a reason");
		return;
	}
	char *id = pgf_strndup(s, idlen);
	s += idlen;
	n -= idlen;
	while (n > 0 && space(*s))
		s++, n--;
	size_t index = 0;
	const pgf_lint_rule *rule = pgf_lint_rule_find(id, &index);
	size_t stmt = comment_stmt(run, ci);
	run->cur = stmt;
	if (rule == NULL) {
		const char *near = pgf_lint_rule_suggest(id);
		pgf_lint_report(run, R_INVALID_DIRECTIVE, at, "pgfleet:allow names unknown rule '%s'%s%s%s", id,
		                near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
	} else if (rule->fixed)
		pgf_lint_report(run, R_INVALID_DIRECTIVE, at, "rule %s cannot be waived", id);
	else if (n == 0)
		pgf_lint_report(run, R_INVALID_DIRECTIVE, at, "pgfleet:allow %s needs a reason after the rule id", id);
	else if (stmt == SIZE_MAX)
		pgf_lint_report(run, R_INVALID_DIRECTIVE, at,
		                "pgfleet:allow %s is not directly before or inside a statement", id);
	else {
		PGF_ARRAY_GROW(w->items, w->count, w->cap);
		w->items[w->count++] = (waiver){ at, stmt, (int)index, pgf_strndup(s, n), false };
	}
	free(id);
}

static void read_comment(pgf_lint_run *run, waivers *w, size_t ci)
{
	const pgf_token *t = &run->map.tokens[ci];
	const char *s = run->map.text + t->start + 2; /* after "--" or the opening slash-star */
	size_t n = t->end - t->start - 2;
	if (t->kind == PGF_TOKEN_C_COMMENT && n >= 2)
		n -= 2; /* the closing star-slash */
	while (n > 0 && space(*s))
		s++, n--;
	while (n > 0 && space(s[n - 1]))
		n--;
	static const char prefix[] = "pgfleet:";
	if (n < sizeof(prefix) - 1 || memcmp(s, prefix, sizeof(prefix) - 1) != 0)
		return;
	s += sizeof(prefix) - 1;
	n -= sizeof(prefix) - 1;
	size_t keylen = 0;
	while (keylen < n && !space(s[keylen]) && s[keylen] != '=')
		keylen++;
	char *key = pgf_strndup(s, keylen);
	run->cur = SIZE_MAX;
	if (strcmp(key, "allow") == 0 && (keylen == n || s[keylen] != '='))
		read_waiver(run, w, ci, s + keylen, n - keylen);
	else if (strcmp(key, "allow") == 0)
		pgf_lint_report(run, R_INVALID_DIRECTIVE, t->start, "write waivers as pgfleet:allow RULE reason");
	else if (strcmp(key, "no-transaction") == 0) {
		if (!leading(&run->map, ci) || t->kind != PGF_TOKEN_SQL_COMMENT)
			pgf_lint_report(run, R_INVALID_DIRECTIVE, t->start,
			                "pgfleet:no-transaction has no effect here: put it in the file's leading -- comments");
	} else {
		static const char *const keys[] = { "allow", "no-transaction" };
		const char *near = pgf_suggest(key, keys, 2);
		pgf_lint_report(run, R_INVALID_DIRECTIVE, t->start, "unknown directive 'pgfleet:%s'%s%s%s", key,
		                near ? " (did you mean 'pgfleet:" : "", near ? near : "", near ? "'?)" : "");
	}
	free(key);
}

/* ---- findings ---- */

static int finding_cmp(const void *a, const void *b)
{
	const pgf_lint_finding *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static pgf_lint_finding *add(pgf_lint_findings *out, const pgf_srcmap *m, const pgf_lint_rule *rule, size_t offset,
                             pgf_lint_severity sev, char *message)
{
	PGF_ARRAY_GROW(out->items, out->count, out->cap);
	pgf_lint_finding *f = &out->items[out->count++];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->severity = sev;
	f->message = message;
	pgf_srcmap_position(m, offset, &f->line, &f->column);
	return f;
}

static pgf_lint_severity severity_of(const pgf_lint_opts *opts, const pgf_lint_rule *rules, int rule)
{
	if (rules[rule].fixed || opts->severity == NULL || opts->severity[rule] < 0)
		return rules[rule].severity;
	return (pgf_lint_severity)opts->severity[rule];
}

static void finish(pgf_lint_findings *out, pgf_lint_run *run, waivers *w)
{
	size_t nr;
	const pgf_lint_rule *rules = pgf_lint_rules(&nr);
	size_t first = out->count;
	for (size_t i = 0; i < run->nraw; i++) {
		pgf_raw_finding *r = &run->raw[i];
		waiver *wv = NULL;
		for (size_t k = 0; k < w->count && r->stmt != SIZE_MAX; k++)
			if (w->items[k].stmt == r->stmt && w->items[k].rule == r->rule)
				wv = &w->items[k];
		if (wv != NULL)
			wv->used = true;
		pgf_lint_severity sev = severity_of(run->opts, rules, r->rule);
		if (sev == PGF_LINT_OFF) {
			free(r->message);
			continue;
		}
		pgf_lint_finding *f = add(out, &run->map, &rules[r->rule], r->offset, sev, r->message);
		if (wv != NULL) {
			f->waiver_reason = pgf_strdup(wv->reason);
			f->waived = run->opts->waivers_count;
			if (!f->waived)
				f->note = pgf_strdup(run->opts->waiver_note ? run->opts->waiver_note
				                                            : "the waiver's file is not approved");
		}
	}
	run->nraw = 0;
	for (size_t k = 0; k < w->count; k++) {
		if (!w->items[k].used && severity_of(run->opts, rules, R_UNUSED_WAIVER) != PGF_LINT_OFF)
			add(out, &run->map, &rules[R_UNUSED_WAIVER], w->items[k].offset, rules[R_UNUSED_WAIVER].severity,
			    pgf_asprintf("waiver for %s matches no finding of its statement", rules[w->items[k].rule].id));
		free(w->items[k].reason);
	}
	free(w->items);
	if (out->count - first > 1)
		qsort(out->items + first, out->count - first, sizeof(pgf_lint_finding), finding_cmp);
}

static void syntax_error(pgf_lint_findings *out, const pgf_srcmap *m, size_t offset, const char *message)
{
	size_t nr;
	const pgf_lint_rule *rules = pgf_lint_rules(&nr);
	add(out, m, &rules[R_SYNTAX_ERROR], offset, PGF_LINT_ERROR, pgf_strdup(message));
}

struct pgf_lint_parsed {
	pgf_srcmap map;
	pgf_lint_stmt *stmts;
	size_t nstmts;
	pgf_arena *arena;      /* the statements' trees */
	char *syntax;          /* the parser's error, or NULL */
	size_t syntax_at;
	pgf_error *err;        /* an internal failure */
};

pgf_lint_parsed *pgf_lint_parse(const char *text, size_t len)
{
	pgf_lint_parsed *p = pgf_calloc(1, sizeof(*p));
	pgf_lint_run run;
	memset(&run, 0, sizeof(run));
	pgf_srcmap_init(&run.map, text, len);
	const char *nul = memchr(text, '\0', len);
	if (nul != NULL) {
		p->syntax = pgf_strdup("a NUL byte: not a text file");
		p->syntax_at = (size_t)(nul - text);
		p->map = run.map;
		return p;
	}
	/* the whole file through the parser, for its errors, statements and
	 * trees; the scanner's tokens only when there are `pgfleet:` comments */
	PgQueryParseResult parsed = pg_query_parse(text);
	pgf_tree_stmt *raw = NULL;
	size_t nraw = 0;
	if (parsed.error != NULL) {
		p->syntax = pgf_strdup(parsed.error->message);
		p->syntax_at = parsed.error->cursorpos > 0
		                       ? pgf_srcmap_char_to_offset(&run.map, (size_t)parsed.error->cursorpos)
		                       : len;
	} else if (pgf_tree_statements(parsed.parse_tree, pgf_lint_reads, &p->arena, &raw, &nraw) != 0)
		pgf_error_set(&p->err, PGF_ERR_INTERNAL, "the parse tree could not be read (unexpected JSON)");
	else if (strstr(text, "pgfleet:") == NULL || pgf_srcmap_scan(&run.map, &p->err) == 0)
		find_statements(&run, raw, nraw, &p->arena, &p->err);
	free(raw);
	pg_query_free_parse_result(parsed);
	p->map = run.map;
	p->stmts = run.stmts;
	p->nstmts = run.nstmts;
	return p;
}

void pgf_lint_parsed_free(pgf_lint_parsed *p)
{
	if (p == NULL)
		return;
	pgf_arena_release(p->arena);
	free(p->stmts);
	free(p->syntax);
	pgf_error_free(p->err);
	pgf_srcmap_free(&p->map);
	free(p);
}

int pgf_lint_check(pgf_lint_parsed *p, pgf_lint_findings *out, const pgf_lint_opts *opts, pgf_error **err)
{
	pgf_lint_run run;
	memset(&run, 0, sizeof(run));
	run.opts = opts;
	pgf_lint_facts own = { 0 };
	run.facts = opts->facts ? opts->facts : &own;
	run.facts->files++;
	run.map = p->map;
	run.stmts = p->stmts;
	run.nstmts = p->nstmts;
	int rc = 0;
	if (p->err != NULL) {
		pgf_error_set(err, PGF_ERR_INTERNAL, "%s", p->err->message);
		rc = -1;
	} else if (p->syntax != NULL)
		syntax_error(out, &run.map, p->syntax_at, p->syntax);
	else {
		for (size_t i = 0; i < run.nstmts; i++) {
			run.cur = i;
			run.base = run.stmts[i].base;
			if (run.stmts[i].node != NULL)
				pgf_lint_check_stmt(&run, run.stmts[i].node);
		}
		waivers w = { NULL, 0, 0 };
		for (size_t k = 0; k < run.map.ntokens; k++)
			if (pgf_token_is_comment(&run.map.tokens[k]))
				read_comment(&run, &w, k);
		finish(out, &run, &w);
	}
	for (size_t i = 0; i < run.nraw; i++)
		free(run.raw[i].message);
	free(run.raw);
	pgf_name_list_free(&run.tables);
	pgf_name_list_free(&run.indexes);
	pgf_lint_facts_clear(&own);
	return rc;
}

int pgf_lint_text(pgf_lint_findings *out, const char *text, size_t len, const pgf_lint_opts *opts, pgf_error **err)
{
	pgf_lint_parsed *p = pgf_lint_parse(text, len);
	int rc = pgf_lint_check(p, out, opts, err);
	pgf_lint_parsed_free(p);
	return rc;
}

void pgf_lint_findings_free(pgf_lint_findings *f)
{
	for (size_t i = 0; i < f->count; i++) {
		free(f->items[i].message);
		free(f->items[i].waiver_reason);
		free(f->items[i].note);
	}
	free(f->items);
	memset(f, 0, sizeof(*f));
}

bool pgf_lint_findings_fail(const pgf_lint_findings *f)
{
	for (size_t i = 0; i < f->count; i++)
		if (f->items[i].severity == PGF_LINT_ERROR && !f->items[i].waived)
			return true;
	return false;
}
