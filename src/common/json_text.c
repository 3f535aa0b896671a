/* JSON strings of text from outside pgfleet (file names, server messages,
 * catalog names): jansson takes only UTF-8, and an item must not vanish
 * from a report because of its bytes. */
#include <jansson.h>
#include <stdlib.h>

#include "pgfleet/common.h"

json_t *pgf_json_text(const char *s)
{
	if (s == NULL)
		return json_null();
	json_t *j = json_string(s);
	if (j != NULL)
		return j;
	char *utf8 = pgf_str_utf8(s);
	j = json_string(utf8);
	free(utf8);
	return j;
}
