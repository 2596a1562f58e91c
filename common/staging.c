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

/* Depth first, in name order, so the same run always moves files in the
 * same order. */
static int staging_walk(struct staging *s, const char *dir, const char *relative,
                        struct ag_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return ag_error_set(err, AG_FAIL, "cannot read %s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            (relative == NULL && strcmp(de->d_name, JOURNAL_NAME) == 0))
            continue;
        if (count == cap) {
            cap = cap ? 2 * cap : 16;
            names = xrealloc(names, cap * sizeof *names);
        }
        names[count++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (count > 1)
        qsort(names, count, sizeof *names, compare_names);
    int rc = AG_OK;
    for (size_t i = 0; i < count; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]);
        char *rel = relative ? xasprintf("%s/%s", relative, names[i]) : xstrdup(names[i]);
        struct stat st;
        if (rc == AG_OK && lstat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                rc = staging_walk(s, path, rel, err);
            else
                rc = staging_move(s, rel, err);
        }
        free(path);
        free(rel);
        free(names[i]);
    }
    free(names);
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

int staging_publish(struct staging *s, const char *commit_relative, const char *const *first,
                    size_t first_count, struct ag_error *err)
{
    int rc = staging_begin(s, commit_relative, err);
    for (size_t i = 0; rc == AG_OK && i < first_count; i++) {
        char *staged = xasprintf("%s/%s", s->dir, first[i]);
        if (path_exists(staged))
            rc = staging_move(s, first[i], err);
        free(staged);
    }
    if (rc == AG_OK)
        rc = staging_walk(s, s->dir, NULL, err);
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
