#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "pgfleet/common.h"
#include "pgfleet/verify.h"

void pgf_findings_add(pgf_findings *f, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = pgf_vasprintf(fmt, ap);
	va_end(ap);

	PGF_ARRAY_GROW(f->items, f->count, f->cap);
	f->items[f->count].path = pgf_str_printable(path);
	f->items[f->count].message = pgf_str_printable(msg);
	f->items[f->count].rule = NULL;
	free(msg);
	f->count++;
}

void pgf_findings_free(pgf_findings *f)
{
	for (size_t i = 0; i < f->count; i++) {
		free(f->items[i].path);
		free(f->items[i].message);
	}
	free(f->items);
	f->items = NULL;
	f->count = f->cap = 0;
}

void pgf_findings_tag(pgf_findings *f, const char *rule)
{
	for (size_t i = 0; i < f->count; i++)
		if (f->items[i].rule == NULL)
			f->items[i].rule = rule;
}
