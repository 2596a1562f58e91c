#ifndef ASSETGEN_STAGING_JOURNAL_H
#define ASSETGEN_STAGING_JOURNAL_H

#include <stddef.h>

/* The publish journal, shared by the run that writes it (staging.c) and
 * the later run that replays it (staging_recover.c). Its first line is
 * "<commit file>\t<identity>", then one line per move:
 * "<file>\t<kept link or ->\t<highest directory made or ->", and "done"
 * once the move is settled either way. */

/* A staging directory being published is renamed to this prefix, which
 * the sweep of dead runs' temporaries does not match: only
 * staging_recover, under the lock, may touch it. */
#define PUBLISH_PREFIX ".publish-"
#define JOURNAL_NAME   "journal"
#define DONE_LINE      "done\n"

/* "<dev>:<inode>" of path, or "none": the commit file is replaced by a
 * rename, so a new identity means the run committed. */
void journal_commit_identity(const char *path, char *out, size_t cap);

/* Undoes one journaled move, whatever step it reached. Returns 0 and
 * says why in failed when a replaced file cannot be put back. */
int journal_undo_move(const char *root, const char *stage_dir, const char *relative,
                      const char *backup_rel, const char *dirs_rel, char *failed, size_t cap);

#endif
