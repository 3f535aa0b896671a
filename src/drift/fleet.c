/* Drift across databases: the schemas a run saw, and each database against
 * the majority of its peers at the same versions (pure). */
#include "pgfleet/drift.h"

#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"

typedef struct stored {
	char *fingerprint;
	char *objects;
} stored;

struct pgf_drift_store {
	stored *items;
	size_t count, cap;
};

pgf_drift_store *pgf_drift_store_new(void)
{
	return pgf_calloc(1, sizeof(pgf_drift_store));
}

void pgf_drift_store_add(pgf_drift_store *s, const char *fingerprint, const char *objects)
{
	if (pgf_drift_store_get(s, fingerprint) != NULL)
		return;
	PGF_ARRAY_GROW(s->items, s->count, s->cap);
	s->items[s->count++] = (stored){ pgf_strdup(fingerprint), pgf_strdup(objects) };
}

const char *pgf_drift_store_get(const pgf_drift_store *s, const char *fingerprint)
{
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->items[i].fingerprint, fingerprint) == 0)
			return s->items[i].objects;
	return NULL;
}

void pgf_drift_store_free(pgf_drift_store *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->count; i++) {
		free(s->items[i].fingerprint);
		free(s->items[i].objects);
	}
	free(s->items);
	free(s);
}

static bool usable(const pgf_drift_report *r)
{
	return r != NULL && r->fingerprint != NULL && r->group != NULL;
}

/* A member that matches its own recording vouches for its fingerprint. */
static bool vouched(const pgf_drift_report *r)
{
	return r->baseline && r->nchanges == 0;
}

typedef struct tally {
	const pgf_drift_report *first; /* the first member with this fingerprint */
	const pgf_drift_report *voucher;
	size_t count;
} tally;

static void compare_group(pgf_drift_report *const *reports, size_t n, size_t first, const pgf_drift_store *s)
{
	const char *group = reports[first]->group;
	size_t size = 0;
	/* distinct fingerprints: few in a healthy fleet */
	tally *t = NULL;
	size_t nt = 0, cap = 0;
	for (size_t i = first; i < n; i++) {
		const pgf_drift_report *r = reports[i];
		if (!usable(r) || strcmp(r->group, group) != 0)
			continue;
		size++;
		size_t k = 0;
		while (k < nt && strcmp(t[k].first->fingerprint, r->fingerprint) != 0)
			k++;
		if (k == nt) {
			PGF_ARRAY_GROW(t, nt, cap);
			t[nt++] = (tally){ r, NULL, 0 };
		}
		t[k].count++;
		if (t[k].voucher == NULL && vouched(r))
			t[k].voucher = r;
	}
	size_t b = 0;
	for (size_t k = 1; k < nt; k++)
		if (t[k].count > t[b].count || (t[k].count == t[b].count && t[k].voucher != NULL && t[b].voucher == NULL))
			b = k;
	const pgf_drift_report *best = t[b].voucher ? t[b].voucher : t[b].first;
	size_t best_count = t[b].count;
	free(t);
	const char *reference = s ? pgf_drift_store_get(s, best->fingerprint) : NULL;
	for (size_t i = first; i < n; i++) {
		pgf_drift_report *r = reports[i];
		if (!usable(r) || strcmp(r->group, group) != 0)
			continue;
		r->group_size = size;
		r->peers = best_count;
		if (strcmp(r->fingerprint, best->fingerprint) == 0 || r->nchanges > 0)
			continue; /* in the majority, or already named against its own recording */
		const char *mine = s ? pgf_drift_store_get(s, r->fingerprint) : NULL;
		free(r->peer);
		r->peer = pgf_strdup(best->name ? best->name : "");
		if (reference != NULL && mine != NULL)
			r->npeer_changes = pgf_drift_diff(&r->peer_changes, reference, mine);
	}
}

void pgf_drift_compare_peers(pgf_drift_report *const *reports, size_t n, const pgf_drift_store *s)
{
	for (size_t i = 0; i < n; i++) {
		if (!usable(reports[i]))
			continue;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = usable(reports[k]) && strcmp(reports[k]->group, reports[i]->group) == 0;
		if (!seen)
			compare_group(reports, n, i, s);
	}
}
