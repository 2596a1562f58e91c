#ifndef ASSETGEN_STAGING_H
#define ASSETGEN_STAGING_H

#include <stddef.h>

#include "common/error.h"

/* A run's files are written into a hidden directory inside the output
 * root and moved into place only under the output lock, once the whole
 * run has succeeded. Until then nothing a client or another run can see
 * has changed; a failed or interrupted run just loses its staging
 * directory. */
struct staged_file {
    char *final_path;
    char *backup_path; /* hard link to the file it replaced, or NULL */
};

struct staging {
    char *final_root;
    char *dir;
    struct staged_file *placed;
    size_t count;
    size_t cap;
};

/* Makes final_root/.staging.tmp-<pid>-XXXXXX. */
int staging_open(struct staging *s, const char *final_root, struct ag_error *err);

/* Moves every file under the staging directory to the same relative path
 * under the final root. A file it replaces is kept as a hard link so that
 * staging_rollback can put it back. Stops at the first failure; what was
 * moved by then stays recorded for the rollback. */
int staging_publish(struct staging *s, struct ag_error *err);

/* Undoes staging_publish: restores every replaced file and removes every
 * new one. */
void staging_rollback(struct staging *s);

/* Removes the staging directory and the backups, and frees s. */
void staging_close(struct staging *s);

#endif
