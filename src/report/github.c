/* GitHub Actions workflow commands: annotations on the pull request's files.
 * Escaping follows the runner's own (actions/toolkit, command.ts): in the
 * message % CR LF become %25 %0D %0A; in a property value also : and ,
 * become %3A and %2C. */
#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"
#include "pgfleet/report.h"

static char *escape(const char *s, bool property)
{
	pgf_buf b = PGF_BUF_INIT;
	for (; *s; s++) {
		switch (*s) {
		case '%': pgf_buf_puts(&b, "%25"); break;
		case '\r': pgf_buf_puts(&b, "%0D"); break;
		case '\n': pgf_buf_puts(&b, "%0A"); break;
		case ':': pgf_buf_puts(&b, property ? "%3A" : ":"); break;
		case ',': pgf_buf_puts(&b, property ? "%2C" : ","); break;
		default: pgf_buf_put(&b, s, 1);
		}
	}
	return pgf_buf_detach(&b);
}

char *pgf_github_escape_data(const char *s)
{
	return escape(s, false);
}

char *pgf_github_escape_property(const char *s)
{
	return escape(s, true);
}

static void item(FILE *out, const pgf_report_item *it)
{
	static const char *const command[] = { "error", "warning", "notice" };
	fprintf(out, "::%s ", command[it->level]);
	if (it->path != NULL) {
		char *p = pgf_github_escape_property(it->path);
		fprintf(out, "file=%s,", p);
		free(p);
		if (it->line > 0)
			fprintf(out, "line=%zu,col=%zu,", it->line, it->column);
	}
	char *title = it->level == PGF_LEVEL_NOTE ? pgf_asprintf("%s (waived)", it->rule) : pgf_strdup(it->rule);
	char *t = pgf_github_escape_property(title);
	pgf_buf msg = PGF_BUF_INIT;
	pgf_buf_puts(&msg, it->message);
	if (it->waiver_reason != NULL)
		pgf_buf_printf(&msg, "\nwaiver: %s", it->waiver_reason);
	else if (it->why != NULL)
		pgf_buf_printf(&msg, "\nwhy: %s\ninstead: %s", it->why, it->instead);
	char *m = pgf_github_escape_data(msg.ptr);
	fprintf(out, "title=%s::%s\n", t, m);
	free(m);
	free(t);
	free(title);
	pgf_buf_free(&msg);
}

void pgf_report_github(FILE *out, const pgf_report *r)
{
	for (size_t i = 0; i < r->count; i++)
		item(out, &r->items[i]);
	for (size_t i = 0; i < r->nerrors; i++) {
		char *m = pgf_github_escape_data(r->errors[i]);
		fprintf(out, "::error title=pgfleet::%s\n", m);
		free(m);
	}
}
