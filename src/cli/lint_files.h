/* The files lint and check read, and their findings (src/cli only). */
#ifndef PGFLEET_CLI_LINT_FILES_H
#define PGFLEET_CLI_LINT_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "pgfleet/common.h"
#include "pgfleet/lint.h"
#include "pgfleet/migration.h"

/* How lint prints findings (pgf_lint_paths renders them on its threads). */
typedef enum pgf_lint_output {
	PGF_LINT_OUTPUT_NONE = 0,
	PGF_LINT_OUTPUT_TEXT,
	PGF_LINT_OUTPUT_JSON
} pgf_lint_output;

typedef struct pgf_lint_file {
	char *path;     /* relative to the repository (a commit), or as given (disk) */
	pgf_lint_findings findings;
	pgf_buf out;    /* the findings rendered as out_how (ptr NULL: not rendered) */
	pgf_lint_output out_how;
} pgf_lint_file;

typedef struct pgf_lint_report {
	pgf_lint_file *files;
	size_t count, cap;
} pgf_lint_report;

/* Takes findings over (it is left empty). */
void pgf_lint_report_add(pgf_lint_report *rep, const char *path, pgf_lint_findings *findings);
void pgf_lint_report_free(pgf_lint_report *rep);
bool pgf_lint_report_fail(const pgf_lint_report *rep);

/* Whether to lint this file (NULL: every file). */
typedef bool (*pgf_lint_filter)(const pgf_scope *scope, const pgf_migration *m, void *payload);

/* Every up file of the context's scopes at its commit (down files are not
 * linted: undoing is what they are for). Load errors go to err; the other
 * scopes are still linted. verified and scopes (NULL, or verify's findings
 * and per-scope records of the same commit and trust): a scope whose
 * approvals verify judged takes its verdicts instead of judging again. */
int pgf_lint_commit(pgf_lint_report *rep, pgf_repo_ctx *ctx, const pgf_trust_root *tr, pgf_lint_filter want,
                    void *payload, const pgf_findings *verified, const pgf_scope_verified *scopes, pgf_error **err);
/* Files from disk; scope (may be NULL) selects the policy's per-scope
 * severities. Files are read (with their directives) and parsed on up to
 * jobs threads, checked on this one in the order given, and their findings
 * rendered as how on any thread (output and errors do not depend on jobs).
 * A file that cannot be read is not in rep; its error is in err, in the
 * files' order, before any internal failure of a check. */
int pgf_lint_paths(pgf_lint_report *rep, char *const *paths, size_t n, const char *scope, const pgf_trust_root *tr,
                   size_t max_bytes, int jobs, pgf_lint_output how, pgf_error **err);
/* lint's default --jobs: the CPUs this process may run on. */
int pgf_lint_jobs_default(void);

/* Output shared by lint and check: the text lines
 * "path:line:column: severity: rule: message" with their indented
 * why/instead hints. */
void pgf_lint_print_text(const pgf_lint_report *rep);
/* One file's findings as lint prints them, appended to out: the text lines,
 * or each finding as ",\n" and its object indented as an item of the JSON
 * report's "findings" array (thread-safe: no JSON object is made). */
void pgf_lint_render(pgf_buf *out, const char *path, const pgf_lint_findings *findings, pgf_lint_output how);

#endif
