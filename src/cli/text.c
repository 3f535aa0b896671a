/* Text output of text from outside pgfleet (a database's messages, catalog
 * names): one line, its bytes that are not printable UTF-8 as \xNN. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "pgfleet/common.h"

void pgf_cli_print_text(const char *lead, const char *text)
{
	char *safe = pgf_str_printable(text);
	printf("%s%s\n", lead, safe);
	free(safe);
}
