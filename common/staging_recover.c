#include "common/staging.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/staging_journal.h"

/* Replays one dead run's journal: the moves stand if the commit file
 * was replaced (only their kept links go), else they are undone. */
static void recover_journal(const char *root, const char *stage_dir)
{
    char *journal_path = xasprintf("%s/" JOURNAL_NAME, stage_dir);
    char *text = NULL;
    size_t len = 0;
    struct ag_error ignored = {0};
    if (read_file(journal_path, &text, &len, &ignored) != AG_OK) {
        free(journal_path);
        return;
    }
    free(journal_path);
    /* Only complete lines count: a line cut short was never acted on.
     * A settled journal's last line is exactly "done". */
    char *end = strrchr(text, '\n');
    size_t done_len = strlen(DONE_LINE);
    int settled = len >= done_len && strcmp(text + len - done_len, DONE_LINE) == 0 &&
                  (len == done_len || text[len - done_len - 1] == '\n');
    if (end == NULL || settled) {
        free(text);
        return;
    }
    end[1] = '\0';
    char *save = NULL;
    char *header = strtok_r(text, "\n", &save);
    char *tab = header ? strchr(header, '\t') : NULL;
    if (tab == NULL) {
        free(text);
        return;
    }
    *tab = '\0';
    char *commit_path = xasprintf("%s/%s", root, header);
    char identity[64];
    journal_commit_identity(commit_path, identity, sizeof identity);
    free(commit_path);
    int committed = strcmp(identity, tab + 1) != 0;
    char **lines = NULL;
    size_t count = 0;
    for (char *line; (line = strtok_r(NULL, "\n", &save)) != NULL;) {
        lines = xrealloc(lines, (count + 1) * sizeof *lines);
        lines[count++] = line;
    }
    for (size_t i = count; i-- > 0;) {
        char *fields[3] = {lines[i], NULL, NULL};
        for (int k = 1; k < 3 && fields[k - 1]; k++) {
            char *t = strchr(fields[k - 1], '\t');
            if (t) {
                *t = '\0';
                fields[k] = t + 1;
            }
        }
        if (fields[2] == NULL)
            continue;
        const char *backup = strcmp(fields[1], "-") ? fields[1] : NULL;
        const char *dirs = strcmp(fields[2], "-") ? fields[2] : NULL;
        if (committed) {
            if (backup) {
                char *path = xasprintf("%s/%s", root, backup);
                unlink(path);
                free(path);
            }
        } else {
            char failed[512];
            journal_undo_move(root, stage_dir, fields[0], backup, dirs, failed, sizeof failed);
        }
    }
    free(lines);
    free(text);
}

void staging_recover(const char *final_root)
{
    DIR *d = opendir(final_root);
    if (d == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, PUBLISH_PREFIX, strlen(PUBLISH_PREFIX)) != 0)
            continue;
        /* A publisher holds the output lock for the whole life of its
         * directory, and the caller holds it now: whoever left this one
         * is gone, whatever its pid (pids repeat across containers). */
        char *dir = xasprintf("%s/%s", final_root, de->d_name);
        recover_journal(final_root, dir);
        remove_tree(dir);
        free(dir);
    }
    closedir(d);
}

struct leftover_walk {
    void (*found)(void *ctx, const char *path);
    void *ctx;
};

static enum walk_step visit_leftover(void *ctx, const char *path, const char *name,
                                     const struct stat *st)
{
    (void)st;
    const struct leftover_walk *walk = ctx;
    int publishing = strncmp(name, PUBLISH_PREFIX, strlen(PUBLISH_PREFIX)) == 0;
    if (!publishing && !(name[0] == '.' && strstr(name, ".bak-") != NULL))
        return WALK_INTO;
    walk->found(walk->ctx, path);
    return WALK_NEXT;
}

void staging_each_leftover(const char *final_root, void (*found)(void *ctx, const char *path),
                           void *ctx)
{
    struct leftover_walk walk = {found, ctx};
    walk_tree(final_root, visit_leftover, &walk);
}
