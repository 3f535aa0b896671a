/* Parse trees for the rules (src/lint only): libpg_query's JSON parse tree
 * read into the same protobuf-c structs its protobuf output unpacks to, in
 * an arena freed at once with the file. */
#ifndef PGFLEET_LINT_TREE_H
#define PGFLEET_LINT_TREE_H

#include <pg_query/pg_query.pb-c.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct pgf_arena pgf_arena;

void *pgf_arena_alloc(pgf_arena **arena, size_t size);
void pgf_arena_release(pgf_arena *arena);
/* A protobuf-c allocator over *arena (its free does nothing). */
ProtobufCAllocator pgf_arena_allocator(pgf_arena **arena);

/* One RawStmt of pg_query_parse's JSON. */
typedef struct pgf_tree_stmt {
	size_t location;   /* stmt_location */
	size_t len;        /* stmt_len: 0 = to the end of the text */
	int node_case;     /* the statement's PgQuery__Node__NodeCase (0: unknown) */
	const char *json;  /* its Node's JSON, for pgf_tree_node */
	PgQuery__Node *node; /* its tree, when wanted and it fits the structs */
} pgf_tree_stmt;

/* The statements of pg_query_parse's JSON answer (a malloc'd array), with
 * the trees (in *arena) of those want(node_case) is true for (want may be
 * NULL: none); -1 when the text is not what libpg_query writes. */
int pgf_tree_statements(const char *json, bool (*want)(int node_case), pgf_arena **arena, pgf_tree_stmt **out,
                        size_t *n);
/* A message of type d from its JSON (an object, libpg_query's field names),
 * in *arena; NULL when the JSON does not fit the message type. */
ProtobufCMessage *pgf_tree_message(const char *json, const ProtobufCMessageDescriptor *d, pgf_arena **arena);
/* pgf_tree_message for a statement's Node. */
PgQuery__Node *pgf_tree_node(const pgf_tree_stmt *st, pgf_arena **arena);

#endif
