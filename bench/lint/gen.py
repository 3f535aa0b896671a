#!/usr/bin/env python3
"""bench/lint/gen.py -- a deterministic corpus of realistic migration files.

usage: bench/lint/gen.py [--files N] [--seed S] OUTDIR

Writes N files (default 1000) into OUTDIR (which must be empty or missing),
as the migration histories of several made-up projects: each project keeps
its schema (tables, columns, enums, indexes) as it goes, so later files alter
tables that earlier files created, the way a real history does. Names are
pNN_MMMM_tag.sql, so the files of one project sort together and in order.

Two writing styles are mixed, as teams write them:
  - drizzle-kit output: quoted identifiers, "public"."t" references,
    `--> statement-breakpoint` between statements (often on the statement's
    own line), foreign keys added by ALTER TABLE after the CREATE TABLE;
  - hand-written files: lower or upper case, comments that explain the
    change, SET lock_timeout at the top in careful projects, the three-step
    NOT NULL and expand/contract patterns, `-- pgfleet:no-transaction`
    files for CREATE/DROP INDEX CONCURRENTLY.

Statements: CREATE TABLE with constraints, ADD COLUMN (nullable, constant
default, NOT NULL with and without default, volatile default), CREATE
(UNIQUE) INDEX with and without CONCURRENTLY, DROP INDEX, foreign keys and
CHECKs with and without NOT VALID, VALIDATE CONSTRAINT, UNIQUE / PRIMARY KEY
with and without USING INDEX, SET / DROP NOT NULL, renames, type changes,
DROP COLUMN / TABLE, backfills (UPDATE / DELETE with and without WHERE,
batched), TRUNCATE, functions and triggers with dollar-quoted bodies, views
and materialized views, enums (CREATE TYPE, ADD VALUE), seed INSERTs,
COMMENT ON, comments and strings that look like DDL, several statements on
one line, VACUUM FULL, CLUSTER, REINDEX and LOCK TABLE now and then, files
wrapped in BEGIN / COMMIT by hand, and a few files that do not
parse. Sizes run from one line to a few hundred.

The same N and seed always give byte-identical files (Python's random.Random
with a fixed seed; no hash-order or time dependence).
"""
import argparse
import os
import random
import sys

DOMAINS = {
    "billing": ["accounts", "invoices", "invoice_lines", "payments", "refunds", "plans",
                "subscriptions", "coupons", "tax_rates", "credit_notes", "usage_events",
                "payment_methods"],
    "logistics": ["shipments", "parcels", "carriers", "routes", "stops", "drivers",
                  "vehicles", "warehouses", "bins", "pick_lists", "manifests", "scans"],
    "wells": ["wells", "equipment", "readings", "alarms", "operators", "maintenance_logs",
              "inspections", "tanks", "meters", "permits", "field_notes", "work_orders"],
    "shop": ["customers", "products", "variants", "orders", "order_items", "carts",
             "cart_items", "reviews", "categories", "inventory_levels", "discounts",
             "addresses"],
    "clinic": ["patients", "appointments", "practitioners", "rooms", "prescriptions",
               "allergies", "visits", "lab_results", "insurers", "claims", "referrals",
               "consents"],
}

# (name, type, nullable-ok) -- types as teams write them, sized and not.
COLUMNS = [
    ("name", "text"), ("title", "varchar(255)"), ("code", "varchar(32)"),
    ("status", "text"), ("email", "varchar(320)"), ("phone", "varchar(40)"),
    ("notes", "text"), ("description", "text"), ("amount_cents", "bigint"),
    ("quantity", "integer"), ("weight_kg", "numeric(10,3)"), ("price", "numeric(12,2)"),
    ("currency", "char(3)"), ("is_active", "boolean"), ("priority", "smallint"),
    ("score", "double precision"), ("metadata", "jsonb"), ("tags", "text[]"),
    ("starts_at", "timestamp with time zone"), ("ends_at", "timestamp"),
    ("due_on", "date"), ("external_ref", "uuid"), ("version", "integer"),
    ("latitude", "double precision"), ("longitude", "double precision"),
    ("country", "varchar(2)"), ("locale", "text"), ("source", "text"),
    ("attempts", "integer"), ("last_seen_at", "timestamptz"), ("ip_address", "inet"),
    ("settings", "json"), ("sort_order", "integer"), ("slug", "varchar(120)"),
]
ADD_NAMES = ["archived_at", "deleted_at", "region", "owner_id", "legacy_id", "sync_token",
             "risk_level", "display_name", "timezone", "channel", "batch_no", "checksum",
             "review_state", "retries", "margin", "color", "label", "ordinal",
             "approved_by", "approved_at", "flags", "kind", "tier", "source_system"]
ENUM_VALUES = {
    "status": ["draft", "pending", "active", "suspended", "closed", "archived"],
    "severity": ["low", "medium", "high", "critical"],
    "channel": ["web", "mobile", "api", "import", "partner"],
    "kind": ["standard", "express", "bulk", "return"],
}
VOLATILE_DEFAULTS = ["gen_random_uuid()", "clock_timestamp()", "random()",
                     "(random() * 100)::int", "uuid_generate_v4()"]
CONST_DEFAULTS = {"text": ["''", "'unknown'", "'default'"], "integer": ["0", "1"],
                  "boolean": ["false", "true"], "bigint": ["0"], "smallint": ["0"],
                  "timestamptz": ["now()", "CURRENT_TIMESTAMP"],
                  "jsonb": ["'{}'::jsonb", "'[]'::jsonb"], "numeric(12,2)": ["0"],
                  "varchar(64)": ["'n/a'"]}


class Project:
    """One made-up application: its style, its schema as it stands."""

    def __init__(self, rng, idx):
        self.rng = rng
        self.idx = idx
        self.domain = rng.choice(sorted(DOMAINS))
        self.drizzle = rng.random() < 0.45
        self.careful = (not self.drizzle) and rng.random() < 0.4
        self.upper = rng.random() < 0.6
        self.tables = {}        # name -> list of [col, type, notnull]
        self.enums = {}         # name -> values
        self.indexes = []       # (name, table)
        self.constraints = []   # (name, table, validated)
        self.views = []
        self.funcs = []
        self.names = set()      # relation names ever used (indexes, constraints)
        self.nopk = []          # legacy tables created without a primary key
        self.unused_tables = [t for t in DOMAINS[self.domain]]
        rng.shuffle(self.unused_tables)
        self.seq = 0

    def fresh(self, name):
        """A relation name not used before in this project."""
        n, i = name, 2
        while n in self.names:
            n = "%s_%d" % (name, i)
            i += 1
        self.names.add(n)
        return n


class Writer:
    """Statements of one file, in the project's style."""

    def __init__(self, p):
        self.p = p
        self.parts = []
        self.created = set()    # tables created in this file
        self.notx = False

    def q(self, ident):
        return '"%s"' % ident if self.p.drizzle else ident

    def qt(self, table):
        return '"public"."%s"' % table if self.p.drizzle else table

    def kw(self, s):
        return s if self.p.upper or self.p.drizzle else s.lower()

    def stmt(self, text):
        self.parts.append(("stmt", text))

    def comment(self, text):
        if not self.p.drizzle:
            self.parts.append(("comment", text))

    def render(self):
        out = []
        if self.notx:
            out.append("-- pgfleet:no-transaction")
        stmts = [t for k, t in self.parts if k == "stmt"]
        if self.p.drizzle:
            # drizzle-kit: breakpoint after every statement but the last,
            # on its own line after a CREATE TABLE, else on the same line.
            for i, (k, t) in enumerate(self.parts):
                last = i == len(self.parts) - 1
                if last:
                    out.append(t)
                elif t.startswith("CREATE TABLE"):
                    out.append(t)
                    out.append("--> statement-breakpoint")
                else:
                    out.append(t + "--> statement-breakpoint")
            return "\n".join(out)
        rng = self.p.rng
        line = []
        for k, t in self.parts:
            if k == "comment":
                if line:
                    out.append(" ".join(line))
                    line = []
                out.extend("-- " + c for c in t.split("\n"))
                continue
            # short statements sometimes share a line
            if "\n" not in t and len(t) < 70 and rng.random() < 0.12:
                line.append(t)
                continue
            if line:
                out.append(" ".join(line))
                line = []
            out.append(t)
            if rng.random() < 0.3:
                out.append("")
        if line:
            out.append(" ".join(line))
        if not stmts:
            out.append("SELECT 1;")
        return "\n".join(out) + "\n"


def value_for(ty, rng):
    """A literal that fits a column of type ty (NULL when unsure)."""
    t = ty.lower()
    if t.startswith(("varchar", "text", "char")) and not t.endswith("[]"):
        return rng.choice(["'n/a'", "''", "'unknown'"]) if not t.startswith("char") else "'XXX'"
    if t in ("integer", "bigint", "smallint", "double precision") or t.startswith("numeric"):
        return rng.choice(["0", "1"])
    if t == "boolean":
        return rng.choice(["false", "true"])
    if t.startswith("timestamp") or t == "date":
        return rng.choice(["now()", "'2024-01-01'"])
    if t in ("json", "jsonb"):
        return "'{}'"
    return "NULL"


def id_literal(p, table, rng):
    ty = p.tables[table][0][1]
    if ty == "uuid":
        return "'%08x-0000-4000-8000-%012x'" % (rng.randrange(16 ** 8), rng.randrange(16 ** 12))
    return str(rng.randint(1, 5000))


def col_type(p, name, ty):
    if p.drizzle and ty == "timestamptz":
        return "timestamp with time zone"
    return ty


def create_table(w, name, rng):
    p = w.p
    cols = []
    lines = []
    K = w.kw
    if p.drizzle:
        ident = rng.random() < 0.3
        lines.append('\t"id" %s' % ("bigserial PRIMARY KEY NOT NULL" if ident else
                                    "uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL"))
        idtype = "bigint" if ident else "uuid"
    else:
        pk = rng.choice(["bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                         "serial PRIMARY KEY", "uuid PRIMARY KEY DEFAULT gen_random_uuid()",
                         "bigserial PRIMARY KEY"])
        if rng.random() < 0.1:
            pk = "bigint NOT NULL"      # a legacy table without a primary key
            p.nopk.append(name)
        lines.append("    id %s" % K(pk))
        idtype = pk.split()[0].replace("bigserial", "bigint").replace("serial", "integer")
    cols.append(["id", idtype, True])
    refs = []
    others = [t for t in p.tables if t != name and t not in p.nopk]
    if others and rng.random() < 0.7:
        for parent in rng.sample(others, min(len(others), rng.randint(1, 2))):
            c = parent.rstrip("s") + "_id"
            refs.append((c, parent))
            fty = p.tables[parent][0][1]
            nn = rng.random() < 0.7
            lines.append(("\t" if p.drizzle else "    ") + "%s %s%s" % (
                w.q(c), K(fty), K(" NOT NULL") if nn else ""))
            cols.append([c, fty, nn])
    for cname, ty in rng.sample(COLUMNS, rng.randint(3, 12)):
        ty = col_type(p, cname, ty)
        nn = rng.random() < 0.5
        d = ""
        if cname == "status" and p.enums and rng.random() < 0.5:
            en = rng.choice(sorted(p.enums))
            ty = w.q(en)
            d = " DEFAULT '%s'" % p.enums[en][0]
        elif rng.random() < 0.25 and ty in CONST_DEFAULTS:
            d = " DEFAULT " + rng.choice(CONST_DEFAULTS[ty])
        extra = ""
        if not p.drizzle and cname in ("quantity", "amount_cents", "price") and rng.random() < 0.4:
            extra = " CHECK (%s >= 0)" % cname
        if p.drizzle:
            lines.append('\t"%s" %s%s%s' % (cname, ty, d, " NOT NULL" if nn else ""))
        else:
            lines.append("    %-14s %s%s%s%s" % (cname, K(ty) if '"' not in ty else ty,
                                                 K(d), K(" NOT NULL") if nn else "", K(extra)))
        cols.append([cname, ty, nn])
    lines.append(("\t" if p.drizzle else "    ") + w.q("created_at") + " " +
                 ("timestamp with time zone DEFAULT now() NOT NULL" if p.drizzle else
                  K("timestamptz NOT NULL DEFAULT now()")))
    cols.append(["created_at", "timestamptz", True])
    if rng.random() < 0.4:
        uc = rng.choice([x for x in cols[1:] if x[1].lower() != "json"])[0]
        if p.drizzle:
            lines.append('\tCONSTRAINT "%s_%s_unique" UNIQUE("%s")' % (name, uc, uc))
        else:
            lines.append("    " + K("CONSTRAINT %s_%s_key UNIQUE (%s)" % (name, uc, uc)))
    inline_fk = not p.drizzle and refs and rng.random() < 0.6
    if inline_fk:
        for c, parent in refs:
            lines.append("    " + K("CONSTRAINT %s_%s_fkey FOREIGN KEY (%s) REFERENCES %s (id)%s" % (
                name, c, c, parent, rng.choice(["", " ON DELETE CASCADE", " ON DELETE SET NULL"]))))
    if p.drizzle:
        body = ",\n".join(lines)
        w.stmt('CREATE TABLE "%s" (\n%s\n);' % (name, body))
    else:
        ine = " IF NOT EXISTS" if rng.random() < 0.2 else ""
        w.stmt(K("CREATE TABLE%s " % ine) + name + " (\n" + ",\n".join(lines) + "\n);")
    p.tables[name] = cols
    w.created.add(name)
    return refs, inline_fk


def add_fk(w, table, col, parent, rng, force_plain=False):
    p = w.p
    cname = "%s_%s_%s_id_fk" % (table, col, parent) if p.drizzle else "%s_%s_fkey" % (table, col)
    if p.drizzle:
        w.stmt('ALTER TABLE "%s" ADD CONSTRAINT "%s" FOREIGN KEY ("%s") REFERENCES "public"."%s"("id") '
               'ON DELETE %s ON UPDATE no action;' % (table, cname, col, parent,
                                                      rng.choice(["cascade", "no action", "set null"])))
        p.constraints.append((cname, table, True))
        return
    nv = (not force_plain) and (p.careful or rng.random() < 0.3)
    w.stmt(w.kw("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (id)%s;" % (
        table, cname, col, parent, " NOT VALID" if nv else "")))
    if nv:
        if rng.random() < 0.6:
            w.stmt(w.kw("ALTER TABLE %s VALIDATE CONSTRAINT %s;" % (table, cname)))
            p.constraints.append((cname, table, True))
        else:
            p.constraints.append((cname, table, False))
    else:
        p.constraints.append((cname, table, True))


def create_index(w, table, rng, concurrently=None, unique=False):
    p = w.p
    cols = [x for x in p.tables[table][1:] if x[1].lower() != "json"] or p.tables[table]
    c = rng.choice(cols)[0]
    c2 = rng.choice(cols)[0] if rng.random() < 0.3 else None
    name = "%s_%s%s_%s" % (table, c, "_" + c2 if c2 and c2 != c else "", "key" if unique else "idx")
    name = p.fresh(name)
    collist = [c] + ([c2] if c2 and c2 != c else [])
    where = ""
    if rng.random() < 0.15:
        where = " WHERE %s IS NOT NULL" % c
    if p.drizzle:
        w.stmt('CREATE %sINDEX %s"%s" ON "%s" USING btree (%s)%s;' % (
            "UNIQUE " if unique else "", "CONCURRENTLY " if concurrently else "", name, table,
            ",".join('"%s"' % x for x in collist), where))
    else:
        ine = "IF NOT EXISTS " if rng.random() < 0.2 else ""
        w.stmt(w.kw("CREATE %sINDEX %s%s" % ("UNIQUE " if unique else "",
                                             "CONCURRENTLY " if concurrently else "", ine)) +
               "%s %s %s (%s)%s;" % (name, w.kw("ON"), table, ", ".join(collist), w.kw(where)))
    p.indexes.append((name, table))
    return name


def existing(p, rng, w):
    ts = [t for t in p.tables if t not in w.created]
    return rng.choice(ts) if ts else None


def new_col(p, table, rng):
    have = {c[0] for c in p.tables[table]}
    for _ in range(10):
        n = rng.choice(ADD_NAMES)
        if n not in have:
            return n
    return "extra_%d" % rng.randint(100, 999)


# --- file kinds --------------------------------------------------------------

def f_create_tables(w, rng, many):
    p = w.p
    n = rng.randint(3, 10) if many else 1
    made = []
    for _ in range(n):
        if not p.unused_tables:
            p.unused_tables.append("%s_%d" % (rng.choice(DOMAINS[p.domain]), rng.randint(2, 999)))
        t = p.unused_tables.pop()
        if t in p.tables:
            continue
        if not many:
            w.comment("Create %s: one row per %s." % (t, t.rstrip("s").replace("_", " ")))
        refs, inline = create_table(w, t, rng)
        made.append((t, refs, inline))
    if many:
        # the table every project's trigger functions write to
        if p.drizzle:
            w.stmt('CREATE TABLE "audit_log" (\n\t"id" bigserial PRIMARY KEY NOT NULL,\n\t"table_name" text NOT NULL,\n'
                   '\t"note" text,\n\t"created_at" timestamp with time zone DEFAULT now() NOT NULL\n);')
        else:
            w.stmt(w.kw("CREATE TABLE audit_log (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
                        "    table_name text NOT NULL,\n    note text,\n    created_at timestamptz NOT NULL DEFAULT now()\n);"))
    for t, refs, inline in made:
        if not inline:
            for c, parent in refs:
                add_fk(w, t, c, parent, rng)
    for t, refs, inline in made:
        for _ in range(rng.randint(0, 2)):
            create_index(w, t, rng, unique=rng.random() < 0.2)
    if not p.drizzle and rng.random() < 0.5:
        for t, _, _ in made[:3]:
            w.stmt(w.kw("COMMENT ON TABLE %s IS " % t) + "'%s; see the design doc, section \"%s\".';" % (
                t.replace("_", " ").capitalize(), rng.choice(["data model", "retention", "ownership"])))
    return "create_" + (made[0][0] if made else "tables")


def f_add_column(w, rng):
    p = w.p
    t = existing(p, rng, w)
    if t is None:
        return f_create_tables(w, rng, False)
    c = new_col(p, t, rng)
    ty = rng.choice(["text", "integer", "boolean", "timestamptz", "jsonb", "bigint", "varchar(64)",
                     "numeric(12,2)", "uuid"])
    if p.enums and rng.random() < 0.15:
        ty = w.q(rng.choice(sorted(p.enums)))
    r = rng.random()
    spec = ""
    nn = False
    if r < 0.35:
        pass
    elif r < 0.55 and ty in CONST_DEFAULTS:
        spec = " DEFAULT " + rng.choice(CONST_DEFAULTS[ty]) + " NOT NULL"
        nn = True
    elif r < 0.65 and ty in CONST_DEFAULTS:
        spec = " DEFAULT " + rng.choice(CONST_DEFAULTS[ty])
    elif r < 0.80:
        spec = " NOT NULL"           # the classic mistake
        nn = True
    elif r < 0.90 and ty in ("uuid", "timestamptz", "integer"):
        spec = " DEFAULT " + {"uuid": "gen_random_uuid()", "timestamptz": "clock_timestamp()",
                              "integer": "(random() * 100)::int"}[ty]
        if rng.random() < 0.5:
            spec += " NOT NULL"
            nn = True
    else:
        parent = rng.choice(sorted(x for x in p.tables if x not in p.nopk) or [t])
        spec = " REFERENCES %s (id)" % w.qt(parent)
        ty = p.tables[parent][0][1]
    w.comment("Add %s.%s%s." % (t, c, " (required)" if nn else ""))
    if p.drizzle:
        w.stmt('ALTER TABLE "%s" ADD COLUMN "%s" %s%s;' % (t, c, col_type(p, c, ty), spec))
    else:
        ine = "IF NOT EXISTS " if rng.random() < 0.2 else ""
        w.stmt(w.kw("ALTER TABLE %s ADD COLUMN %s" % (t, ine)) + "%s %s%s;" % (c, w.kw(ty) if '"' not in ty else ty, w.kw(spec)))
    p.tables[t].append([c, ty, nn])
    if rng.random() < 0.3:
        create_index(w, t, rng, concurrently=False)
    return "add_%s_%s" % (t, c)


def f_index(w, rng):
    p = w.p
    t = existing(p, rng, w)
    if t is None:
        return f_create_tables(w, rng, False)
    if p.drizzle:
        conc = rng.random() < 0.15   # hand-edited generated file: CONCURRENTLY inside a transaction
    else:
        conc = rng.random() < (0.8 if p.careful else 0.4)
        if conc and rng.random() < 0.85:
            w.notx = True
    w.comment("Index %s for the %s lookups%s." % (
        t, rng.choice(["dashboard", "nightly export", "API list", "search"]),
        ", built concurrently: the table is live" if conc else ""))
    if p.careful and conc and not w.notx:
        pass
    name = create_index(w, t, rng, concurrently=conc, unique=rng.random() < 0.2)
    if rng.random() < 0.25:
        old = [n for n, tt in p.indexes if tt == t and n != name]
        if old:
            o = rng.choice(old)
            w.stmt(w.kw("DROP INDEX %s%s" % ("CONCURRENTLY " if conc else "",
                                             "IF EXISTS " if rng.random() < 0.5 else "")) +
                   (w.q(o) if not p.drizzle else '"%s"' % o) + ";")
            p.indexes = [(n, tt) for n, tt in p.indexes if n != o]
    return "idx_" + name[:40]


def f_constraint(w, rng):
    p = w.p
    t = existing(p, rng, w)
    if t is None:
        return f_create_tables(w, rng, False)
    cols = p.tables[t]
    r = rng.random()
    K = w.kw
    if r < 0.35:
        c = rng.choice(cols[1:])[0]
        cn = p.fresh("%s_%s_check" % (t, c))
        nv = p.careful or rng.random() < 0.3
        w.comment("Guard %s.%s%s." % (t, c, "; NOT VALID first, validated after" if nv else ""))
        w.stmt(K("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL)%s;" % (
            w.q(t), w.q(cn), w.q(c), " NOT VALID" if nv else "")))
        if nv and rng.random() < 0.6:
            w.stmt(K("ALTER TABLE %s VALIDATE CONSTRAINT %s;" % (w.q(t), w.q(cn))))
        p.constraints.append((cn, t, True))
        return "check_" + t
    if r < 0.65:
        c = rng.choice(cols[1:])[0]
        if p.drizzle:
            w.stmt('ALTER TABLE "%s" ADD CONSTRAINT "%s" UNIQUE("%s");' % (t, p.fresh("%s_%s_unique" % (t, c)), c))
        elif p.careful or rng.random() < 0.4:
            w.comment("Unique %s.%s without a long lock: build the index concurrently\n"
                      "in 0-downtime style, then attach it as the constraint." % (t, c))
            idx = p.fresh("%s_%s_key" % (t, c))
            w.stmt(K("CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s);" % (idx, t, c)))
            w.stmt(K("ALTER TABLE %s ADD CONSTRAINT %s UNIQUE USING INDEX %s;" % (t, idx, idx)))
            w.notx = rng.random() < 0.8
        else:
            w.stmt(K("ALTER TABLE %s ADD CONSTRAINT %s UNIQUE (%s);" % (t, p.fresh("%s_%s_key" % (t, c)), c)))
        return "unique_%s_%s" % (t, c)
    if r < 0.75 and [x for x in p.nopk if x in p.tables and x not in w.created]:
        t = [x for x in p.nopk if x in p.tables and x not in w.created][0]
        p.nopk.remove(t)
        if p.careful or rng.random() < 0.3:
            w.comment("Primary key for the legacy table %s: index first, concurrently,\n"
                      "then attach it." % t)
            idx = p.fresh(t + "_pkey_idx")
            w.stmt(K("CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (id);" % (idx, t)))
            w.stmt(K("ALTER TABLE %s ADD CONSTRAINT %s PRIMARY KEY USING INDEX %s;" % (t, p.fresh(t + "_pkey"), idx)))
            w.notx = True
        elif rng.random() < 0.5:
            w.stmt(K("ALTER TABLE %s ADD PRIMARY KEY (id);" % t))
        else:
            w.comment("A surrogate key for %s." % t)
            w.stmt(K("ALTER TABLE %s ADD COLUMN row_id bigserial PRIMARY KEY;" % t))
            p.tables[t].append(["row_id", "bigint", True])
        return "pk_" + t
    others = [x for x in p.tables if x != t and x not in p.nopk]
    if not others:
        return f_add_column(w, rng)
    parent = rng.choice(others)
    c = parent.rstrip("s") + "_ref"
    if any(x[0] == c for x in cols):
        c += "_%d" % rng.randint(2, 99)
    fty = p.tables[parent][0][1]
    if p.drizzle:
        w.stmt('ALTER TABLE "%s" ADD COLUMN "%s" %s;' % (t, c, fty))
    else:
        w.stmt(K("ALTER TABLE %s ADD COLUMN %s %s;" % (t, c, fty)))
    p.tables[t].append([c, fty, False])
    add_fk(w, t, c, parent, rng)
    return "fk_%s_%s" % (t, parent)


def f_not_null(w, rng):
    p = w.p
    t = existing(p, rng, w)
    if t is None:
        return f_create_tables(w, rng, False)
    cands = [c for c in p.tables[t] if not c[2]]
    if not cands:
        return f_add_column(w, rng)
    c = rng.choice(cands)
    K = w.kw
    if p.careful and rng.random() < 0.7:
        w.comment("Make %s.%s required, step 3 of 3: a NOT VALID check, validated\n"
                  "without the ACCESS EXCLUSIVE lock, lets SET NOT NULL skip its scan." % (t, c[0]))
        cn = "%s_%s_not_null" % (t, c[0])
        w.stmt(K("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID;" % (t, cn, c[0])))
        w.stmt(K("ALTER TABLE %s VALIDATE CONSTRAINT %s;" % (t, cn)))
        w.stmt(K("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;" % (t, c[0])))
        w.stmt(K("ALTER TABLE %s DROP CONSTRAINT %s;" % (t, cn)))
    else:
        if rng.random() < 0.5:
            w.comment("Backfill before making it required.")
            if p.drizzle:
                w.stmt('UPDATE "%s" SET "%s" = %s WHERE "%s" IS NULL;' % (t, c[0], "'unknown'", c[0]))
            else:
                w.stmt(K("UPDATE %s SET %s = DEFAULT WHERE %s IS NULL;" % (t, c[0], c[0])))
        w.stmt(K("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;" % (w.q(t), w.q(c[0]))))
    c[2] = True
    return "%s_%s_not_null" % (t, c[0])


def f_drop_not_null(w, rng):
    p = w.p
    t = existing(p, rng, w)
    if t is None:
        return f_create_tables(w, rng, False)
    cands = [c for c in p.tables[t] if c[2] and c[0] != "id"]
    if not cands:
        return f_add_column(w, rng)
    c = rng.choice(cands)
    w.stmt(w.kw("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;" % (w.q(t), w.q(c[0]))))
    c[2] = False
    return "%s_%s_nullable" % (t, c[0])


def f_rename(w, rng):
    p = w.p
    t = existing(p, rng, w)
    if t is None:
        return f_create_tables(w, rng, False)
    K = w.kw
    if rng.random() < 0.7:
        c = rng.choice(p.tables[t][1:])
        new = c[0] + rng.choice(["_v2", "_text", "_label", "_old"])
        if any(x[0] == new for x in p.tables[t]):
            new += "_%d" % rng.randint(2, 99)
        if not p.drizzle and p.careful and rng.random() < 0.6:
            # expand/contract: new column + trigger-free backfill, no rename
            w.comment("Expand step of renaming %s.%s to %s: add the new column and\n"
                      "copy; the old one is dropped in a later release." % (t, c[0], new))
            w.stmt(K("ALTER TABLE %s ADD COLUMN %s %s;" % (t, new, c[1] if '"' not in c[1] else "text")))
            w.stmt(K("UPDATE %s SET %s = %s WHERE %s IS NULL;" % (t, new, c[0], new)))
            p.tables[t].append([new, c[1], False])
            return "expand_%s_%s" % (t, new)
        w.stmt(K("ALTER TABLE %s RENAME COLUMN %s TO %s;" % (w.q(t), w.q(c[0]), w.q(new))))
        c[0] = new
        return "rename_%s_%s" % (t, new)
    new = t + rng.choice(["_archive", "_v2", "_legacy"])
    if new in p.tables:
        return f_add_column(w, rng)
    w.stmt(K("ALTER TABLE %s RENAME TO %s;" % (w.q(t), w.q(new))))
    p.tables[new] = p.tables.pop(t)
    p.indexes = [(n, new if tt == t else tt) for n, tt in p.indexes]
    return "rename_" + t


def f_type_change(w, rng):
    p = w.p
    t = existing(p, rng, w)
    if t is None:
        return f_create_tables(w, rng, False)
    c = rng.choice(p.tables[t][1:])
    if c[1] in ("integer", "smallint"):
        nt = "bigint"
    elif c[1].startswith("varchar") or c[1].startswith("char"):
        nt = rng.choice(["text", "varchar(512)"])
    elif c[1] == "timestamp":
        nt = "timestamptz"
    else:
        nt = rng.choice(["text", "varchar(255)"])
    using = ""
    if not p.drizzle and rng.random() < 0.3:
        using = " USING %s::%s" % (c[0], nt)
    if p.drizzle:
        w.stmt('ALTER TABLE "%s" ALTER COLUMN "%s" SET DATA TYPE %s;' % (t, c[0], nt))
    else:
        w.stmt(w.kw("ALTER TABLE %s ALTER COLUMN %s TYPE %s%s;" % (t, c[0], nt, using)))
    c[1] = nt
    return "%s_%s_type" % (t, c[0])


def f_drop(w, rng):
    p = w.p
    t = existing(p, rng, w)
    if t is None or len(p.tables) < 3:
        return f_add_column(w, rng)
    K = w.kw
    if rng.random() < 0.7:
        c = rng.choice(p.tables[t][1:])
        w.comment("Contract: %s.%s has not been read since the last release." % (t, c[0]))
        w.stmt(K("ALTER TABLE %s DROP COLUMN %s%s;" % (
            w.q(t), "IF EXISTS " if rng.random() < 0.3 else "", w.q(c[0]))))
        p.tables[t].remove(c)
        return "drop_%s_%s" % (t, c[0])
    w.stmt(K("DROP TABLE %s%s%s;" % ("IF EXISTS " if rng.random() < 0.4 else "", w.q(t),
                                     " CASCADE" if rng.random() < 0.5 else "")))
    del p.tables[t]
    p.indexes = [(n, tt) for n, tt in p.indexes if tt != t]
    return "drop_" + t


def f_backfill(w, rng):
    p = w.p
    t = existing(p, rng, w)
    if t is None:
        return f_create_tables(w, rng, False)
    c = rng.choice(p.tables[t][1:])
    K = w.kw
    r = rng.random()
    val = value_for(c[1], rng)
    if c[1] in ("text", "varchar(255)", "varchar(320)", "varchar(120)", "varchar(64)") and rng.random() < 0.6:
        val = "lower(trim(%s))" % w.q(c[0])
    if r < 0.3:
        w.comment("Normalise %s.%s for every row." % (t, c[0]))
        w.stmt(K("UPDATE %s SET %s = " % (w.q(t), w.q(c[0]))) + val + ";")
    elif r < 0.6:
        w.stmt(K("UPDATE %s\n   SET %s = " % (w.q(t), w.q(c[0]))) + val +
               K("\n WHERE %s IS NULL;" % w.q(c[0])))
    elif r < 0.75 and not p.drizzle:
        w.comment("Batched backfill: 10,000 rows per statement, each its own short lock.")
        w.stmt(K("UPDATE %s SET %s = " % (t, c[0])) + val +
               K(" WHERE id IN (SELECT id FROM %s WHERE %s IS NULL LIMIT 10000);" % (t, c[0])))
    elif r < 0.85:
        w.stmt(K("DELETE FROM %s;" % w.q(t)) if rng.random() < 0.4 else
               K("DELETE FROM %s WHERE created_at < now() - interval '2 years';" % w.q(t)))
    elif r < 0.92:
        w.comment("Reset the staging data; production has none.")
        w.stmt(K("TRUNCATE %s%s;" % (w.q(t), " CASCADE" if rng.random() < 0.4 else "")))
    else:
        w.comment("Copy the audit note; the string is data, not DDL.")
        w.stmt(K("INSERT INTO %s (%s) VALUES " % (t, c[0])) +
               "('DROP TABLE %s; -- as requested in ticket %d');" % (t, rng.randint(100, 9999))
               if not p.drizzle and "text" in c[1] else
               K("UPDATE %s SET %s = " % (w.q(t), w.q(c[0]))) + val + K(" WHERE id = ") + id_literal(p, t, rng) + ";")
    return "backfill_%s_%s" % (t, c[0])


def f_function(w, rng):
    p = w.p
    t = existing(p, rng, w) or (sorted(p.tables)[0] if p.tables else None)
    if t is None:
        return f_create_tables(w, rng, False)
    fn = "%s_touch_%d" % (t, len(p.funcs))
    tag = rng.choice(["$$", "$fn$", "$body$"])
    K = w.kw
    body = ["BEGIN",
            "    -- keep updated_at current; do not ALTER TABLE %s here" % t,
            "    NEW.version := coalesce(OLD.version, 0) + 1;",
            "    IF NEW.status IS DISTINCT FROM OLD.status THEN",
            "        INSERT INTO audit_log (table_name, note) VALUES (TG_TABLE_NAME, 'status; DROP COLUMN is not run');",
            "    END IF;"]
    for i in range(rng.randint(0, 60)):
        body.append("    PERFORM pg_notify('%s', json_build_object('step', %d, 'sql', 'CREATE INDEX x ON y (z)')::text);" % (t, i))
    body += ["    RETURN NEW;", "END;"]
    w.comment("Trigger function for %s; its body is PL/pgSQL, not migration DDL." % t)
    w.stmt(K("CREATE OR REPLACE FUNCTION %s() RETURNS trigger\nLANGUAGE plpgsql AS " % fn) +
           tag + "\n" + "\n".join(body) + "\n" + tag + ";")
    w.stmt(K("CREATE TRIGGER %s_trg BEFORE UPDATE ON %s\n    FOR EACH ROW EXECUTE FUNCTION %s();" % (fn, t, fn)))
    if rng.random() < 0.4:
        w.stmt(K("CREATE FUNCTION %s_count() RETURNS bigint LANGUAGE sql STABLE AS " % t) +
               "$q$ SELECT count(*) FROM %s WHERE id IS NOT NULL /* not: TRUNCATE %s */ $q$;" % (t, t))
    p.funcs.append(fn)
    return "fn_" + fn


def f_enum(w, rng):
    p = w.p
    K = w.kw
    free = [e for e in sorted(ENUM_VALUES) if "%s_%s" % (p.domain, e) not in p.enums]
    if free and (not p.enums or rng.random() < 0.6):
        base = rng.choice(free)
        name = "%s_%s" % (p.domain, base)
        vals = ENUM_VALUES[base][:rng.randint(2, len(ENUM_VALUES[base]) - 1)]
        if p.drizzle:
            w.stmt('CREATE TYPE "public"."%s" AS ENUM(%s);' % (name, ", ".join("'%s'" % v for v in vals)))
        else:
            w.stmt(K("CREATE TYPE %s AS ENUM (" % name) + ", ".join("'%s'" % v for v in vals) + ");")
        p.enums[name] = list(vals)
        t = existing(p, rng, w)
        if t and rng.random() < 0.6:
            c = base if base not in {x[0] for x in p.tables[t]} else base + "_v2"
            if p.drizzle:
                w.stmt('ALTER TABLE "%s" ADD COLUMN "%s" "%s" DEFAULT \'%s\' NOT NULL;' % (t, c, name, vals[0]))
            else:
                w.stmt(K("ALTER TABLE %s ADD COLUMN %s %s DEFAULT " % (t, c, name)) + "'%s';" % vals[0])
            p.tables[t].append([c, name, p.drizzle])
        return "enum_" + name
    name = rng.choice(sorted(p.enums))
    base = name.split("_", 1)[1]
    rest = [v for v in ENUM_VALUES[base] if v not in p.enums[name]]
    v = rest[0] if rest else "v%d" % rng.randint(10, 99)
    if p.drizzle:
        w.stmt('ALTER TYPE "public"."%s" ADD VALUE \'%s\';' % (name, v))
    else:
        w.stmt(K("ALTER TYPE %s ADD VALUE IF NOT EXISTS " % name) + "'%s'%s;" % (
            v, K(" AFTER '%s'" % p.enums[name][-1]) if rng.random() < 0.5 else ""))
    p.enums[name].append(v)
    return "enum_%s_%s" % (name, v)


def f_view(w, rng):
    p = w.p
    t = existing(p, rng, w) or (sorted(p.tables)[0] if p.tables else None)
    if t is None:
        return f_create_tables(w, rng, False)
    K = w.kw
    cols = [c[0] for c in p.tables[t][:4]]
    v = "%s_%s" % (t, rng.choice(["summary", "active", "recent", "report"]))
    if p.drizzle:
        w.stmt('CREATE VIEW "public"."%s" AS (select %s from "%s");' % (v, ", ".join('"%s"' % c for c in cols), t))
    elif rng.random() < 0.3:
        w.stmt(K("CREATE MATERIALIZED VIEW %s AS\nSELECT %s, count(*) AS n\n  FROM %s\n GROUP BY %s;" % (
            v, cols[1] if len(cols) > 1 else "id", t, cols[1] if len(cols) > 1 else "id")))
        w.stmt(K("CREATE UNIQUE INDEX %s_key ON %s (%s);" % (v, v, cols[1] if len(cols) > 1 else "id")))
        w.stmt(K("REFRESH MATERIALIZED VIEW %s;" % v))
    else:
        w.stmt(K("CREATE OR REPLACE VIEW %s AS\nSELECT %s\n  FROM %s\n WHERE created_at > now() - interval '30 days';" % (
            v, ", ".join(cols), t)))
    p.views.append(v)
    return "view_" + v


def f_seed(w, rng):
    p = w.p
    if p.drizzle:
        return f_add_column(w, rng)
    name = p.fresh("%s_lookup_%d" % (p.domain, len(p.tables)))
    K = w.kw
    w.comment("Reference data for %s, as supplied by the product team." % name)
    w.stmt(K("CREATE TABLE %s (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
             "    code text NOT NULL UNIQUE,\n    label text NOT NULL,\n"
             "    sort_order integer NOT NULL DEFAULT 0\n);" % name))
    p.tables[name] = [["id", "bigint", True], ["code", "text", True], ["label", "text", True],
                      ["sort_order", "integer", True]]
    w.created.add(name)
    rows = []
    for i in range(rng.randint(20, 280)):
        rows.append("    ('%s_%03d', 'Label %d; it''s \"quoted\" -- not a comment', %d)" % (
            name[:3], i, i, i))
    w.stmt(K("INSERT INTO %s (code, label, sort_order) VALUES\n" % name) + ",\n".join(rows) + ";")
    return "seed_" + name


def f_maintenance(w, rng):
    p = w.p
    t = existing(p, rng, w)
    if t is None or p.drizzle:
        return f_add_column(w, rng)
    K = w.kw
    r = rng.random()
    if r < 0.3:
        w.comment("Reclaim the space left by the purge.")
        w.stmt(K("VACUUM FULL %s;" % t))
        w.notx = True
    elif r < 0.45 and p.indexes:
        idx = [n for n, tt in p.indexes if tt == t]
        if idx:
            w.stmt(K("CLUSTER %s USING %s;" % (t, idx[0])))
        else:
            w.stmt(K("ANALYZE %s;" % t))
    elif r < 0.55:
        w.comment("Rebuild the bloated indexes of %s." % t)
        if p.careful:
            w.stmt(K("REINDEX TABLE CONCURRENTLY %s;" % t))
            w.notx = True
        else:
            w.stmt(K("REINDEX TABLE %s;" % t))
    elif r < 0.65:
        w.comment("Hold writers off while the flags are fixed up.")
        w.stmt(K("LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE;" % t))
        c = p.tables[t][-1]
        w.stmt(K("UPDATE %s SET %s = " % (t, c[0])) + value_for(c[1], rng) +
               K(" WHERE %s IS NULL;" % c[0]))
    elif r < 0.8:
        w.stmt(K("ALTER TABLE %s ENABLE ROW LEVEL SECURITY;" % t))
        w.stmt(K("CREATE POLICY %s_tenant ON %s USING (true);" % (t, t)))
    else:
        w.stmt(K("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT " % (t, p.tables[t][-1][0])) + "now();"
               if p.tables[t][-1][1] == "timestamptz" else
               K("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;" % (t, p.tables[t][-1][0])))
    return "maint_" + t


def f_broken(w, rng):
    """A file that does not parse: the typos that reach review."""
    p = w.p
    t = existing(p, rng, w) or "things"
    w.comment("Add the missing column.")
    bad = rng.choice([
        "ALTER TABLE %s ADD COLUMN note text NOT NUL;" % t,
        "ALTER TABLE %s ADD COLUMN flag boolean DEFAULT false,;" % t,
        "CREATE INDEX %s_x_idx ON %s (name;" % (t, t),
        "UPDATE %s SET name = 'it's broken' WHERE id = 1;" % t,
    ])
    w.stmt(bad)
    return "fix_" + t


KINDS = [
    (f_add_column, 22), (f_index, 12), (f_constraint, 9), (f_not_null, 6),
    (f_drop_not_null, 2), (f_rename, 5), (f_type_change, 5), (f_drop, 5),
    (f_backfill, 9), (f_function, 4), (f_enum, 5), (f_view, 4), (f_seed, 3),
    (f_maintenance, 4), (f_broken, 0.3),
]


def lock_preamble(w, rng):
    if w.p.careful and not w.p.drizzle and rng.random() < 0.8:
        w.parts.insert(0, ("stmt", w.kw("SET lock_timeout = '%ds';" % rng.choice([2, 5, 10]))))
        if rng.random() < 0.6:
            w.parts.insert(1, ("stmt", w.kw("SET statement_timeout = '%dmin';" % rng.choice([1, 5, 15]))))


def one_file(p, rng):
    w = Writer(p)
    if p.seq == 0:
        tag = f_create_tables(w, rng, True)
    else:
        fns = [f for f, _ in KINDS]
        weights = [wt for _, wt in KINDS]
        f = rng.choices(fns, weights)[0]
        tag = f(w, rng)
        # a third of the files carry a second, unrelated change
        if rng.random() < 0.33 and f is not f_broken:
            g = rng.choices(fns[:-1], weights[:-1])[0]
            g(w, rng)
    lock_preamble(w, rng)
    if not p.drizzle and not w.notx and rng.random() < 0.03:
        # wrapped by hand, as for a tool that does not do it itself
        w.parts.insert(0, ("stmt", w.kw("BEGIN;")))
        w.parts.append(("stmt", w.kw("COMMIT;")))
    p.seq += 1
    return tag, w.render()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("outdir")
    a = ap.parse_args()
    if a.files < 1 or a.files > 99999:
        sys.exit("gen.py: --files must be 1..99999, got %d" % a.files)
    os.makedirs(a.outdir, exist_ok=True)
    if os.listdir(a.outdir):
        sys.exit("gen.py: %s is not empty" % a.outdir)
    rng = random.Random(a.seed)
    made = 0
    pidx = 0
    while made < a.files:
        p = Project(rng, pidx)
        n = min(a.files - made, rng.randint(8, 45))
        for _ in range(n):
            tag, text = one_file(p, rng)
            tag = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in tag.lower())[:48]
            path = os.path.join(a.outdir, "p%02d_%04d_%s.sql" % (pidx, p.seq - 1, tag))
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            made += 1
        pidx += 1
    print("gen.py: %d files in %d projects in %s" % (made, pidx, a.outdir))


if __name__ == "__main__":
    main()
