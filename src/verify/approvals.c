#include "pgfleet/approvals.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pgfleet/common.h"

#define MAX_APPROVERS 64

char *pgf_approval_message(const char *scope, const char *file, const char *sha256)
{
	return pgf_asprintf("pgfleet approval v1\nscope %s\nfile %s\nsha256 %s\n", scope, file, sha256);
}

/* Checks one signature file; *who is the trusted principal, or the reason
 * goes to why. */
static int check_signature(const char **who, pgf_sshsig **sig_out, const char *armored, size_t len, const void *msg,
                           size_t msg_len, const char *ns, const pgf_allowed_signers *trust, int64_t now,
                           const char *principal, char **why)
{
	pgf_error *e = NULL;
	pgf_sshsig *sig = NULL;
	int rc = pgf_sshsig_parse(&sig, armored, len, &e);
	if (rc == 0)
		rc = pgf_sshsig_verify(sig, msg, msg_len, ns, &e);
	if (rc == 0)
		rc = pgf_allowed_signers_find(who, trust, sig, ns, now, principal, &e);
	if (rc != 0) {
		*why = pgf_strdup(e ? e->message : "invalid signature");
		pgf_sshsig_free(sig);
		sig = NULL;
	}
	pgf_error_free(e);
	*sig_out = sig;
	return rc;
}

/* Whether two verified signatures are by the same person: the same principal,
 * the same key, or either key trusted under the other's principal. */
static bool same_signer(const pgf_allowed_signers *trust, int64_t now, const pgf_sshsig *a, const char *a_ns,
                        const char *a_who, const pgf_sshsig *b, const char *b_ns, const char *b_who)
{
	char fa[PGF_FINGERPRINT_LEN], fb[PGF_FINGERPRINT_LEN];
	pgf_sshsig_fingerprint(a, fa);
	pgf_sshsig_fingerprint(b, fb);
	const char *ignored = NULL;
	return strcmp(a_who, b_who) == 0 || strcmp(fa, fb) == 0 ||
	       pgf_allowed_signers_find(&ignored, trust, a, a_ns, now, b_who, NULL) == 0 ||
	       pgf_allowed_signers_find(&ignored, trust, b, b_ns, now, a_who, NULL) == 0;
}

typedef struct file_approvals {
	const char *file;
	const char *sha256;
	const char *version;
	char *who[MAX_APPROVERS];
	size_t nwho;
	pgf_buf why;
	pgf_sshsig *sigs[MAX_APPROVERS]; /* keep the principals' storage alive */
} file_approvals;

/* The author of a commit that added files: its author email and, when it
 * carries a trusted SSH signature, the signature and its principal. */
typedef struct commit_author {
	char id[PGF_OBJECT_ID_HEX + 1];
	char *email;
	pgf_sshsig *sig;
	const char *who; /* borrowed from the trust root */
} commit_author;

/* forbid_author_approval: who added each file, read once per scope. */
typedef struct authorship {
	bool walked;
	char (*added)[PGF_OBJECT_ID_HEX + 1]; /* per file_approvals entry */
	commit_author *authors;
	size_t nauthors, cap;
} authorship;

static void authorship_free(authorship *au)
{
	for (size_t i = 0; i < au->nauthors; i++) {
		free(au->authors[i].email);
		pgf_sshsig_free(au->authors[i].sig);
	}
	free(au->authors);
	free(au->added);
}

/* The author of the commit that added fa[i] (NULL: unknown), walking the
 * folder's history on the first call. */
static int author_of(const commit_author **out, authorship *au, pgf_source *src, const char *folder,
                     const file_approvals *fa, size_t n, size_t i, const pgf_allowed_signers *trust, int64_t now,
                     pgf_error **err)
{
	*out = NULL;
	if (!au->walked) {
		const char **files = pgf_calloc(n + 1, sizeof(char *));
		for (size_t k = 0; k < n; k++)
			files[k] = fa[k].file;
		au->added = pgf_calloc(n + 1, sizeof(*au->added));
		int rc = pgf_files_added(src, folder, files, n, au->added, err);
		free(files);
		if (rc != 0)
			return -1;
		au->walked = true;
	}
	const char *id = au->added[i];
	if (id[0] == '\0')
		return 0;
	for (size_t k = 0; k < au->nauthors; k++)
		if (strcmp(au->authors[k].id, id) == 0) {
			*out = &au->authors[k];
			return 0;
		}
	pgf_commit_info ci;
	if (pgf_source_commit_info(src, id, &ci, err) != 0)
		return -1;
	PGF_ARRAY_GROW(au->authors, au->nauthors, au->cap);
	commit_author *a = &au->authors[au->nauthors++];
	*a = (commit_author){ .email = ci.author_email };
	ci.author_email = NULL;
	memcpy(a->id, id, sizeof(a->id));
	char *why = NULL;
	/* an untrusted or invalid signature leaves the author email only */
	if (ci.signature != NULL && check_signature(&a->who, &a->sig, ci.signature, strlen(ci.signature), ci.signed_data,
	                                            ci.signed_len, PGF_GIT_NAMESPACE, trust, now, NULL, &why) != 0)
		free(why);
	pgf_commit_info_free(&ci);
	*out = a;
	return 0;
}

/* Whether an approval (sig, by principal who) is the author's. */
static bool by_author(const commit_author *a, const pgf_sshsig *sig, const char *who, const pgf_allowed_signers *trust,
                      int64_t now)
{
	if (a->email != NULL && strcasecmp(a->email, who) == 0)
		return true;
	return a->sig != NULL &&
	       same_signer(trust, now, a->sig, PGF_GIT_NAMESPACE, a->who, sig, PGF_APPROVAL_NAMESPACE, who);
}

static int fa_cmp(const void *a, const void *b)
{
	return strcmp(((const file_approvals *)a)->file, ((const file_approvals *)b)->file);
}

/* fa is sorted by file name: a binary search on the name's prefix. */
static file_approvals *find_file(file_approvals *fa, size_t n, const char *signame, const char **approver)
{
	/* <file>.sql.<approver>.sig: the file name ends at the first ".sql." */
	const char *cut = strstr(signame, ".sql.");
	/* and a principal of at least one character before ".sig" */
	if (cut == NULL || !pgf_str_has_suffix(signame, ".sig") || strlen(cut + 5) <= 4)
		return NULL;
	size_t flen = (size_t)(cut - signame) + 4;
	char *name = pgf_strndup(signame, flen);
	file_approvals key = { .file = name };
	file_approvals *f = n ? bsearch(&key, fa, n, sizeof(file_approvals), fa_cmp) : NULL;
	free(name);
	if (f != NULL)
		*approver = cut + 5;
	return f;
}

int pgf_verify_approvals(pgf_findings *findings, pgf_findings *info, pgf_source *src, const pgf_migration_set *set,
                         const pgf_policy *policy, const pgf_allowed_signers *trust, int64_t now, pgf_error **err)
{
	size_t n = 0;
	file_approvals *fa = pgf_calloc(set->count * 2 + 1, sizeof(file_approvals));
	for (size_t i = 0; i < set->count; i++) {
		const pgf_migration *m = &set->items[i];
		fa[n++] = (file_approvals){ .file = m->file, .sha256 = m->sha256, .version = m->version };
		if (m->down_file != NULL)
			fa[n++] = (file_approvals){ .file = m->down_file, .sha256 = m->down_sha256, .version = m->version };
	}

	if (n > 1)
		qsort(fa, n, sizeof(file_approvals), fa_cmp);
	char *dir = pgf_asprintf("%s/%s", set->folder, PGF_APPROVALS_DIR);
	pgf_entry_list list = { NULL, 0 };
	pgf_error *le = NULL;
	int rc = 0;
	if (pgf_source_list(src, dir, &list, &le) != 0) {
		if (le->code != PGF_ERR_NOTFOUND) {
			pgf_error_append(err, le);
			le = NULL;
			rc = -1;
		}
		pgf_error_free(le);
	}
	bool forbid = pgf_policy_forbids_author_approval(policy, set->scope);
	authorship au = { 0 };
	pgf_buf text = PGF_BUF_INIT;
	for (size_t i = 0; rc == 0 && i < list.count; i++) {
		const pgf_entry *e = &list.items[i];
		char *path = pgf_asprintf("%s/%s", dir, e->name);
		const char *approver = NULL;
		file_approvals *f = e->kind == PGF_ENTRY_FILE ? find_file(fa, n, e->name, &approver) : NULL;
		if (f == NULL) {
			pgf_findings_add(findings, path, "not an approval of a migration file at this commit "
			                                 "(expected <file>.sql.<approver>.sig)");
			free(path);
			continue;
		}
		pgf_error *re = NULL;
		if (pgf_source_read_entry(src, dir, e, PGF_SSHSIG_MAX_ARMOR, &text, &re) != 0) {
			pgf_buf_printf(&f->why, "; %s: %s", e->name, re->message);
			pgf_error_free(re);
			free(path);
			continue;
		}
		char *msg = pgf_approval_message(set->scope, f->file, f->sha256);
		const char *who = NULL;
		const commit_author *author = NULL;
		pgf_sshsig *sig = NULL;
		char *why = NULL;
		/* the approver named in the file must be a principal of the signing
		 * key; distinct approvers need distinct names and distinct keys */
		char *principal = pgf_strndup(approver, strlen(approver) - 4);
		if (check_signature(&who, &sig, text.ptr, text.len, msg, strlen(msg), PGF_APPROVAL_NAMESPACE, trust, now, principal,
		                    &why) != 0) {
			pgf_buf_printf(&f->why, "; %s: %s", e->name, why);
			free(why);
		} else if (forbid &&
		           (rc = author_of(&author, &au, src, set->folder, fa, n, (size_t)(f - fa), trust, now, err)) == 0 &&
		           author != NULL && by_author(author, sig, who, trust, now)) {
			pgf_buf_printf(&f->why, "; %s: authored the commit that added the file (%.12s, forbid_author_approval)",
			               who, author->id);
		} else if (rc == 0) {
			/* the same approver: the same name, the same key, or a key also
			 * trusted under the other approval's name */
			bool seen = false;
			for (size_t k = 0; k < f->nwho && !seen; k++)
				seen = same_signer(trust, now, sig, PGF_APPROVAL_NAMESPACE, who, f->sigs[k], PGF_APPROVAL_NAMESPACE,
				                   f->who[k]);
			if (!seen && f->nwho < MAX_APPROVERS) {
				f->sigs[f->nwho] = sig;
				f->who[f->nwho++] = pgf_strdup(who);
				sig = NULL;
			}
		}
		free(principal);
		pgf_sshsig_free(sig);
		free(msg);
		free(path);
	}
	pgf_buf_free(&text);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		file_approvals *f = &fa[i];
		int needed = pgf_policy_approvals_needed(policy, set->scope, f->version);
		char *path = pgf_asprintf("%s/%s", set->folder, f->file);
		pgf_buf names = PGF_BUF_INIT;
		for (size_t k = 0; k < f->nwho; k++)
			pgf_buf_printf(&names, "%s%s", k ? ", " : "", f->who[k]);
		if ((size_t)needed > f->nwho)
			pgf_findings_add(findings, path, "%zu of %d approvals%s%s%s%s", f->nwho, needed,
			                 f->nwho ? " (by " : "", f->nwho ? names.ptr : "", f->nwho ? ")" : "",
			                 f->why.ptr ? f->why.ptr : "");
		else if (needed > 0)
			pgf_findings_add(info, path, "approved by %s", names.ptr);
		pgf_buf_free(&names);
		free(path);
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < fa[i].nwho; k++) {
			pgf_sshsig_free(fa[i].sigs[k]);
			free(fa[i].who[k]);
		}
		pgf_buf_free(&fa[i].why);
	}
	free(fa);
	authorship_free(&au);
	pgf_entry_list_free(&list);
	free(dir);
	return rc;
}

int pgf_verify_commit_signature(pgf_findings *findings, pgf_findings *info, pgf_source *src,
                                const pgf_allowed_signers *trust, int64_t now, pgf_error **err)
{
	pgf_commit_info ci;
	if (pgf_source_commit_info(src, NULL, &ci, err) != 0)
		return -1;
	char *what = pgf_asprintf("commit %s", ci.id);
	if (ci.signature == NULL) {
		pgf_findings_add(findings, what, "not signed (the policy requires a signed commit)");
	} else if (strncmp(ci.signature, "-----BEGIN SSH SIGNATURE-----", 29) != 0) {
		pgf_findings_add(findings, what, "unsupported signature type (%s): pgfleet verifies SSH signatures "
		                                 "(git config gpg.format ssh)",
		                 strncmp(ci.signature, "-----BEGIN PGP", 14) == 0 ? "OpenPGP" : "not SSH, e.g. X.509");
	} else {
		const char *who = NULL;
		pgf_sshsig *sig = NULL;
		char *why = NULL;
		if (check_signature(&who, &sig, ci.signature, strlen(ci.signature), ci.signed_data, ci.signed_len,
		                    PGF_GIT_NAMESPACE, trust, now, NULL, &why) != 0) {
			pgf_findings_add(findings, what, "signature not accepted: %s", why);
			free(why);
		} else {
			char fp[PGF_FINGERPRINT_LEN];
			pgf_sshsig_fingerprint(sig, fp);
			pgf_findings_add(info, what, "signed by %s (%s)", who, fp);
		}
		pgf_sshsig_free(sig);
	}
	free(what);
	pgf_commit_info_free(&ci);
	return 0;
}
