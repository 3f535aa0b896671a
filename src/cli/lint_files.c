/* Linting a commit's migration files (lint and check share it): per scope,
 * each up file with its directives, the policy's severities, and waivers
 * that count only when the file meets the approval policy. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lint_files.h"
#include "pgfleet/approvals.h"
#include "pgfleet/common.h"
#include "pgfleet/verify.h"

void pgf_lint_report_add(pgf_lint_report *rep, const char *path, const char *scope, pgf_lint_findings *findings)
{
	PGF_ARRAY_GROW(rep->files, rep->count, rep->cap);
	pgf_lint_file *f = &rep->files[rep->count++];
	f->path = pgf_strdup(path);
	f->scope = scope ? pgf_strdup(scope) : NULL;
	f->findings = *findings;
	memset(findings, 0, sizeof(*findings));
}

void pgf_lint_report_free(pgf_lint_report *rep)
{
	for (size_t i = 0; i < rep->count; i++) {
		free(rep->files[i].path);
		free(rep->files[i].scope);
		pgf_lint_findings_free(&rep->files[i].findings);
	}
	free(rep->files);
	memset(rep, 0, sizeof(*rep));
}

bool pgf_lint_report_fail(const pgf_lint_report *rep)
{
	for (size_t i = 0; i < rep->count; i++)
		if (pgf_lint_findings_fail(&rep->files[i].findings))
			return true;
	return false;
}

static bool short_of_approvals(const pgf_findings *shortfalls, const char *path)
{
	for (size_t i = 0; i < shortfalls->count; i++)
		if (strcmp(shortfalls->items[i].path, path) == 0)
			return true;
	return false;
}

/* Lints a file only for what it tells later files; its findings are dropped. */
static void learn_facts(pgf_repo_ctx *ctx, const char *path, const pgf_migration *m, pgf_lint_facts *facts)
{
	pgf_buf text = PGF_BUF_INIT;
	pgf_error *err = NULL;
	pgf_lint_opts opts = { .transactional = (m->flags & PGF_DIRECTIVE_NO_TRANSACTION) == 0, .facts = facts };
	pgf_lint_findings found = { 0 };
	if (pgf_source_read(ctx->src, path, ctx->load.max_file_bytes, &text, &err) == 0)
		pgf_lint_text(&found, text.ptr, text.len, &opts, &err);
	pgf_lint_findings_free(&found);
	pgf_error_free(err);
	pgf_buf_free(&text);
}

static int lint_scope(pgf_lint_report *rep, pgf_repo_ctx *ctx, const pgf_trust_root *tr, const pgf_scope *scope,
                      pgf_lint_filter want, void *payload, pgf_error **err)
{
	pgf_migration_set *set = NULL;
	if (pgf_migration_set_load(&set, ctx->src, scope, &ctx->load, err) != 0)
		return -1;
	int rc = 0;
	/* which files fall short of the approval policy (their waivers do not count) */
	pgf_findings shortfalls = { 0 }, info = { 0 };
	if (tr->trust != NULL)
		rc = pgf_verify_approvals(&shortfalls, &info, ctx->src, set, &tr->policy, tr->trust, tr->now, err);
	signed char sev[PGF_LINT_MAX_RULES];
	pgf_policy_lint_severities(&tr->policy, scope->name, sev);
	pgf_buf text = PGF_BUF_INIT;
	/* files in version order, each seeing the constraints earlier ones left */
	pgf_lint_facts *facts = pgf_lint_facts_new();
	for (size_t i = 0; rc == 0 && i < set->count; i++) {
		const pgf_migration *m = &set->items[i];
		char *path = pgf_asprintf("%s/%s", set->folder, m->file);
		if (want != NULL && !want(scope, m, payload)) {
			/* not reported, but read for its facts (a failure here is the
			 * file's own business when it is linted) */
			learn_facts(ctx, path, m, facts);
			free(path);
			continue;
		}
		int needed = pgf_policy_approvals_needed(&tr->policy, scope->name, m->version);
		char note[96];
		snprintf(note, sizeof(note), "waiver needs %d approval%s", needed, needed == 1 ? "" : "s");
		pgf_lint_opts opts = {
			.transactional = (m->flags & PGF_DIRECTIVE_NO_TRANSACTION) == 0,
			.severity = sev,
			.waivers_count = needed == 0 || (tr->trust != NULL && !short_of_approvals(&shortfalls, path)),
			.waiver_note = note,
			.facts = facts,
		};
		pgf_lint_findings found = { 0 };
		rc = pgf_source_read(ctx->src, path, ctx->load.max_file_bytes, &text, err);
		if (rc == 0)
			rc = pgf_lint_text(&found, text.ptr, text.len, &opts, err);
		pgf_lint_report_add(rep, path, scope->name, &found);
		free(path);
	}
	pgf_buf_free(&text);
	pgf_lint_facts_free(facts);
	pgf_findings_free(&shortfalls);
	pgf_findings_free(&info);
	pgf_migration_set_free(set);
	return rc;
}

int pgf_lint_commit(pgf_lint_report *rep, pgf_repo_ctx *ctx, const pgf_trust_root *tr, pgf_lint_filter want,
                    void *payload, pgf_error **err)
{
	int rc = 0;
	for (size_t i = 0; i < ctx->nscopes; i++)
		if (lint_scope(rep, ctx, tr, ctx->scopes[i], want, payload, err) != 0)
			rc = -1;
	return rc;
}

/* Files parsed on worker threads (the costly part), checked in order. */
/* Files parsed on worker threads (the costly part) while this thread
 * checks them in order as they are ready, and frees them. */
typedef struct parse_pool {
	pgf_buf *texts;            /* NULL ptr: not read */
	pgf_lint_parsed **parsed;
	atomic_bool *ready;
	size_t n;
	atomic_size_t next;
} parse_pool;

/* Parses the next file nobody has taken; false when none is left. */
static bool parse_next(parse_pool *pool)
{
	size_t i = atomic_fetch_add(&pool->next, 1);
	if (i >= pool->n)
		return false;
	if (pool->texts[i].ptr != NULL)
		pool->parsed[i] = pgf_lint_parse(pool->texts[i].ptr, pool->texts[i].len);
	atomic_store(&pool->ready[i], true);
	return true;
}

static void *parse_worker(void *arg)
{
	while (parse_next(arg)) {
	}
	return NULL;
}

/* Waits for file i, parsing others meanwhile. */
static void wait_parsed(parse_pool *pool, size_t i)
{
	while (!atomic_load(&pool->ready[i]))
		if (!parse_next(pool))
			sched_yield();
}

static size_t start_workers(parse_pool *pool, int jobs, pthread_t **threads)
{
	size_t nthreads = jobs > 1 ? (size_t)jobs - 1 : 0;
	if (nthreads > pool->n / 4)
		nthreads = pool->n / 4; /* a few files: not worth a thread */
	*threads = pgf_calloc(nthreads + 1, sizeof(pthread_t));
	size_t started = 0;
	while (started < nthreads && pthread_create(&(*threads)[started], NULL, parse_worker, pool) == 0)
		started++;
	return started;
}

int pgf_lint_jobs_default(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

int pgf_lint_paths(pgf_lint_report *rep, char *const *paths, size_t n, const char *scope, const pgf_trust_root *tr,
                   size_t max_bytes, int jobs, pgf_error **err)
{
	signed char sev[PGF_LINT_MAX_RULES];
	pgf_policy_lint_severities(&tr->policy, scope, sev);
	/* a file from disk carries no approvals: its waivers count only when
	 * the policy asks for none */
	int needed = tr->policy.min_approvals;
	for (size_t i = 0; i < tr->policy.nscopes; i++)
		if (scope != NULL && strcmp(tr->policy.scopes[i].name, scope) == 0 && tr->policy.scopes[i].min_approvals >= 0)
			needed = tr->policy.scopes[i].min_approvals;
	char note[96];
	snprintf(note, sizeof(note), "waiver needs %d approval%s (a file from disk has none)", needed,
	         needed == 1 ? "" : "s");
	int rc = 0;
	parse_pool pool = { pgf_calloc(n + 1, sizeof(pgf_buf)), pgf_calloc(n + 1, sizeof(pgf_lint_parsed *)),
		            pgf_calloc(n + 1, sizeof(atomic_bool)), n, 0 };
	unsigned *flags = pgf_calloc(n + 1, sizeof(unsigned));
	for (size_t i = 0; i < n; i++) {
		pgf_buf text = PGF_BUF_INIT;
		if (pgf_file_read(&text, paths[i], max_bytes, err) != 0 ||
		    pgf_directives_parse(&flags[i], text.ptr, text.len, paths[i], err) != 0) {
			rc = -1;
			pgf_buf_free(&text);
			continue;
		}
		pool.texts[i] = text;
	}
	pthread_t *threads;
	size_t nthreads = start_workers(&pool, jobs, &threads);
	/* the files in the order given, each seeing the constraints earlier ones left */
	pgf_lint_facts *facts = pgf_lint_facts_new();
	for (size_t i = 0; i < n; i++) {
		wait_parsed(&pool, i);
		if (pool.parsed[i] == NULL)
			continue;
		pgf_lint_opts opts = {
			.transactional = (flags[i] & PGF_DIRECTIVE_NO_TRANSACTION) == 0,
			.severity = sev,
			.waivers_count = needed == 0,
			.waiver_note = note,
			.facts = facts,
		};
		pgf_lint_findings found = { 0 };
		if (pgf_lint_check(pool.parsed[i], &found, &opts, err) != 0)
			rc = -1;
		pgf_lint_report_add(rep, paths[i], scope, &found);
		pgf_lint_parsed_free(pool.parsed[i]);
		pgf_buf_free(&pool.texts[i]);
	}
	for (size_t t = 0; t < nthreads; t++)
		pthread_join(threads[t], NULL);
	free(threads);
	pgf_lint_facts_free(facts);
	free(pool.texts);
	free(pool.parsed);
	free(pool.ready);
	free(flags);
	return rc;
}
