/* Shared helpers for the cmocka unit tests of the pure modules. */
#ifndef PGFLEET_UNIT_H
#define PGFLEET_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Fails unless needle occurs in haystack; prints both on failure. */
#define assert_contains(haystack, needle)                                                         \
	do {                                                                                      \
		const char *h_ = (haystack);                                                      \
		const char *n_ = (needle);                                                        \
		if (h_ == NULL || strstr(h_, n_) == NULL)                                         \
			fail_msg("expected \"%s\" to contain \"%s\"", h_ ? h_ : "(null)", n_);    \
	} while (0)

#define assert_not_contains(haystack, needle)                                                     \
	do {                                                                                      \
		const char *h_ = (haystack);                                                      \
		const char *n_ = (needle);                                                        \
		assert_non_null(h_);                                                              \
		if (strstr(h_, n_) != NULL)                                                       \
			fail_msg("expected \"%s\" not to contain \"%s\"", h_, n_);                \
	} while (0)

/* Runs fn(arg) in a child process. Returns 1 when the child exited with
 * status 0, 0 otherwise (nonzero exit, crash, or a sanitizer report). Used
 * to probe for crashes without bringing the whole test executable down. */
static inline int unit_runs_cleanly(int (*fn)(void *), void *arg)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* cmocka catches SIGSEGV and would carry on running the remaining
		 * tests in the child: restore the default actions so a crash ends
		 * the child, and keep its output out of the parent's log. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		if (freopen("/dev/null", "w", stdout) == NULL || freopen("/dev/null", "w", stderr) == NULL)
			_exit(4);
		_exit(fn(arg) == 0 ? 0 : 3);
	}
	int status = 0;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

#endif
