#include "pgfleet/log.h"

#include <stdarg.h>
#include <stdio.h>

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

void pgf_log_error_chain(const pgf_error *err)
{
	for (; err != NULL; err = err->next) {
		if (err->tenant != NULL)
			fprintf(stderr, "pgfleet: error: %s: %s\n", err->tenant, err->message);
		else
			fprintf(stderr, "pgfleet: error: %s\n", err->message);
		if (err->detail != NULL)
			fprintf(stderr, "pgfleet: detail: %s\n", err->detail);
		if (err->hint != NULL)
			fprintf(stderr, "pgfleet: hint: %s\n", err->hint);
	}
}
