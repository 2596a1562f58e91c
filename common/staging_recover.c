#include "common/staging.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/staging_journal.h"

/* A journal is a file a dead run left: untrusted. Every path in it must
 * name a file inside the tree, a kept link must look like one, and the
 * directories made for a file must be among its ancestors, before any
 * file is removed or renamed because of it. */
static const char *journal_line_problem(const char *file, const char *backup, const char *dirs)
{
    const char *why = relative_path_problem(file);
    if (why != NULL)
        return why;
    if (backup != NULL) {
        const char *base = strrchr(backup, '/');
        base = base ? base + 1 : backup;
        if (relative_path_problem(backup) != NULL || base[0] != '.' ||
            strstr(base, ".bak-") == NULL)
            return "the kept link is not a '.<name>.bak-...' file inside the tree";
    }
    if (dirs != NULL) {
        size_t n = strlen(dirs);
        if (relative_path_problem(dirs) != NULL || strncmp(file, dirs, n) != 0 || file[n] != '/')
            return "the directories made are not an ancestor of the file";
    }
    return NULL;
}

struct journal_move {
    const char *file;
    const char *backup; /* or NULL */
    const char *dirs;   /* or NULL */
};

/* Replays one dead run's journal: the moves stand if the commit file
 * was replaced (only their kept links go), else they are undone. */
static int recover_journal(const char *root, const char *stage_dir, struct ag_error *err)
{
    char *journal_path = xasprintf("%s/" JOURNAL_NAME, stage_dir);
    char *text = NULL;
    size_t len = 0;
    struct ag_error unreadable = {0};
    if (read_file(journal_path, &text, &len, &unreadable) != AG_OK) {
        free(journal_path);
        return AG_OK; /* nothing was journaled, so nothing was moved */
    }
    /* Only complete lines count: a line cut short was never acted on.
     * A settled journal's last line is exactly "done". */
    char *end = strrchr(text, '\n');
    size_t done_len = strlen(DONE_LINE);
    int settled = len >= done_len && strcmp(text + len - done_len, DONE_LINE) == 0 &&
                  (len == done_len || text[len - done_len - 1] == '\n');
    if (end == NULL || settled) {
        free(journal_path);
        free(text);
        return AG_OK;
    }
    end[1] = '\0';
    int rc = AG_OK;
    if (strlen(text) != (size_t)(end + 1 - text))
        rc = ag_error_set(err, AG_FAIL, "%s: a NUL byte in the journal", journal_path);
    char *save = NULL;
    char *header = rc == AG_OK ? strtok_r(text, "\n", &save) : NULL;
    char *tab = header ? strchr(header, '\t') : NULL;
    if (rc == AG_OK && (tab == NULL || (*tab = '\0', relative_path_problem(header) != NULL)))
        rc = ag_error_set(err, AG_FAIL,
                          "%s:1: not '<commit file><TAB><identity>' with a path inside the tree",
                          journal_path);
    struct journal_move *moves = NULL;
    size_t count = 0;
    for (char *line; rc == AG_OK && (line = strtok_r(NULL, "\n", &save)) != NULL;) {
        char *fields[3] = {line, NULL, NULL};
        for (int k = 1; k < 3 && fields[k - 1]; k++) {
            char *t = strchr(fields[k - 1], '\t');
            if (t) {
                *t = '\0';
                fields[k] = t + 1;
            }
        }
        const char *why =
            fields[2] == NULL || strchr(fields[2], '\t') != NULL
                ? "not three tab-separated fields"
                : journal_line_problem(fields[0], strcmp(fields[1], "-") ? fields[1] : NULL,
                                       strcmp(fields[2], "-") ? fields[2] : NULL);
        if (why != NULL) {
            rc = ag_error_set(err, AG_FAIL,
                              "%s:%zu: %s; the journal is left as it is and nothing is moved "
                              "for it",
                              journal_path, count + 2, why);
            break;
        }
        moves = xrealloc(moves, (count + 1) * sizeof *moves);
        moves[count].file = fields[0];
        moves[count].backup = strcmp(fields[1], "-") ? fields[1] : NULL;
        moves[count].dirs = strcmp(fields[2], "-") ? fields[2] : NULL;
        count++;
    }
    if (rc == AG_OK) {
        char *commit_path = xasprintf("%s/%s", root, header);
        char identity[64];
        journal_commit_identity(commit_path, identity, sizeof identity);
        free(commit_path);
        int committed = strcmp(identity, tab + 1) != 0;
        for (size_t i = count; i-- > 0;) {
            if (committed) {
                if (moves[i].backup) {
                    char *path = xasprintf("%s/%s", root, moves[i].backup);
                    unlink(path);
                    free(path);
                }
            } else {
                char failed[512];
                journal_undo_move(root, stage_dir, moves[i].file, moves[i].backup, moves[i].dirs,
                                  failed, sizeof failed);
            }
        }
    }
    free(moves);
    free(text);
    free(journal_path);
    return rc;
}

int staging_recover(const char *final_root, struct ag_error *err)
{
    DIR *d = opendir(final_root);
    if (d == NULL)
        return AG_OK;
    struct dirent *de;
    int rc = AG_OK;
    while (rc == AG_OK && (de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, PUBLISH_PREFIX, strlen(PUBLISH_PREFIX)) != 0)
            continue;
        /* A publisher holds the output lock for the whole life of its
         * directory, and the caller holds it now: whoever left this one
         * is gone, whatever its pid (pids repeat across containers). */
        char *dir = xasprintf("%s/%s", final_root, de->d_name);
        rc = recover_journal(final_root, dir, err);
        if (rc == AG_OK)
            remove_tree(dir);
        free(dir);
    }
    closedir(d);
    return rc;
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
