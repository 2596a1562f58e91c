#include "common/staging.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"

int staging_open(struct staging *s, const char *final_root, struct ag_error *err)
{
    memset(s, 0, sizeof *s);
    if (mkdir_parents(final_root, err) != AG_OK)
        return err->status;
    char *name = xasprintf("%s/staging", final_root);
    s->dir = cleanup_temp_name(name);
    free(name);
    if (mkdtemp(s->dir) == NULL) {
        int e = errno;
        ag_error_set(err, AG_FAIL, "cannot create a staging directory in %s: %s", final_root,
                     strerror(e));
        free(s->dir);
        s->dir = NULL;
        return err->status;
    }
    s->final_root = xstrdup(final_root);
    return AG_OK;
}

/* A hard link to the file about to be replaced, under a temporary name in
 * its directory, so a killed run's backup is swept like any temporary. */
static int staging_keep_backup(const char *final_path, char **backup, struct ag_error *err)
{
    *backup = NULL;
    struct stat st;
    if (lstat(final_path, &st) != 0 || !S_ISREG(st.st_mode))
        return AG_OK;
    char *name = cleanup_temp_name(final_path);
    for (int attempt = 0; attempt < 16; attempt++) {
        char *candidate = xstrdup(name);
        int fd = mkstemp(candidate);
        if (fd >= 0) {
            close(fd);
            unlink(candidate);
            if (link(final_path, candidate) == 0) {
                *backup = candidate;
                free(name);
                return AG_OK;
            }
        }
        int e = errno;
        free(candidate);
        if (e != EEXIST) {
            free(name);
            return ag_error_set(err, AG_FAIL, "cannot keep a copy of %s before replacing it: %s",
                                final_path, strerror(e));
        }
    }
    free(name);
    return ag_error_set(err, AG_FAIL, "cannot keep a copy of %s before replacing it", final_path);
}

static int staging_move(struct staging *s, const char *staged, const char *relative,
                        struct ag_error *err)
{
    char *final_path = xasprintf("%s/%s", s->final_root, relative);
    char *backup = NULL;
    int rc = mkdir_for_file(final_path, err);
    if (rc == AG_OK)
        rc = staging_keep_backup(final_path, &backup, err);
    if (rc == AG_OK && rename(staged, final_path) != 0) {
        int e = errno;
        rc = ag_error_set(err, AG_FAIL, "cannot move %s into place: %s", final_path, strerror(e));
        if (backup) {
            unlink(backup);
            free(backup);
        }
    }
    if (rc != AG_OK) {
        free(final_path);
        return rc;
    }
    if (s->count == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        s->placed = xrealloc(s->placed, s->cap * sizeof *s->placed);
    }
    s->placed[s->count].final_path = final_path;
    s->placed[s->count].backup_path = backup;
    s->count++;
    return AG_OK;
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
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
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
                rc = staging_move(s, path, rel, err);
        }
        free(path);
        free(rel);
        free(names[i]);
    }
    free(names);
    return rc;
}

int staging_publish(struct staging *s, struct ag_error *err)
{
    return staging_walk(s, s->dir, NULL, err);
}

/* Directories made for a new file go with it, up to the final root. */
static void staging_remove_empty_parents(const struct staging *s, const char *final_path)
{
    char *dir = xstrdup(final_path);
    size_t root_len = strlen(s->final_root);
    char *slash;
    while ((slash = strrchr(dir, '/')) != NULL && (size_t)(slash - dir) > root_len) {
        *slash = '\0';
        if (rmdir(dir) != 0)
            break;
    }
    free(dir);
}

void staging_rollback(struct staging *s)
{
    for (size_t i = s->count; i-- > 0;) {
        struct staged_file *f = &s->placed[i];
        if (f->backup_path) {
            rename(f->backup_path, f->final_path);
            free(f->backup_path);
            f->backup_path = NULL;
        } else {
            unlink(f->final_path);
            staging_remove_empty_parents(s, f->final_path);
        }
    }
}

void staging_close(struct staging *s)
{
    for (size_t i = 0; i < s->count; i++) {
        if (s->placed[i].backup_path) {
            unlink(s->placed[i].backup_path);
            free(s->placed[i].backup_path);
        }
        free(s->placed[i].final_path);
    }
    free(s->placed);
    if (s->dir)
        remove_tree(s->dir);
    free(s->dir);
    free(s->final_root);
    memset(s, 0, sizeof *s);
}
