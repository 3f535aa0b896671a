#include "pgfleet/policy.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config/json_keys.h"
#include "pgfleet/common.h"
#include "pgfleet/migration.h"

void pgf_policy_defaults(pgf_policy *p)
{
	memset(p, 0, sizeof(*p));
	memset(p->lint, -1, sizeof(p->lint));
	p->lock_timeout_ms = 5000;
	p->statement_timeout_ms = 0;
	p->advisory_lock_wait_ms = 30000;
	p->connect_timeout_ms = 10000;
}

int64_t pgf_duration_parse(const char *s)
{
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || v < 0 || v > 100LL * 24 * 3600 * 1000)
		return -1;
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "min", 60000 }, { "h", 3600000 }, { "d", 86400000 } };
	if (*end == '\0')
		return v == 0 ? 0 : -1; /* a bare number is ambiguous, except 0 */
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].unit) == 0)
			return v * units[i].ms;
	return -1;
}

static int get_duration(int64_t *out, json_t *obj, const char *key, const char *path, pgf_error **err)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL)
		return 0;
	int64_t ms = json_is_string(v) ? pgf_duration_parse(json_string_value(v)) : -1;
	if (ms < 0)
		return pgf_error_set(err, PGF_ERR_CONFIG,
		                     "%s: timeouts.%s: expected a duration such as \"250ms\", \"5s\", \"15min\" or \"0\"",
		                     path, key);
	*out = ms;
	return 0;
}

/* A JSON boolean at where (absent: *out unchanged). */
static int parse_bool(bool *out, json_t *obj, const char *key, const char *path, const char *where, pgf_error **err)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: %s%s%s: expected true or false", path, where ? where : "",
		                     where ? "." : "", key);
	*out = json_is_true(v);
	return 0;
}

static int parse_baseline(char out[33], json_t *v, const char *path, const char *where, pgf_error **err)
{
	const char *b = json_string_value(v);
	if (b == NULL || !pgf_str_is_digits(b, strlen(b)) || strlen(b) > 32)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: %s: expected a version (a string of digits)", path, where);
	snprintf(out, 33, "%s", b);
	return 0;
}

/* The scope's own settings (names are unique: scope_entry); NULL when the
 * policy has none for it, or scope is NULL. */
static const pgf_policy_scope *scope_find(const pgf_policy *p, const char *scope)
{
	for (size_t i = 0; scope != NULL && i < p->nscopes; i++)
		if (strcmp(p->scopes[i].name, scope) == 0)
			return &p->scopes[i];
	return NULL;
}

int pgf_policy_min_approvals(const pgf_policy *p, const char *scope)
{
	const pgf_policy_scope *s = scope_find(p, scope);
	return s != NULL && s->min_approvals >= 0 ? s->min_approvals : p->min_approvals;
}

int pgf_policy_approvals_needed(const pgf_policy *p, const char *scope, const char *version)
{
	const pgf_policy_scope *s = scope_find(p, scope);
	const char *baseline = s != NULL && s->approval_baseline[0] != '\0' ? s->approval_baseline : p->approval_baseline;
	if (baseline[0] != '\0' && pgf_version_cmp_str(version, baseline) <= 0)
		return 0;
	return pgf_policy_min_approvals(p, scope);
}

bool pgf_policy_forbids_author_approval(const pgf_policy *p, const char *scope)
{
	const pgf_policy_scope *s = scope_find(p, scope);
	return s != NULL && s->forbid_author_approval >= 0 ? s->forbid_author_approval != 0 : p->forbid_author_approval;
}

/* The scope entry of that name, added when absent; NULL when full. */
static pgf_policy_scope *scope_entry(pgf_policy *p, const char *name)
{
	const pgf_policy_scope *found = scope_find(p, name);
	if (found != NULL)
		return &p->scopes[found - p->scopes];
	if (p->nscopes == PGF_POLICY_MAX_SCOPES || strlen(name) >= sizeof(p->scopes[0].name))
		return NULL;
	pgf_policy_scope *ps = &p->scopes[p->nscopes++];
	memset(ps, 0, sizeof(*ps));
	snprintf(ps->name, sizeof(ps->name), "%s", name);
	ps->min_approvals = -1;
	ps->forbid_author_approval = -1;
	memset(ps->lint, -1, sizeof(ps->lint));
	return ps;
}

void pgf_policy_lint_severities(const pgf_policy *p, const char *scope, signed char out[PGF_LINT_MAX_RULES])
{
	memcpy(out, p->lint, PGF_LINT_MAX_RULES);
	const pgf_policy_scope *s = scope_find(p, scope);
	for (size_t r = 0; s != NULL && r < PGF_LINT_MAX_RULES; r++)
		if (s->lint[r] >= 0)
			out[r] = s->lint[r];
}

/* {"RULE": "error"|"warning"|"off", ...} at where */
static int parse_lint_rules(signed char out[PGF_LINT_MAX_RULES], json_t *rules, const char *path, const char *where,
                            pgf_error **err)
{
	if (!json_is_object(rules))
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: %s: expected an object of rule ids", path, where);
	const char *id;
	json_t *v;
	json_object_foreach(rules, id, v) {
		size_t index = 0;
		const pgf_lint_rule *rule = pgf_lint_rule_find(id, &index);
		if (rule == NULL) {
			pgf_error_set(err, PGF_ERR_CONFIG, "%s: %s.%s: unknown lint rule", path, where, id);
			const char *near = pgf_lint_rule_suggest(id);
			if (near != NULL)
				pgf_error_hint(err, "did you mean '%s'?", near);
			else
				pgf_error_hint(err, "`pgfleet lint --rules` lists them");
			return -1;
		}
		int sev = json_is_string(v) ? pgf_lint_severity_parse(json_string_value(v)) : -1;
		if (sev < 0)
			return pgf_error_set(err, PGF_ERR_CONFIG, "%s: %s.%s: expected \"error\", \"warning\" or \"off\"", path,
			                     where, id);
		if (rule->fixed)
			return pgf_error_set(err, PGF_ERR_CONFIG, "%s: %s.%s: this rule cannot be configured", path, where, id);
		out[index] = (signed char)sev;
	}
	return 0;
}

/* "lint": {"rules": {...}, "scopes": {"NAME": {"rules": {...}}}} */
static int parse_lint(pgf_policy *p, json_t *lint, const char *path, pgf_error **err)
{
	static const char *const lkeys[] = { "rules", "scopes", NULL };
	static const char *const skeys[] = { "rules", NULL };
	if (!json_is_object(lint))
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: lint: expected an object", path);
	if (pgf_json_check_keys(lint, lkeys, path, "lint", err) != 0)
		return -1;
	json_t *rules = json_object_get(lint, "rules");
	if (rules != NULL && parse_lint_rules(p->lint, rules, path, "lint.rules", err) != 0)
		return -1;
	json_t *scopes = json_object_get(lint, "scopes");
	if (scopes == NULL)
		return 0;
	if (!json_is_object(scopes))
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: lint.scopes: expected an object of scope names", path);
	const char *name;
	json_t *sv;
	json_object_foreach(scopes, name, sv) {
		char where[128];
		snprintf(where, sizeof(where), "lint.scopes.%s", name);
		pgf_policy_scope *ps = scope_entry(p, name);
		if (ps == NULL)
			return pgf_error_set(err, PGF_ERR_CONFIG, "%s: %s: too many scopes or too long a name", path, where);
		if (!json_is_object(sv))
			return pgf_error_set(err, PGF_ERR_CONFIG, "%s: %s: expected an object", path, where);
		if (pgf_json_check_keys(sv, skeys, path, where, err) != 0)
			return -1;
		snprintf(where, sizeof(where), "lint.scopes.%s.rules", name);
		json_t *r = json_object_get(sv, "rules");
		if (r != NULL && parse_lint_rules(ps->lint, r, path, where, err) != 0)
			return -1;
	}
	return 0;
}

bool pgf_rollout_has_canaries(const pgf_rollout *r)
{
	return r->nslugs > 0 || r->column[0] != '\0';
}

bool pgf_rollout_is_canary(const pgf_rollout *r, const char *slug, const char *column_value)
{
	if (r->column[0] != '\0')
		return column_value != NULL && strcmp(column_value, r->value) == 0;
	for (size_t i = 0; i < r->nslugs; i++)
		if (strcmp(r->slugs[i], slug) == 0)
			return true;
	return false;
}

/* A plain lower-case SQL name: safe to put between double quotes. */
static bool plain_name(const char *s)
{
	if (s == NULL || !((*s >= 'a' && *s <= 'z') || *s == '_') || strlen(s) > 63)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static int parse_canary(pgf_rollout *ro, json_t *c, const char *path, pgf_error **err)
{
	static const char *const ckeys[] = { "slugs", "column", "value", NULL };
	if (!json_is_object(c))
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: rollout.canary: expected an object", path);
	if (pgf_json_check_keys(c, ckeys, path, "rollout.canary", err) != 0)
		return -1;
	json_t *slugs = json_object_get(c, "slugs"), *col = json_object_get(c, "column"), *val = json_object_get(c, "value");
	if ((slugs != NULL) == (col != NULL || val != NULL))
		return pgf_error_set(err, PGF_ERR_CONFIG,
		                     "%s: rollout.canary: expected either \"slugs\" or \"column\" and \"value\"", path);
	if (slugs != NULL) {
		if (!json_is_array(slugs) || json_array_size(slugs) == 0 || json_array_size(slugs) > PGF_ROLLOUT_MAX_SLUGS)
			return pgf_error_set(err, PGF_ERR_CONFIG, "%s: rollout.canary.slugs: expected 1 to %d tenant slugs", path,
			                     PGF_ROLLOUT_MAX_SLUGS);
		size_t i;
		json_t *sv;
		json_array_foreach(slugs, i, sv) {
			const char *slug = json_string_value(sv);
			if (slug == NULL || slug[0] == '\0' || strlen(slug) >= sizeof(ro->slugs[0]))
				return pgf_error_set(err, PGF_ERR_CONFIG,
				                     "%s: rollout.canary.slugs[%zu]: expected a tenant slug (1 to 63 characters)", path,
				                     i);
			snprintf(ro->slugs[ro->nslugs++], sizeof(ro->slugs[0]), "%s", slug);
		}
		return 0;
	}
	if (!plain_name(json_string_value(col)))
		return pgf_error_set(err, PGF_ERR_CONFIG,
		                     "%s: rollout.canary.column: expected a column name (lower-case letters, digits, '_')",
		                     path);
	if (!json_is_string(val) || json_string_length(val) >= sizeof(ro->value))
		return pgf_error_set(err, PGF_ERR_CONFIG,
		                     "%s: rollout.canary.value: expected a string (the column's value as text)", path);
	snprintf(ro->column, sizeof(ro->column), "%s", json_string_value(col));
	snprintf(ro->value, sizeof(ro->value), "%s", json_string_value(val));
	return 0;
}

static int parse_rollout(pgf_rollout *ro, json_t *v, const char *path, pgf_error **err)
{
	static const char *const rkeys[] = { "canary", "on_error", NULL };
	if (!json_is_object(v))
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: rollout: expected an object", path);
	if (pgf_json_check_keys(v, rkeys, path, "rollout", err) != 0)
		return -1;
	json_t *c = json_object_get(v, "canary");
	if (c != NULL && parse_canary(ro, c, path, err) != 0)
		return -1;
	json_t *oe = json_object_get(v, "on_error");
	const char *o = json_string_value(oe);
	if (oe != NULL && (o == NULL || (strcmp(o, "stop") != 0 && strcmp(o, "continue") != 0)))
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: rollout.on_error: expected \"stop\" or \"continue\"", path);
	ro->stop_on_error = o != NULL && strcmp(o, "stop") == 0;
	return 0;
}

static int parse(pgf_policy *p, json_t *root, const char *path, pgf_error **err)
{
	static const char *const top[] = { "require_signed_commit", "min_approvals", "allow_out_of_order", "scopes",
		                           "timeouts", "lint", "approval_baseline", "on_drift", "rollout",
		                           "forbid_author_approval", NULL };
	static const char *const skeys[] = { "min_approvals", "approval_baseline", "forbid_author_approval", NULL };
	static const char *const tkeys[] = { "lock_timeout", "statement_timeout", "advisory_lock_wait",
		                             "connect_timeout", NULL };
	if (!json_is_object(root))
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: expected a JSON object", path);
	if (pgf_json_check_keys(root, top, path, "top level", err) != 0)
		return -1;
	if (parse_bool(&p->require_signed_commit, root, "require_signed_commit", path, NULL, err) != 0 ||
	    parse_bool(&p->allow_out_of_order, root, "allow_out_of_order", path, NULL, err) != 0 ||
	    parse_bool(&p->forbid_author_approval, root, "forbid_author_approval", path, NULL, err) != 0)
		return -1;
	json_t *v;
	if ((v = json_object_get(root, "min_approvals")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100)
			return pgf_error_set(err, PGF_ERR_CONFIG, "%s: min_approvals: expected an integer from 0 to 100", path);
		p->min_approvals = (int)json_integer_value(v);
	}
	if ((v = json_object_get(root, "approval_baseline")) != NULL &&
	    parse_baseline(p->approval_baseline, v, path, "approval_baseline", err) != 0)
		return -1;
	json_t *scopes = json_object_get(root, "scopes");
	if (scopes != NULL) {
		if (!json_is_object(scopes))
			return pgf_error_set(err, PGF_ERR_CONFIG, "%s: scopes: expected an object of scope names", path);
		const char *name;
		json_t *sv;
		json_object_foreach(scopes, name, sv) {
			pgf_policy_scope *ps = scope_entry(p, name);
			if (ps == NULL)
				return pgf_error_set(err, PGF_ERR_CONFIG, "%s: scopes.%s: too many scopes or too long a name", path,
				                     name);
			char where[96];
			snprintf(where, sizeof(where), "scopes.%s", name);
			if (!json_is_object(sv) || pgf_json_check_keys(sv, skeys, path, where, err) != 0)
				return json_is_object(sv)
				               ? -1
				               : pgf_error_set(err, PGF_ERR_CONFIG, "%s: %s: expected an object", path, where);
			json_t *mv = json_object_get(sv, "min_approvals");
			if (mv != NULL) {
				if (!json_is_integer(mv) || json_integer_value(mv) < 0 || json_integer_value(mv) > 100)
					return pgf_error_set(err, PGF_ERR_CONFIG, "%s: %s.min_approvals: expected an integer from 0 to 100",
					                     path, where);
				ps->min_approvals = (int)json_integer_value(mv);
			}
			json_t *bv = json_object_get(sv, "approval_baseline");
			if (bv != NULL && parse_baseline(ps->approval_baseline, bv, path, where, err) != 0)
				return -1;
			bool forbid = false;
			if (json_object_get(sv, "forbid_author_approval") != NULL) {
				if (parse_bool(&forbid, sv, "forbid_author_approval", path, where, err) != 0)
					return -1;
				ps->forbid_author_approval = forbid;
			}
		}
	}
	json_t *lint = json_object_get(root, "lint");
	if (lint != NULL && parse_lint(p, lint, path, err) != 0)
		return -1;
	if ((v = json_object_get(root, "on_drift")) != NULL) {
		const char *d = json_string_value(v);
		if (d == NULL || (strcmp(d, "warn") != 0 && strcmp(d, "refuse") != 0 && strcmp(d, "off") != 0))
			return pgf_error_set(err, PGF_ERR_CONFIG, "%s: on_drift: expected \"warn\", \"refuse\" or \"off\"",
			                     path);
		p->refuse_on_drift = strcmp(d, "refuse") == 0;
		p->drift_off = strcmp(d, "off") == 0;
	}
	if ((v = json_object_get(root, "rollout")) != NULL && parse_rollout(&p->rollout, v, path, err) != 0)
		return -1;
	json_t *t = json_object_get(root, "timeouts");
	if (t != NULL) {
		if (!json_is_object(t))
			return pgf_error_set(err, PGF_ERR_CONFIG, "%s: timeouts: expected an object", path);
		if (pgf_json_check_keys(t, tkeys, path, "timeouts", err) != 0 ||
		    get_duration(&p->lock_timeout_ms, t, "lock_timeout", path, err) != 0 ||
		    get_duration(&p->statement_timeout_ms, t, "statement_timeout", path, err) != 0 ||
		    get_duration(&p->advisory_lock_wait_ms, t, "advisory_lock_wait", path, err) != 0 ||
		    get_duration(&p->connect_timeout_ms, t, "connect_timeout", path, err) != 0)
			return -1;
	}
	return 0;
}

int pgf_policy_load(pgf_policy *p, const char *path, pgf_error **err)
{
	pgf_policy_defaults(p);
	pgf_buf text = PGF_BUF_INIT;
	if (pgf_file_read(&text, path, 1024 * 1024, err) != 0)
		return -1;
	json_error_t jerr;
	json_t *root = json_loadb(text.ptr, text.len, JSON_REJECT_DUPLICATES, &jerr);
	pgf_buf_free(&text);
	if (root == NULL)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
	int rc = parse(p, root, path, err);
	p->loaded = rc == 0;
	json_decref(root);
	return rc;
}
