/* SARIF 2.1.0 (OASIS), as GitHub code scanning reads it: one run, the
 * driver's rules (verify's checks and every lint rule), one result per
 * item. A waived finding is a result with an in-source suppression. A
 * finding about the commit itself (its signature) is placed on pgfleet.json,
 * since code scanning needs a file for every result. */
#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"
#include "pgfleet/report.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

static const char *level_name(pgf_report_level l)
{
	return l == PGF_LEVEL_ERROR ? "error" : l == PGF_LEVEL_WARNING ? "warning" : "note";
}

static json_t *rules_json(const pgf_report_rule *rules, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:{s:s}, s:{s:s}, s:{s:s}}", "id", rules[i].id,
		                                     "shortDescription", "text", rules[i].summary, "help", "text",
		                                     rules[i].help, "defaultConfiguration", "level",
		                                     level_name(rules[i].level)));
	return arr;
}

static json_t *result_json(const pgf_report_item *it, const pgf_report_rule *rules, size_t n)
{
	size_t index = 0;
	while (index < n && strcmp(rules[index].id, it->rule) != 0)
		index++;
	json_t *region = json_pack("{s:I}", "startLine", (json_int_t)(it->line ? it->line : 1));
	if (it->column > 0)
		json_object_set_new(region, "startColumn", json_integer((json_int_t)it->column));
	json_t *loc = json_pack("{s:{s:{s:s, s:s}, s:o}}", "physicalLocation", "artifactLocation", "uri",
	                        it->path ? it->path : "pgfleet.json", "uriBaseId", "%SRCROOT%", "region", region);
	json_t *res = json_pack("{s:s, s:I, s:s, s:{s:s}, s:[o]}", "ruleId", it->rule, "ruleIndex", (json_int_t)index,
	                        "level", level_name(it->level == PGF_LEVEL_NOTE ? rules[index < n ? index : 0].level
	                                                                        : it->level),
	                        "message", "text", it->message, "locations", loc);
	if (it->waiver_reason != NULL)
		json_object_set_new(res, "suppressions",
		                    json_pack("[{s:s, s:s}]", "kind", "inSource", "justification", it->waiver_reason));
	return res;
}

json_t *pgf_report_sarif(const pgf_report *r, const char *version, const char *information_uri)
{
	size_t n;
	const pgf_report_rule *rules = pgf_report_rules(&n);
	json_t *results = json_array();
	for (size_t i = 0; i < r->count; i++)
		json_array_append_new(results, result_json(&r->items[i], rules, n));
	json_t *notes = json_array();
	for (size_t i = 0; i < r->nerrors; i++)
		json_array_append_new(notes, json_pack("{s:s, s:{s:s}}", "level", "error", "message", "text", r->errors[i]));
	json_t *run = json_pack("{s:{s:{s:s, s:s, s:s, s:o}}, s:o, s:[{s:b, s:o}]}", "tool", "driver", "name", "pgfleet",
	                        "version", version, "informationUri", information_uri, "rules", rules_json(rules, n),
	                        "results", results, "invocations", "executionSuccessful", r->nerrors == 0,
	                        "toolExecutionNotifications", notes);
	return json_pack("{s:s, s:s, s:[o]}", "$schema", SARIF_SCHEMA, "version", "2.1.0", "runs", run);
}
