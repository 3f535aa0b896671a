#include "pgfleet/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "pgfleet/common.h"

static pgf_log_level current = PGF_LOG_INFO;

void pgf_log_set_level(pgf_log_level level)
{
	current = level;
}

pgf_log_level pgf_log_get_level(void)
{
	return current;
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "pgfleet: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pgf_log_info(const char *fmt, ...)
{
	if (current < PGF_LOG_INFO)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void pgf_log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void pgf_log_debug(const char *fmt, ...)
{
	if (current < PGF_LOG_DEBUG)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
	va_end(ap);
}

static void print_line(const char *what, const char *prefix, const char *text)
{
	char *safe = pgf_str_printable(text);
	fprintf(stderr, "pgfleet: %s: %s%s%s\n", what, prefix ? prefix : "", prefix ? ": " : "", safe);
	free(safe);
}

void pgf_log_error_chain(const pgf_error *err)
{
	for (; err != NULL; err = err->next) {
		print_line("error", err->tenant, err->message);
		if (err->detail != NULL)
			print_line("detail", NULL, err->detail);
		if (err->hint != NULL)
			print_line("hint", NULL, err->hint);
	}
}
