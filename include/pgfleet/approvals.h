/* Reviewer approvals and commit signatures, checked against the trust root
 * (an allowed_signers file from the reconciler's configuration, never from
 * the commit under verification).
 *
 * An approval is an SSHSIG (namespace pgfleet-approval) over this message:
 *
 *     pgfleet approval v1
 *     scope <scope>
 *     file <file name>
 *     sha256 <hex of the file's bytes>
 *
 * (four lines, each ending in "\n"), stored as
 * migrations/<scope>/approvals/<file name>.<approver>.sig. */
#ifndef PGFLEET_APPROVALS_H
#define PGFLEET_APPROVALS_H

#include <stdint.h>

#include "pgfleet/migration.h"
#include "pgfleet/policy.h"
#include "pgfleet/source.h"
#include "pgfleet/sshsig.h"
#include "pgfleet/verify.h"

#define PGF_APPROVAL_NAMESPACE "pgfleet-approval"
#define PGF_GIT_NAMESPACE "git"
#define PGF_APPROVALS_DIR "approvals"

/* The message an approval signs. Caller frees. */
char *pgf_approval_message(const char *scope, const char *file, const char *sha256);

/* Every migration file (ups and downs) of set needs the policy's approvals
 * by distinct trusted principals; shortfalls are findings, and for each file
 * that needs any, one line of who approved goes to info. With the policy's
 * forbid_author_approval for the scope, an approval by the author of the
 * commit that added the file (pgf_files_added) does not count: its principal
 * is the author email (case-insensitive), or the commit carries a trusted
 * SSH signature (namespace git) by the same key or by a key trusted under
 * the approval's principal, or the approval's key is trusted under the
 * commit signer's principal. */
int pgf_verify_approvals(pgf_findings *findings, pgf_findings *info, pgf_source *src, const pgf_migration_set *set,
                         const pgf_policy *policy, const pgf_allowed_signers *trust, int64_t now, pgf_error **err);

/* For each of files[0..n) (names within folder), the commit that added it:
 * walking the first-parent chain from the source's commit (inclusive), the
 * oldest commit of the newest unbroken stretch of commits in which folder
 * holds a regular file of that name. One history walk for all files.
 * added[i] is "" for a working-tree source or a file not in the commit. */
int pgf_files_added(pgf_source *src, const char *folder, const char *const *files, size_t n,
                    char (*added)[PGF_OBJECT_ID_HEX + 1], pgf_error **err);

/* The source's commit must carry a valid SSH signature (namespace git) by a
 * trusted principal, valid at time now. */
int pgf_verify_commit_signature(pgf_findings *findings, pgf_findings *info, pgf_source *src,
                                const pgf_allowed_signers *trust, int64_t now, pgf_error **err);

#endif
