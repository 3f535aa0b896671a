#include "pgfleet/plan.h"

#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"

void pgf_applied_list_add(pgf_applied_list *l, const char *version, const char *name, const char *sha256,
                          const char *status, int statements_done, const char *applied_at)
{
	PGF_ARRAY_GROW(l->items, l->count, l->cap);
	pgf_applied *a = &l->items[l->count++];
	a->version = pgf_strdup(version);
	a->name = pgf_strdup(name ? name : "");
	a->sha256 = pgf_strdup(sha256 ? sha256 : "");
	a->status = pgf_strdup(status ? status : "applied");
	a->statements_done = statements_done;
	a->applied_at = pgf_strdup(applied_at ? applied_at : "");
	a->ledger_entry = -1;
}

void pgf_applied_list_free(pgf_applied_list *l)
{
	for (size_t i = 0; i < l->count; i++) {
		free(l->items[i].version);
		free(l->items[i].name);
		free(l->items[i].sha256);
		free(l->items[i].status);
		free(l->items[i].applied_at);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

#define vcmp pgf_version_cmp_str

const char *pgf_applied_highest(const pgf_applied_list *l, const char *at_most)
{
	const char *best = NULL;
	for (size_t i = 0; i < l->count; i++) {
		const pgf_applied *a = &l->items[i];
		if (strcmp(a->status, "partial") == 0 || (at_most != NULL && vcmp(a->version, at_most) > 0))
			continue;
		if (best == NULL || vcmp(a->version, best) > 0)
			best = a->version;
	}
	return best;
}

static const pgf_applied *find_applied(const pgf_applied_list *l, const char *version)
{
	for (size_t i = 0; i < l->count; i++)
		if (vcmp(l->items[i].version, version) == 0)
			return &l->items[i];
	return NULL;
}

static bool in_set(const pgf_migration_set *set, const char *version)
{
	for (size_t i = 0; i < set->count; i++)
		if (vcmp(set->items[i].version, version) == 0)
			return true;
	return false;
}

static void add_issue(pgf_plan *p, pgf_issue_kind kind, const char *version, const char *file, const char *recorded)
{
	p->issues = pgf_realloc(p->issues, (p->nissues + 1) * sizeof(pgf_plan_issue));
	p->issues[p->nissues++] = (pgf_plan_issue){ kind, version, file, recorded };
}

void pgf_plan_compute(pgf_plan *p, const pgf_migration_set *set, const pgf_applied_list *applied,
                      const pgf_plan_opts *opts)
{
	memset(p, 0, sizeof(*p));
	p->pending = pgf_calloc(set->count ? set->count : 1, sizeof(pgf_plan_step));

	p->current = pgf_applied_highest(applied, NULL);

	for (size_t i = 0; i < set->count; i++) {
		const pgf_migration *m = &set->items[i];
		const pgf_applied *a = find_applied(applied, m->version);
		if (a != NULL && strcmp(a->sha256, m->sha256) != 0) {
			add_issue(p, PGF_ISSUE_MISMATCH, m->version, m->file, a->sha256);
			p->refused = true;
			continue;
		}
		if (a != NULL && strcmp(a->status, "partial") != 0) {
			p->applied++;
			continue;
		}
		if (p->current != NULL && vcmp(m->version, p->current) < 0) {
			add_issue(p, PGF_ISSUE_OUT_OF_ORDER, m->version, m->file, p->current);
			if (!opts->allow_out_of_order)
				p->refused = true;
		}
		p->pending[p->npending++] = (pgf_plan_step){ i, a != NULL ? a->statements_done : 0 };
	}

	for (size_t i = 0; i < applied->count; i++) {
		const pgf_applied *a = &applied->items[i];
		if (!in_set(set, a->version)) {
			add_issue(p, PGF_ISSUE_UNKNOWN, a->version, NULL, a->name);
			if (!opts->allow_unknown)
				p->refused = true;
		}
	}
}

char *pgf_plan_issue_describe(const pgf_plan_issue *issue, const char *folder)
{
	switch (issue->kind) {
	case PGF_ISSUE_MISMATCH:
		return pgf_asprintf("%s/%s: checksum mismatch: applied with sha256 %.12s, the commit has another file",
		                    folder, issue->file, issue->recorded);
	case PGF_ISSUE_UNKNOWN:
		return pgf_asprintf("version %s (%s) is applied but absent from the commit (--allow-unknown to proceed)",
		                    issue->version, issue->recorded);
	case PGF_ISSUE_OUT_OF_ORDER:
		return pgf_asprintf("%s/%s: out of order: version %s is pending below applied version %s "
		                    "(allow_out_of_order in the policy to proceed)",
		                    folder, issue->file, issue->version, issue->recorded);
	}
	return pgf_strdup("unknown issue");
}

void pgf_plan_free(pgf_plan *p)
{
	free(p->pending);
	free(p->issues);
	memset(p, 0, sizeof(*p));
}
