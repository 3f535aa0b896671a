/* bench/floor.c — the floor of bench/fleet.sh: the least a tool must do to
 * touch every tenant database, with libpq and nothing else.
 *
 * N threads (--jobs) take tenants from a shared counter; for each tenant:
 *   noop   connect; one query (SELECT 1); disconnect
 *   ddl    connect; "BEGIN;" + the text of --sql FILE + "COMMIT;" as one
 *          simple-query round trip; disconnect
 *   query  connect; run the text of --sql FILE; print "LINE<TAB>value" (the
 *          first column of every row, joined with ','); disconnect
 *          (not timed: fleet.sh uses it to check what the tools did)
 *   exec   connect; send each query of --sql FILE as one simple-query
 *          message, in order (queries are separated by a line holding only
 *          \g; a query may hold several statements); disconnect
 *          (bench/fingerprint.sh replays what pgfleet sent a tenant)
 *
 * Tenants are read from CONNINFO_FILE, one libpq conninfo or URL per line
 * (blank lines ignored). Errors name the database, never the conninfo (it may
 * carry a password). Exit 0 when every tenant succeeded, 1 when one failed,
 * 2 on usage or input errors.
 *
 * build: cc -O2 bench/floor.c $(pkg-config --cflags --libs libpq) -lpthread -o floor
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum mode { MODE_NOOP, MODE_DDL, MODE_QUERY, MODE_EXEC };

static enum mode mode = MODE_NOOP;
static char **tenants;
static size_t ntenants;
static char *sqltext; /* what each tenant runs (ddl: wrapped in BEGIN/COMMIT) */
static char **queries; /* exec: sqltext cut at its \g lines */
static size_t nqueries;
static atomic_size_t next_tenant;
static atomic_size_t failures;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void usage(FILE *f)
{
    fputs("usage: floor [--jobs N] --mode noop|ddl|query|exec [--sql FILE] CONNINFO_FILE\n"
          "  noop   connect, SELECT 1, disconnect, per tenant\n"
          "  ddl    connect, BEGIN; <FILE>; COMMIT (one round trip), disconnect\n"
          "  query  connect, run <FILE>, print LINE<TAB>first column of each row\n"
          "  exec   connect, send each query of <FILE> (separated by lines holding only \\g)\n",
          f);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0, r;
    char *buf = malloc(cap + 1);
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(buf, 2 * cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (!buf || ferror(f)) {
        fprintf(stderr, "floor: %s: read error\n", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* Split the tenants file into lines (in place); blank lines are skipped. */
static int load_tenants(const char *path)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text)
        return -1;
    size_t cap = 1024;
    tenants = malloc(cap * sizeof *tenants);
    for (char *p = text; tenants && *p;) {
        char *nl = strchr(p, '\n');
        char *end = nl ? nl : p + strlen(p);
        if (end > p && end[-1] == '\r')
            end[-1] = '\0';
        *end = '\0';
        if (*p) {
            if (ntenants == cap) {
                char **nt = realloc(tenants, 2 * cap * sizeof *tenants);
                if (!nt) {
                    free(tenants);
                    tenants = NULL;
                    break;
                }
                tenants = nt;
                cap *= 2;
            }
            tenants[ntenants++] = p;
        }
        p = nl ? nl + 1 : end;
    }
    if (!tenants) {
        fputs("floor: out of memory\n", stderr);
        return -1;
    }
    return 0;
}

static void fail(size_t i, PGconn *conn, const char *what)
{
    const char *msg = conn ? PQerrorMessage(conn) : "out of memory\n";
    const char *db = conn ? PQdb(conn) : NULL;
    atomic_fetch_add(&failures, 1);
    pthread_mutex_lock(&out_lock);
    fprintf(stderr, "floor: tenant %zu (%s): %s: %s", i + 1, db && *db ? db : "?", what,
            msg && *msg ? msg : "failed\n");
    pthread_mutex_unlock(&out_lock);
}

static void one_tenant(size_t i)
{
    PGconn *conn = PQconnectdb(tenants[i]);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        fail(i, conn, "connect");
        PQfinish(conn);
        return;
    }
    PGresult *res;
    switch (mode) {
    case MODE_NOOP:
        res = PQexec(conn, "SELECT 1");
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            fail(i, conn, "SELECT 1");
        break;
    case MODE_DDL:
        /* One simple-query message: PQexec returns the last result, or the
         * error that stopped the string (the server skips the rest, and the
         * open transaction dies with the connection). */
        res = PQexec(conn, sqltext);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            fail(i, conn, "DDL transaction");
        break;
    case MODE_EXEC:
        res = NULL;
        for (size_t q = 0; q < nqueries; q++) {
            PQclear(res);
            res = PQexec(conn, queries[q]);
            ExecStatusType st = PQresultStatus(res);
            if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
                fail(i, conn, "exec");
                break;
            }
        }
        break;
    case MODE_QUERY:
    default:
        res = PQexec(conn, sqltext);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            fail(i, conn, "query");
            break;
        }
        pthread_mutex_lock(&out_lock);
        printf("%zu\t", i + 1);
        for (int r = 0; r < PQntuples(res); r++)
            printf("%s%s", r ? "," : "", PQgetisnull(res, r, 0) ? "NULL" : PQgetvalue(res, r, 0));
        putchar('\n');
        pthread_mutex_unlock(&out_lock);
        break;
    }
    PQclear(res);
    PQfinish(conn);
}

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        size_t i = atomic_fetch_add(&next_tenant, 1);
        if (i >= ntenants)
            return NULL;
        one_tenant(i);
    }
}

/* exec: cut sqltext (in place) at lines holding only \g. */
static int split_queries(void)
{
    size_t cap = 0;
    for (char *p = sqltext;;) {
        char *sep = strstr(p, "\n\\g\n");
        if (sep)
            *sep = '\0';
        if (*p) {
            if (nqueries == cap) {
                cap = cap ? 2 * cap : 8;
                char **nq = realloc(queries, cap * sizeof *queries);
                if (!nq) {
                    fputs("floor: out of memory\n", stderr);
                    return -1;
                }
                queries = nq;
            }
            queries[nqueries++] = p;
        }
        if (!sep)
            break;
        p = sep + 4;
    }
    if (nqueries == 0) {
        fputs("floor: --mode exec: the --sql file holds no query\n", stderr);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long jobs = 1;
    const char *sqlfile = NULL, *modename = NULL, *file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if ((!strcmp(a, "--jobs") || !strcmp(a, "--mode") || !strcmp(a, "--sql")) &&
                   i + 1 < argc) {
            const char *v = argv[++i];
            if (a[2] == 'j') {
                char *end;
                jobs = strtol(v, &end, 10);
                if (*end || jobs < 1 || jobs > 1024) {
                    fprintf(stderr, "floor: --jobs must be 1..1024, got '%s'\n", v);
                    return 2;
                }
            } else if (a[2] == 'm') {
                modename = v;
            } else {
                sqlfile = v;
            }
        } else if (a[0] == '-' || file) {
            usage(stderr);
            return 2;
        } else {
            file = a;
        }
    }
    if (!file || !modename) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(modename, "noop")) {
        mode = MODE_NOOP;
    } else if (!strcmp(modename, "ddl")) {
        mode = MODE_DDL;
    } else if (!strcmp(modename, "query")) {
        mode = MODE_QUERY;
    } else if (!strcmp(modename, "exec")) {
        mode = MODE_EXEC;
    } else {
        fprintf(stderr, "floor: unknown --mode '%s'\n", modename);
        return 2;
    }
    if ((mode != MODE_NOOP) != (sqlfile != NULL)) {
        fputs("floor: --sql FILE is required by --mode ddl and query, and only by them\n", stderr);
        return 2;
    }
    if (sqlfile) {
        size_t len;
        char *body = read_file(sqlfile, &len);
        if (!body)
            return 2;
        if (mode == MODE_DDL) {
            static const char pre[] = "BEGIN;\n", post[] = "\n;COMMIT;";
            sqltext = malloc(sizeof pre + len + sizeof post);
            if (!sqltext)
                return 2;
            memcpy(sqltext, pre, sizeof pre - 1);
            memcpy(sqltext + sizeof pre - 1, body, len);
            memcpy(sqltext + sizeof pre - 1 + len, post, sizeof post);
            free(body);
        } else {
            sqltext = body;
        }
    }
    if (mode == MODE_EXEC && split_queries() < 0)
        return 2;
    if (load_tenants(file) < 0)
        return 2;
    if ((size_t)jobs > ntenants)
        jobs = ntenants ? (long)ntenants : 1;

    pthread_t *th = calloc((size_t)jobs, sizeof *th);
    if (!th)
        return 2;
    long started = 0;
    for (; started < jobs; started++) {
        int e = pthread_create(&th[started], NULL, worker, NULL);
        if (e) {
            fprintf(stderr, "floor: pthread_create: %s\n", strerror(e));
            break;
        }
    }
    if (started == 0)
        return 2;
    for (long t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    fflush(stdout);
    size_t nf = atomic_load(&failures);
    if (nf) {
        fprintf(stderr, "floor: %zu of %zu tenants failed\n", nf, ntenants);
        return 1;
    }
    return 0;
}
