/* Leading-comment directives.
 *
 * The comment block at the top of a file (blank lines and "--" lines, before
 * the first line of SQL) may carry directives of the form
 *
 *     -- pgfleet:<key>
 *     -- pgfleet:<key>=<value>
 *
 * Keys are lower-case words with '-'. An unknown key is an error rather than
 * a silent no-op, so that a typo cannot run a CONCURRENTLY file inside a
 * transaction. New keys are added to the table below.
 *
 * `-- pgfleet:allow RULE reason` is a lint waiver for the statement it
 * precedes, not a file flag: it is known here (so a waiver on the first
 * statement is not an unknown directive) and checked by the linter, which
 * reads every comment of the file. */
#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"
#include "pgfleet/migration.h"

typedef struct directive {
	const char *key;
	unsigned flag;
	bool takes_value;  /* key=value */
	bool takes_words;  /* key words... (checked elsewhere) */
} directive;

static const directive known[] = {
	{ "no-transaction", PGF_DIRECTIVE_NO_TRANSACTION, false, false },
	{ "allow", 0, false, true },
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

#define PREFIX "pgfleet:"

static int apply_directive(unsigned *flags, const char *s, size_t n, const char *label, size_t line,
                           pgf_error **err)
{
	size_t keylen = 0;
	while (keylen < n && s[keylen] != '=' && !is_space(s[keylen]))
		keylen++;
	const char *eq = keylen < n && s[keylen] == '=' ? s + keylen : NULL;
	bool words = keylen < n && eq == NULL;
	const char *keys[sizeof(known) / sizeof(known[0])];
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		keys[i] = known[i].key;
		if (strlen(known[i].key) != keylen || memcmp(known[i].key, s, keylen) != 0)
			continue;
		if ((eq != NULL && !known[i].takes_value) || (words && !known[i].takes_words))
			return pgf_error_set(err, PGF_ERR_INPUT, "%s:%zu: directive pgfleet:%s takes no value", label,
			                     line, known[i].key);
		*flags |= known[i].flag;
		return 0;
	}
	char *key = pgf_strndup(s, keylen);
	pgf_error_set(err, PGF_ERR_INPUT, "%s:%zu: unknown directive 'pgfleet:%s'", label, line, key);
	const char *near = pgf_suggest(key, keys, sizeof(keys) / sizeof(keys[0]));
	if (near != NULL)
		pgf_error_hint(err, "did you mean 'pgfleet:%s'?", near);
	else
		pgf_error_hint(err, "known directives: pgfleet:no-transaction, pgfleet:allow RULE reason");
	free(key);
	return -1;
}

int pgf_directives_parse(unsigned *flags, const char *text, size_t len, const char *label, pgf_error **err)
{
	*flags = 0;
	size_t pos = 0, line = 0;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		pos = 3; /* UTF-8 byte order mark */
	int rc = 0;
	while (pos < len) {
		line++;
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *s = text + pos;
		size_t n = end - pos;
		pos = end + 1;

		while (n > 0 && is_space(*s)) {
			s++;
			n--;
		}
		while (n > 0 && is_space(s[n - 1]))
			n--;
		if (n == 0)
			continue;
		if (n < 2 || s[0] != '-' || s[1] != '-')
			break; /* the first line of SQL ends the block */
		s += 2;
		n -= 2;
		while (n > 0 && is_space(*s)) {
			s++;
			n--;
		}
		if (n >= strlen(PREFIX) && memcmp(s, PREFIX, strlen(PREFIX)) == 0) {
			s += strlen(PREFIX);
			n -= strlen(PREFIX);
			if (apply_directive(flags, s, n, label, line, err) != 0)
				rc = -1;
		}
	}
	return rc;
}
