#include "common/staging.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fault.h"
#include "common/fsutil.h"
#include "common/staging_journal.h"

int staging_open(struct staging *s, const char *final_root, struct ag_error *err)
{
    memset(s, 0, sizeof *s);
    s->journal_fd = -1;
    s->hold_fd = -1;
    if (mkdir_parents_tracked(final_root, &s->root_created, err) != AG_OK)
        return err->status;
    s->final_root = xstrdup(final_root);
    char *name = xasprintf("%s/staging", final_root);
    int rc = cleanup_create_temp(name, 1, &s->dir, err) < 0 ? err->status : AG_OK;
    free(name);
    s->hold_fd = rc == AG_OK ? cleanup_hold_dir(s->dir) : -1;
    if (rc != AG_OK) {
        rmdir_created(final_root, s->root_created);
        free(s->root_created);
        free(s->final_root);
        memset(s, 0, sizeof *s);
        s->journal_fd = -1;
        s->hold_fd = -1;
    }
    return rc;
}

static int journal_append(struct staging *s, const char *line, struct ag_error *err)
{
    size_t len = strlen(line);
    if (write(s->journal_fd, line, len) != (ssize_t)len)
        return ag_error_set(err, AG_FAIL, "cannot write the publish journal in %s: %s", s->dir,
                            strerror(errno));
    return AG_OK;
}

static struct staged_file *staging_record(struct staging *s)
{
    if (s->count == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        s->placed = xrealloc(s->placed, s->cap * sizeof *s->placed);
    }
    struct staged_file *f = &s->placed[s->count++];
    memset(f, 0, sizeof *f);
    return f;
}

/* ".<base>.bak-<pid>-<n>" beside the file it keeps. */
/* ".<base>.bak-<pid>-<staging suffix>-<n>" beside the file it keeps:
 * unique to this run even where pids repeat. */
static char *backup_name(struct staging *s, const char *relative)
{
    const char *slash = strrchr(relative, '/');
    int dir_len = slash ? (int)(slash - relative + 1) : 0;
    return xasprintf("%.*s.%s.bak-%ld%s-%u", dir_len, relative, relative + dir_len, (long)getpid(),
                     strrchr(s->dir, '-'), s->next_backup++);
}

static int staging_move(struct staging *s, const char *relative, struct ag_error *err)
{
    char *staged = xasprintf("%s/%s", s->dir, relative);
    char *final_path = xasprintf("%s/%s", s->final_root, relative);
    char *final_dir = path_parent(final_path);
    char *top = NULL;
    struct stat st;
    int exists = lstat(final_path, &st) == 0;
    int rc = AG_OK;
    if (exists && S_ISDIR(st.st_mode))
        rc = ag_error_set(err, AG_FAIL, "cannot replace the directory %s with a file", final_path);
    /* The journal is tab-separated lines. */
    if (rc == AG_OK && strpbrk(relative, "\t\n") != NULL)
        rc = ag_error_set(err, AG_FAIL, "cannot publish %s: a tab or newline in a file name",
                          relative);
    /* Journaled before anything changes: the directories about to be
     * made, the link about to be kept. */
    struct staged_file *f = NULL;
    if (rc == AG_OK) {
        top = first_missing_dir(final_dir);
        f = staging_record(s);
        f->relative = xstrdup(relative);
        f->backup = exists ? backup_name(s, relative) : NULL;
        f->dirs_created = top ? xstrdup(top + strlen(s->final_root) + 1) : NULL;
        char *line = xasprintf("%s\t%s\t%s\n", f->relative, f->backup ? f->backup : "-",
                               f->dirs_created ? f->dirs_created : "-");
        rc = journal_append(s, line, err);
        free(line);
        /* The line must be on disk before the move it guards. */
        if (rc == AG_OK && fdatasync(s->journal_fd) != 0)
            rc = ag_error_set(err, AG_FAIL, "cannot sync the publish journal in %s: %s", s->dir,
                              strerror(errno));
    }
    if (rc == AG_OK)
        rc = mkdir_parents(final_dir, err);
    if (rc == AG_OK && f->backup) {
        char *backup = xasprintf("%s/%s", s->final_root, f->backup);
        if (link(final_path, backup) != 0)
            rc = ag_error_set(err, AG_FAIL, "cannot keep %s before replacing it: %s", final_path,
                              strerror(errno));
        free(backup);
    }
    if (rc == AG_OK) {
        fault_point("publish");
        if (rename(staged, final_path) != 0)
            rc = ag_error_set(err, AG_FAIL, "cannot move %s into place: %s", final_path,
                              strerror(errno));
    }
    free(top);
    free(final_dir);
    free(final_path);
    free(staged);
    return rc;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Anything staged that was not handed to the publish in its order is a
 * file no one accounted for: refuse it rather than publish it. */
static enum walk_step find_unordered(void *ctx, const char *path, const char *name,
                                     const struct stat *st)
{
    char **found = ctx;
    (void)name;
    if (S_ISDIR(st->st_mode))
        return WALK_INTO;
    if (*found == NULL && strcmp(name, JOURNAL_NAME) != 0)
        *found = xstrdup(path);
    return WALK_NEXT;
}

/* Every directory that gained an entry from the moves placed[from, to):
 * the files' own directories, and the parents of directories made for
 * them. Each is synced once. */
static int sync_moved_dirs(struct staging *s, size_t from, size_t to, struct ag_error *err)
{
    size_t n = 0;
    char **dirs = xmalloc((2 * (to - from) + 1) * sizeof *dirs);
    for (size_t i = from; i < to; i++) {
        char *final_path = xasprintf("%s/%s", s->final_root, s->placed[i].relative);
        dirs[n++] = path_parent(final_path);
        free(final_path);
        if (s->placed[i].dirs_created) {
            char *top = xasprintf("%s/%s", s->final_root, s->placed[i].dirs_created);
            dirs[n++] = path_parent(top);
            free(top);
        }
    }
    qsort(dirs, n, sizeof *dirs, compare_names);
    int rc = AG_OK;
    for (size_t i = 0; i < n; i++) {
        if (rc == AG_OK && (i == 0 || strcmp(dirs[i], dirs[i - 1]) != 0))
            rc = sync_dir(dirs[i], err);
    }
    for (size_t i = 0; i < n; i++)
        free(dirs[i]);
    free(dirs);
    return rc;
}

/* Opens the journal with the commit file's identity, then renames the
 * directory out of the temporaries' namespace. */
static int staging_begin(struct staging *s, const char *commit_relative, struct ag_error *err)
{
    char *journal = xasprintf("%s/" JOURNAL_NAME, s->dir);
    s->journal_fd = open(journal, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    free(journal);
    if (s->journal_fd < 0)
        return ag_error_set(err, AG_FAIL, "cannot create the publish journal in %s: %s", s->dir,
                            strerror(errno));
    char *commit_path = xasprintf("%s/%s", s->final_root, commit_relative);
    char identity[64];
    journal_commit_identity(commit_path, identity, sizeof identity);
    free(commit_path);
    char *header = xasprintf("%s\t%s\n", commit_relative, identity);
    int rc = journal_append(s, header, err);
    free(header);
    if (rc != AG_OK)
        return rc;
    char *renamed = xasprintf("%s/" PUBLISH_PREFIX "%ld%s", s->final_root, (long)getpid(),
                              strrchr(s->dir, '-'));
    if (rename(s->dir, renamed) != 0) {
        int e = errno;
        free(renamed);
        return ag_error_set(err, AG_FAIL, "cannot rename %s: %s", s->dir, strerror(e));
    }
    free(s->dir);
    s->dir = renamed;
    return AG_OK;
}

int staging_publish(struct staging *s, const char *commit_relative, const char *const *order,
                    const size_t *group_ends, size_t groups, struct ag_error *err)
{
    int rc = staging_begin(s, commit_relative, err);
    size_t from = 0;
    for (size_t g = 0; rc == AG_OK && g < groups; g++) {
        size_t placed = s->count;
        for (size_t i = from; rc == AG_OK && i < group_ends[g]; i++)
            rc = staging_move(s, order[i], err);
        if (rc == AG_OK)
            rc = sync_moved_dirs(s, placed, s->count, err);
        from = group_ends[g];
    }
    if (rc == AG_OK) {
        char *left = NULL;
        walk_tree(s->dir, find_unordered, &left);
        if (left != NULL)
            rc = ag_error_set(err, AG_FAIL, "%s was staged but has no place in the publish order",
                              left + strlen(s->dir) + 1);
        free(left);
    }
    return rc;
}

/* The move is settled either way: mark the journal so no recovery
 * replays it, and drop what is left of the staging directory. */
static void staging_finish_journal(struct staging *s)
{
    if (s->journal_fd >= 0) {
        struct ag_error ignored = {0};
        journal_append(s, DONE_LINE, &ignored);
        close(s->journal_fd);
        s->journal_fd = -1;
    }
    remove_tree(s->dir);
}

void staging_commit(struct staging *s)
{
    for (size_t i = 0; i < s->count; i++) {
        if (s->placed[i].backup) {
            char *backup = xasprintf("%s/%s", s->final_root, s->placed[i].backup);
            unlink(backup);
            free(backup);
        }
    }
    s->committed = 1;
    staging_finish_journal(s);
}

void staging_rollback(struct staging *s, struct ag_error *err)
{
    char failed[512] = "";
    for (size_t i = s->count; i-- > 0;) {
        const struct staged_file *f = &s->placed[i];
        char one[512] = "";
        if (!journal_undo_move(s->final_root, s->dir, f->relative, f->backup, f->dirs_created, one,
                               sizeof one) &&
            failed[0] == '\0')
            snprintf(failed, sizeof failed, "%s", one);
    }
    if (failed[0] && err) {
        size_t used = strlen(err->message);
        snprintf(err->message + used, sizeof err->message - used, "%s", failed);
    }
    staging_finish_journal(s);
}

void staging_close(struct staging *s)
{
    if (s->journal_fd >= 0)
        close(s->journal_fd);
    if (s->hold_fd >= 0)
        close(s->hold_fd);
    for (size_t i = 0; i < s->count; i++) {
        free(s->placed[i].relative);
        free(s->placed[i].backup);
        free(s->placed[i].dirs_created);
    }
    free(s->placed);
    if (s->dir)
        remove_tree(s->dir);
    if (!s->committed && s->final_root)
        rmdir_created(s->final_root, s->root_created);
    free(s->dir);
    free(s->root_created);
    free(s->final_root);
    memset(s, 0, sizeof *s);
    s->journal_fd = -1;
    s->hold_fd = -1;
}

void staging_interrupted(void *staging)
{
    const struct staging *s = staging;
    cleanup_own_temporaries(s->final_root);
    rmdir_created(s->final_root, s->root_created);
}
