#ifndef ASSETGEN_MANIFEST_H
#define ASSETGEN_MANIFEST_H

#include <jansson.h>
#include <stdint.h>

#include "common/artifact.h"
#include "common/error.h"

/* A repository file (an index, a client setting, a published key) as the
 * run that wrote it left it, so verify can tell a changed or missing
 * index, and a file no one accounts for, from the rest. */
struct repository_file {
    char *path; /* relative to out/<size>/ */
    uint64_t bytes;
    char sha256[65];
};

struct manifest {
    char *tool;
    char *size;
    uint64_t seed;
    int64_t source_date_epoch;
    char *base_url;
    char *signing_key;
    struct artifact_list artifacts;
    struct repository_file *repository;
    size_t repository_count;
    /* The package sets made into this tree: each set's definition and,
     * per format, what it expresses and the expected resolutions (an
     * object by set name, owned). */
    json_t *sets;
};

/* A missing file reads as an empty manifest. */
int manifest_read(const char *path, struct manifest *manifest, struct ag_error *err);
/* Keys sorted, artifacts sorted by path, replaced atomically. */
int manifest_write(const char *path, const struct manifest *manifest, struct ag_error *err);
/* Adds fresh artifacts, replacing any earlier row with the same path. */
void manifest_merge(struct manifest *manifest, const struct artifact_list *fresh);
/* Adds this run's sets: a set's definition is replaced, and its formats
 * entries for the formats this run made; the other formats' stay. */
void manifest_merge_sets(struct manifest *manifest, json_t *fresh);
/* Records each of paths (its size and sha256 read from root/path),
 * replacing an earlier entry for the same path. */
int manifest_note_repository_files(struct manifest *manifest, const char *const *paths,
                                   size_t count, const char *root, struct ag_error *err);
void manifest_free(struct manifest *manifest);

/* An exclusive lock on dir/.assetgen.lock, so concurrent runs merge their
 * rows instead of losing them. Returns the descriptor to pass to unlock. */
int manifest_lock(const char *dir, int *fd, struct ag_error *err);
/* The same, saying once through waiting(ctx, pid) which process holds the
 * lock when it must wait (pid 0 when unknown), and giving up after
 * timeout_seconds (0: wait as long as it takes). The holder's pid is
 * written into the lock file for the next waiter to name. */
int manifest_lock_wait(const char *dir, unsigned timeout_seconds,
                       void (*waiting)(void *ctx, long pid), void *ctx, int *fd,
                       struct ag_error *err);
void manifest_unlock(int fd);

#endif
