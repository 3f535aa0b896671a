/* Linting a commit's migration files (lint and check share it): per scope,
 * each up file with its directives, the policy's severities, and waivers
 * that count only when the file meets the approval policy. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
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

void pgf_lint_report_add(pgf_lint_report *rep, const char *path, pgf_lint_findings *findings)
{
	PGF_ARRAY_GROW(rep->files, rep->count, rep->cap);
	pgf_lint_file *f = &rep->files[rep->count++];
	f->path = pgf_strdup(path);
	f->findings = *findings;
	f->out = (pgf_buf)PGF_BUF_INIT;
	f->out_how = PGF_LINT_OUTPUT_NONE;
	memset(findings, 0, sizeof(*findings));
}

void pgf_lint_report_free(pgf_lint_report *rep)
{
	for (size_t i = 0; i < rep->count; i++) {
		free(rep->files[i].path);
		pgf_lint_findings_free(&rep->files[i].findings);
		pgf_buf_free(&rep->files[i].out);
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

/* shortfalls: pgf_verify_approvals' findings (untagged), or verify's whole
 * list, where they carry PGF_VERIFY_APPROVALS */
static bool short_of_approvals(const pgf_findings *shortfalls, const char *path)
{
	for (size_t i = 0; i < shortfalls->count; i++) {
		const pgf_finding *f = &shortfalls->items[i];
		if ((f->rule == NULL || strcmp(f->rule, PGF_VERIFY_APPROVALS) == 0) && strcmp(f->path, path) == 0)
			return true;
	}
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
                      pgf_lint_filter want, void *payload, const pgf_findings *verified, pgf_error **err)
{
	pgf_migration_set *set = NULL;
	if (pgf_migration_set_load(&set, ctx->src, scope, &ctx->load, err) != 0)
		return -1;
	int rc = 0;
	/* which files fall short of the approval policy (their waivers do not
	 * count): verify's verdicts when it judged this scope, else judged here */
	pgf_findings shortfalls = { 0 }, info = { 0 };
	if (tr->trust != NULL && verified == NULL)
		rc = pgf_verify_approvals(&shortfalls, &info, ctx->src, set, &tr->policy, tr->trust, tr->now, err);
	const pgf_findings *short_list = verified != NULL ? verified : &shortfalls;
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
			.waivers_count = needed == 0 || (tr->trust != NULL && !short_of_approvals(short_list, path)),
			.waiver_note = note,
			.facts = facts,
		};
		pgf_lint_findings found = { 0 };
		rc = pgf_source_read(ctx->src, path, ctx->load.max_file_bytes, &text, err);
		if (rc == 0)
			rc = pgf_lint_text(&found, text.ptr, text.len, &opts, err);
		pgf_lint_report_add(rep, path, &found);
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
                    void *payload, const pgf_findings *verified, const pgf_scope_verified *scopes, pgf_error **err)
{
	int rc = 0;
	for (size_t i = 0; i < ctx->nscopes; i++) {
		bool judged = verified != NULL && scopes != NULL && scopes[i].approvals_checked;
		if (lint_scope(rep, ctx, tr, ctx->scopes[i], want, payload, judged ? verified : NULL, err) != 0)
			rc = -1;
	}
	return rc;
}

/* Files from disk, in a pipeline: any thread reads a file, parses its
 * directives and its SQL (the costly part); this thread checks the files in
 * order as they are ready (they share facts); any thread then renders a
 * checked file's findings. Each stage of a file is done by one thread, which
 * publishes it by storing the file's state (an atomic the next stage's
 * thread loads): a file's fields have one writer at a time. */
enum { FILE_NEW, FILE_PARSED, FILE_CHECKED };

typedef struct lint_job {
	pgf_buf text;               /* ptr NULL: not read (or empty) */
	unsigned flags;             /* its directives */
	pgf_error *read_err;        /* reading it or its directives failed */
	pgf_lint_parsed *parsed;    /* NULL: not read */
	bool linted;                /* checked (parsed is then freed) */
	pgf_lint_findings found;    /* once checked */
	pgf_error *check_err;
	pgf_buf out;                /* found, rendered */
	atomic_int state;
} lint_job;

typedef struct lint_pool {
	lint_job *jobs;
	char *const *paths;
	size_t n, max_bytes;
	pgf_lint_output how;
	atomic_size_t next_parse;   /* the next file nobody has read */
	atomic_size_t next_render;  /* the next file nobody has rendered */
	/* a thread with nothing to do waits for a file's state to change; it
	 * counts itself in waiters (under lock) before it looks at the state,
	 * and a state is stored before waiters is read (both sequentially
	 * consistent): either the waiter sees the new state or the thread that
	 * stored it sees the waiter and wakes it under lock */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	atomic_int waiters;
} lint_pool;

static void set_state(lint_pool *pool, size_t i, int state)
{
	atomic_store(&pool->jobs[i].state, state);
	if (atomic_load(&pool->waiters) == 0)
		return;
	pthread_mutex_lock(&pool->lock);
	pthread_cond_broadcast(&pool->changed);
	pthread_mutex_unlock(&pool->lock);
}

static int state_of(lint_pool *pool, size_t i)
{
	return atomic_load(&pool->jobs[i].state);
}

/* Reads and parses the next file nobody has taken; false when none is left. */
static bool parse_next(lint_pool *pool)
{
	size_t i = atomic_fetch_add(&pool->next_parse, 1);
	if (i >= pool->n)
		return false;
	lint_job *job = &pool->jobs[i];
	if (pgf_file_read(&job->text, pool->paths[i], pool->max_bytes, &job->read_err) != 0 ||
	    pgf_directives_parse(&job->flags, job->text.ptr, job->text.len, pool->paths[i], &job->read_err) != 0)
		pgf_buf_free(&job->text);
	if (job->text.ptr != NULL)
		job->parsed = pgf_lint_parse(job->text.ptr, job->text.len);
	set_state(pool, i, FILE_PARSED);
	return true;
}

/* Renders the next checked file nobody has rendered; false when there is
 * none now. */
static bool render_next(lint_pool *pool)
{
	size_t i = atomic_load(&pool->next_render);
	if (i >= pool->n || state_of(pool, i) < FILE_CHECKED)
		return false;
	if (atomic_compare_exchange_strong(&pool->next_render, &i, i + 1))
		pgf_lint_render(&pool->jobs[i].out, pool->paths[i], &pool->jobs[i].found, pool->how);
	return true; /* or another thread took it: look again */
}

static bool all_taken(lint_pool *pool)
{
	return atomic_load(&pool->next_parse) >= pool->n && atomic_load(&pool->next_render) >= pool->n;
}

static bool work_left(lint_pool *pool)
{
	size_t r = atomic_load(&pool->next_render);
	return atomic_load(&pool->next_parse) < pool->n || r >= pool->n || state_of(pool, r) >= FILE_CHECKED;
}

static void *lint_worker(void *arg)
{
	lint_pool *pool = arg;
	while (!all_taken(pool)) {
		if (parse_next(pool) || render_next(pool))
			continue;
		pthread_mutex_lock(&pool->lock);
		atomic_fetch_add(&pool->waiters, 1);
		while (!work_left(pool))
			pthread_cond_wait(&pool->changed, &pool->lock);
		atomic_fetch_sub(&pool->waiters, 1);
		pthread_mutex_unlock(&pool->lock);
	}
	return NULL;
}

/* Waits for file i to be parsed, reading, parsing and rendering others
 * meanwhile. */
static void wait_parsed(lint_pool *pool, size_t i)
{
	while (state_of(pool, i) < FILE_PARSED) {
		if (parse_next(pool) || render_next(pool))
			continue;
		pthread_mutex_lock(&pool->lock);
		atomic_fetch_add(&pool->waiters, 1);
		while (state_of(pool, i) < FILE_PARSED)
			pthread_cond_wait(&pool->changed, &pool->lock);
		atomic_fetch_sub(&pool->waiters, 1);
		pthread_mutex_unlock(&pool->lock);
	}
}

static size_t start_workers(lint_pool *pool, int jobs, pthread_t **threads)
{
	size_t nthreads = jobs > 1 ? (size_t)jobs - 1 : 0;
	if (nthreads > pool->n / 4)
		nthreads = pool->n / 4; /* a few files: not worth a thread */
	*threads = pgf_calloc(nthreads + 1, sizeof(pthread_t));
	size_t started = 0;
	while (started < nthreads && pthread_create(&(*threads)[started], NULL, lint_worker, pool) == 0)
		started++;
	return started;
}

int pgf_lint_jobs_default(void)
{
	long n = 0;
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (n < 1)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

int pgf_lint_paths(pgf_lint_report *rep, char *const *paths, size_t n, const char *scope, const pgf_trust_root *tr,
                   size_t max_bytes, int jobs, pgf_lint_output how, pgf_error **err)
{
	signed char sev[PGF_LINT_MAX_RULES];
	pgf_policy_lint_severities(&tr->policy, scope, sev);
	/* a file from disk carries no approvals: its waivers count only when
	 * the policy asks for none */
	int needed = pgf_policy_min_approvals(&tr->policy, scope);
	char note[96];
	snprintf(note, sizeof(note), "waiver needs %d approval%s (a file from disk has none)", needed,
	         needed == 1 ? "" : "s");
	lint_pool pool = { .jobs = pgf_calloc(n + 1, sizeof(lint_job)), .paths = paths, .n = n, .max_bytes = max_bytes,
		           .how = how };
	atomic_init(&pool.next_parse, 0);
	atomic_init(&pool.next_render, 0);
	atomic_init(&pool.waiters, 0);
	for (size_t i = 0; i < n; i++)
		atomic_init(&pool.jobs[i].state, FILE_NEW);
	pthread_mutex_init(&pool.lock, NULL);
	pthread_cond_init(&pool.changed, NULL);
	pthread_t *threads;
	size_t nthreads = start_workers(&pool, jobs, &threads);
	/* the files in the order given, each seeing the constraints earlier ones left */
	pgf_lint_facts *facts = pgf_lint_facts_new();
	for (size_t i = 0; i < n; i++) {
		wait_parsed(&pool, i);
		lint_job *job = &pool.jobs[i];
		if (job->parsed != NULL) {
			pgf_lint_opts opts = {
				.transactional = (job->flags & PGF_DIRECTIVE_NO_TRANSACTION) == 0,
				.severity = sev,
				.waivers_count = needed == 0,
				.waiver_note = note,
				.facts = facts,
			};
			pgf_lint_check(job->parsed, &job->found, &opts, &job->check_err);
			pgf_lint_parsed_free(job->parsed);
			job->parsed = NULL;
			job->linted = true;
			pgf_buf_free(&job->text);
		}
		set_state(&pool, i, FILE_CHECKED);
	}
	while (render_next(&pool)) {
	}
	for (size_t t = 0; t < nthreads; t++)
		pthread_join(threads[t], NULL);
	free(threads);
	pgf_lint_facts_free(facts);
	pthread_cond_destroy(&pool.changed);
	pthread_mutex_destroy(&pool.lock);
	/* the threads are done: the files' errors in order (reading first, as
	 * when every file was read before any was checked), then the report */
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		if (pool.jobs[i].read_err != NULL) {
			pgf_error_append(err, pool.jobs[i].read_err);
			rc = -1;
		}
	for (size_t i = 0; i < n; i++) {
		lint_job *job = &pool.jobs[i];
		if (job->check_err != NULL) {
			pgf_error_append(err, job->check_err);
			rc = -1;
		}
		if (!job->linted) {
			pgf_buf_free(&job->out);
			continue;
		}
		pgf_lint_report_add(rep, paths[i], &job->found);
		pgf_lint_file *f = &rep->files[rep->count - 1];
		f->out = job->out;
		f->out_how = how;
	}
	free(pool.jobs);
	return rc;
}
