/* drizzle-kit folders: meta/_journal.json orders the files, and
 * "--> statement-breakpoint" separates the statements of a file. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"
#include "pgfleet/migration.h"

static int entry_error(pgf_error **err, const char *label, size_t i, const char *what)
{
	return pgf_error_set(err, PGF_ERR_INPUT, "%s: entries[%zu]: %s", label, i, what);
}

static int parse_entries(pgf_drizzle_journal *out, json_t *root, const char *label, pgf_error **err)
{
	const char *dialect = json_string_value(json_object_get(root, "dialect"));
	if (dialect == NULL || strcmp(dialect, "postgresql") != 0)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: dialect is \"%s\", expected \"postgresql\"", label,
		                     dialect ? dialect : "(missing)");
	json_t *entries = json_object_get(root, "entries");
	if (!json_is_array(entries))
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: entries: expected an array", label);

	size_t n = json_array_size(entries);
	out->entries = pgf_calloc(n, sizeof(pgf_drizzle_entry));
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(entries, i);
		json_t *idx = json_object_get(e, "idx");
		json_t *tag = json_object_get(e, "tag");
		json_t *when = json_object_get(e, "when");
		json_t *bps = json_object_get(e, "breakpoints");
		if (!json_is_object(e))
			return entry_error(err, label, i, "expected an object");
		if (!json_is_integer(idx) || json_integer_value(idx) != (json_int_t)i)
			return entry_error(err, label, i, "idx does not match the entry's position");
		if (!json_is_string(tag))
			return entry_error(err, label, i, "tag: expected a string");
		if (!json_is_integer(when))
			return entry_error(err, label, i, "when: expected an integer");
		if (bps != NULL && !json_is_boolean(bps))
			return entry_error(err, label, i, "breakpoints: expected true or false");
		pgf_drizzle_entry *de = &out->entries[out->count++];
		de->tag = pgf_strdup(json_string_value(tag));
		de->when = (int64_t)json_integer_value(when);
		de->breakpoints = bps == NULL || json_is_true(bps);
		if (strchr(de->tag, '/') != NULL || strcmp(de->tag, "") == 0)
			return entry_error(err, label, i, "tag must be a plain file name");
		for (size_t j = 0; j < i; j++)
			if (strcmp(out->entries[j].tag, de->tag) == 0)
				return entry_error(err, label, i, "tag is listed twice");
	}
	return 0;
}

int pgf_drizzle_journal_parse(pgf_drizzle_journal *out, const char *text, size_t len, const char *label,
                              pgf_error **err)
{
	out->entries = NULL;
	out->count = 0;
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s:%d:%d: %s", label, jerr.line, jerr.column, jerr.text);
	int rc = json_is_object(root) ? parse_entries(out, root, label, err)
	                              : pgf_error_set(err, PGF_ERR_INPUT, "%s: expected a JSON object", label);
	json_decref(root);
	if (rc != 0)
		pgf_drizzle_journal_free(out);
	return rc;
}

void pgf_drizzle_journal_free(pgf_drizzle_journal *j)
{
	for (size_t i = 0; i < j->count; i++)
		free(j->entries[i].tag);
	free(j->entries);
	j->entries = NULL;
	j->count = 0;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	return true;
}

size_t pgf_drizzle_split(pgf_span **out, const char *text, size_t len)
{
	const size_t bplen = strlen(PGF_DRIZZLE_BREAKPOINT);
	size_t count = 0, cap = 0;
	pgf_span *spans = NULL;
	size_t start = 0;
	for (;;) {
		size_t end = len;
		for (size_t i = start; i + bplen <= len; i++) {
			if (text[i] == '-' && memcmp(text + i, PGF_DRIZZLE_BREAKPOINT, bplen) == 0) {
				end = i;
				break;
			}
		}
		if (!blank(text + start, end - start)) {
			PGF_ARRAY_GROW(spans, count, cap);
			spans[count].offset = start;
			spans[count].len = end - start;
			count++;
		}
		if (end == len)
			break;
		start = end + bplen;
	}
	*out = spans;
	return count;
}
