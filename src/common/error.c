#include "pgfleet/error.h"

#include <stdio.h>
#include <stdlib.h>

#include "pgfleet/common.h"

int pgf_error_vset(pgf_error **err, pgf_error_code code, const char *fmt, va_list ap)
{
	if (err == NULL)
		return -1;

	pgf_error *e = pgf_calloc(1, sizeof(*e));
	e->code = code;

	e->message = pgf_vasprintf(fmt, ap);

	pgf_error_append(err, e);
	return -1;
}

int pgf_error_set(pgf_error **err, pgf_error_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pgf_error_vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

static pgf_error *last(pgf_error *err)
{
	while (err != NULL && err->next != NULL)
		err = err->next;
	return err;
}

void pgf_error_hint(pgf_error **err, const char *fmt, ...)
{
	pgf_error *e = err != NULL ? last(*err) : NULL;
	if (e == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	free(e->hint);
	e->hint = pgf_vasprintf(fmt, ap);
	va_end(ap);
}

void pgf_error_detail(pgf_error **err, const char *fmt, ...)
{
	pgf_error *e = err != NULL ? last(*err) : NULL;
	if (e == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	free(e->detail);
	e->detail = pgf_vasprintf(fmt, ap);
	va_end(ap);
}

void pgf_error_append(pgf_error **dst, pgf_error *src)
{
	if (dst == NULL) {
		pgf_error_free(src);
		return;
	}
	if (*dst == NULL)
		*dst = src;
	else
		last(*dst)->next = src;
}

size_t pgf_error_count(const pgf_error *err)
{
	size_t n = 0;
	for (; err != NULL; err = err->next)
		n++;
	return n;
}

void pgf_error_free(pgf_error *err)
{
	while (err != NULL) {
		pgf_error *next = err->next;
		free(err->message);
		free(err->detail);
		free(err->hint);
		free(err->tenant);
		free(err);
		err = next;
	}
}
