/* check's results: a flat list of items (verify findings and lint findings)
 * and the rules they name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"
#include "pgfleet/lint.h"
#include "pgfleet/report.h"
#include "pgfleet/verify.h"

void pgf_report_add(pgf_report *r, const char *rule, pgf_report_level level, const char *path, size_t line,
                    size_t column, const char *message, const char *why, const char *instead, const char *reason)
{
	PGF_ARRAY_GROW(r->items, r->count, r->cap);
	r->items[r->count++] = (pgf_report_item){
		.rule = rule,
		.level = level,
		/* valid UTF-8 for every format (a name or a quoted string may
		 * hold other bytes: they show as \xNN) */
		.path = path ? pgf_str_utf8(path) : NULL,
		.line = line,
		.column = column,
		.message = pgf_str_utf8(message),
		.why = why,
		.instead = instead,
		.waiver_reason = reason ? pgf_str_utf8(reason) : NULL,
	};
}

void pgf_report_error(pgf_report *r, const char *message)
{
	PGF_ARRAY_GROW(r->errors, r->nerrors, r->errcap);
	r->errors[r->nerrors++] = pgf_str_utf8(message);
}

void pgf_report_free(pgf_report *r)
{
	for (size_t i = 0; i < r->count; i++) {
		free(r->items[i].path);
		free(r->items[i].message);
		free(r->items[i].waiver_reason);
	}
	for (size_t i = 0; i < r->nerrors; i++)
		free(r->errors[i]);
	free(r->items);
	free(r->errors);
	memset(r, 0, sizeof(*r));
}

size_t pgf_report_count(const pgf_report *r, pgf_report_level level)
{
	size_t n = 0;
	for (size_t i = 0; i < r->count; i++)
		n += r->items[i].level == level;
	return n;
}

static const pgf_report_rule verify_rules[] = {
	{ PGF_VERIFY_SIGNATURE, PGF_LEVEL_ERROR, "the commit is not signed by a trusted key",
	  "the policy requires commits signed by a key of the trust root (git commit -S with gpg.format=ssh)" },
	{ PGF_VERIFY_MANIFEST, PGF_LEVEL_ERROR, "a migration file does not match pgfleet.sum",
	  "run `pgfleet hash` and commit pgfleet.sum with the migration" },
	{ PGF_VERIFY_HISTORY, PGF_LEVEL_ERROR, "a merged migration was edited, removed or renamed",
	  "databases already ran the merged file: revert the edit and add a new migration instead" },
	{ PGF_VERIFY_APPROVALS, PGF_LEVEL_ERROR, "a migration lacks the approvals the policy requires",
	  "reviewers sign it with `pgfleet approve FILE --key KEY --as NAME` and commit the .sig files" },
};

#define NVERIFY (sizeof(verify_rules) / sizeof(verify_rules[0]))

/* built once, on first use (check is single-threaded) */
static pgf_report_rule all_rules[NVERIFY + PGF_LINT_MAX_RULES];
static size_t nall;
static char lint_help[PGF_LINT_MAX_RULES][1024];

const pgf_report_rule *pgf_report_rules(size_t *n)
{
	if (nall == 0) {
		size_t nl;
		const pgf_lint_rule *lr = pgf_lint_rules(&nl);
		memcpy(all_rules, verify_rules, sizeof(verify_rules));
		for (size_t i = 0; i < nl; i++) {
			snprintf(lint_help[i], sizeof(lint_help[i]), "why: %s\ninstead: %s", lr[i].why, lr[i].instead);
			all_rules[NVERIFY + i] = (pgf_report_rule){
				lr[i].id, lr[i].severity == PGF_LINT_ERROR ? PGF_LEVEL_ERROR : PGF_LEVEL_WARNING, lr[i].summary,
				lint_help[i] };
		}
		nall = NVERIFY + nl;
	}
	*n = nall;
	return all_rules;
}
