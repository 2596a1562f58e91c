#include "common/staging_journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"

void journal_commit_identity(const char *path, char *out, size_t cap)
{
    struct stat st;
    if (lstat(path, &st) == 0)
        snprintf(out, cap, "%llu:%llu", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino);
    else
        snprintf(out, cap, "none");
}

int journal_undo_move(const char *root, const char *stage_dir, const char *relative,
                      const char *backup_rel, const char *dirs_rel, char *failed, size_t cap)
{
    char *staged = xasprintf("%s/%s", stage_dir, relative);
    char *final_path = xasprintf("%s/%s", root, relative);
    char *backup = backup_rel ? xasprintf("%s/%s", root, backup_rel) : NULL;
    char *top = dirs_rel ? xasprintf("%s/%s", root, dirs_rel) : NULL;
    struct stat st;
    int moved = lstat(staged, &st) != 0;
    int ok = 1;
    if (moved && backup) {
        if (rename(backup, final_path) != 0 && errno != ENOENT) {
            ok = 0;
            snprintf(failed, cap, "; could not restore %s (the original is at %s: %s)", final_path,
                     backup, strerror(errno));
        }
    } else if (moved) {
        unlink(final_path);
    } else if (backup) {
        unlink(backup);
    }
    char *final_dir = path_parent(final_path);
    rmdir_created(final_dir, top);
    free(final_dir);
    free(top);
    free(backup);
    free(final_path);
    free(staged);
    return ok;
}
