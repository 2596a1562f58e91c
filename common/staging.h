#ifndef ASSETGEN_STAGING_H
#define ASSETGEN_STAGING_H

#include <stddef.h>

#include "common/error.h"

/* A run's files are written into a hidden directory inside the output
 * root and moved into place only under the output lock, once the whole
 * run has succeeded. Until then nothing a client or another run can see
 * has changed; a failed or interrupted run just loses its staging
 * directory.
 *
 * The move is journaled: before each file is moved, a line in the
 * staging directory's journal names it, the hard link kept of the file it
 * replaces and the directories made for it. A run killed while moving is
 * undone by the next run's staging_recover, unless the commit file (the
 * manifest) had already been replaced, in which case the move stands. */
struct staged_file {
    char *relative;
    char *backup;       /* relative path of the link to the replaced file, or NULL */
    char *dirs_created; /* highest directory made for it, or NULL */
};

struct staging {
    char *final_root;
    char *dir;
    char *root_created; /* directories made for final_root itself, or NULL */
    int journal_fd;
    int hold_fd; /* holds the staging directory: no sweep takes it meanwhile */
    unsigned next_backup;
    int committed;
    struct staged_file *placed;
    size_t count;
    size_t cap;
};

/* Makes final_root/.staging.tmp-<pid>-XXXXXX. */
int staging_open(struct staging *s, const char *final_root, struct ag_error *err);

/* Moves the staged files to the same relative paths under the final
 * root, in the order given: order[0, group_ends[0]) first (the
 * artifacts), then each later group (the repository files, leaves before
 * roots), syncing the directories a group moved into before the next
 * group starts, so no root is visible, even after a crash, before what
 * it lists. commit_relative is the file whose replacement commits the
 * run (manifest.json), moved by the caller last. A staged file missing
 * from order is refused. Stops at the first failure; staging_rollback
 * then undoes what was moved. */
int staging_publish(struct staging *s, const char *commit_relative, const char *const *order,
                    const size_t *group_ends, size_t groups, struct ag_error *err);

/* After the commit file is in place: drops the kept links. */
void staging_commit(struct staging *s);

/* Undoes staging_publish: restores every replaced file and removes every
 * new one with the directories made for it. A file that cannot be put
 * back is named in err. */
void staging_rollback(struct staging *s, struct ag_error *err);

/* Removes the staging directory, and the directories made for the final
 * root when nothing was committed; frees s. */
void staging_close(struct staging *s);

/* The cleanup hook of an interrupted run (cleanup_register_hook with the
 * staging as argument): removes the staging directory with every
 * temporary this process made under the final root, registered or not,
 * and the directories made for the root if they are left empty. */
void staging_interrupted(void *staging);

/* Calls found(ctx, path) for what a publish cut short by a kill leaves
 * under final_root (its journaled directory, the links it kept) until
 * the next run settles it. */
void staging_each_leftover(const char *final_root, void (*found)(void *ctx, const char *path),
                           void *ctx);

/* Under the output lock, before publishing: finishes or undoes the move
 * of every run that died while publishing into final_root. Called by
 * every publish, so no other run's move can come between a dead run's
 * and its recovery. A journal that names a path outside the tree (or is
 * otherwise malformed) is an error naming its file and line, and nothing
 * is moved or removed because of it. */
int staging_recover(const char *final_root, struct ag_error *err);

#endif
