#include "common/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL) {
        fputs("assetgen: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL) {
        fputs("assetgen: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (p == NULL) {
        fputs("assetgen: out of memory\n", stderr);
        abort();
    }
    return p;
}

char *xstrdup(const char *text)
{
    size_t n = strlen(text) + 1;
    return memcpy(xmalloc(n), text, n);
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *out = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}

int mkdir_parents_tracked(const char *dir, char **top_created, struct ag_error *err)
{
    if (top_created)
        *top_created = NULL;
    char *path = xstrdup(dir);
    size_t len = strlen(path);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0755) == 0) {
            if (top_created && *top_created == NULL)
                *top_created = xstrdup(path);
        } else if (errno != EEXIST) {
            int e = errno;
            ag_error_set(err, e == ENOSPC || e == EIO ? AG_FAIL : AG_USAGE,
                         "cannot create directory %s: %s", path, strerror(e));
            free(path);
            return err->status;
        }
        path[i] = saved;
    }
    free(path);
    if (!path_is_dir(dir))
        return ag_error_set(err, AG_USAGE, "%s exists and is not a directory", dir);
    return AG_OK;
}

int mkdir_parents(const char *dir, struct ag_error *err)
{
    return mkdir_parents_tracked(dir, NULL, err);
}

char *first_missing_dir(const char *dir)
{
    char *path = xstrdup(dir);
    char *missing = NULL;
    struct stat st;
    while (lstat(path, &st) != 0 && errno == ENOENT) {
        free(missing);
        missing = xstrdup(path);
        char *slash = strrchr(path, '/');
        if (slash == NULL || slash == path)
            break;
        *slash = '\0';
    }
    free(path);
    return missing;
}

void rmdir_created(const char *dir, const char *top_created)
{
    if (top_created == NULL)
        return;
    size_t top_len = strlen(top_created);
    char *path = xstrdup(dir);
    while (strlen(path) >= top_len && rmdir(path) == 0) {
        char *slash = strrchr(path, '/');
        if (slash == NULL || strlen(path) == top_len)
            break;
        *slash = '\0';
    }
    free(path);
}

char *path_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xasprintf("%.*s", (int)(slash - path), path);
}

int mkdir_for_file(const char *path, struct ag_error *err)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path)
        return AG_OK;
    char *dir = path_parent(path);
    int rc = mkdir_parents(dir, err);
    free(dir);
    return rc;
}

int read_file(const char *path, char **data, size_t *len, struct ag_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return ag_error_set(err, AG_USAGE, "cannot read %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return ag_error_set(err, AG_FAIL, "error reading %s", path);
    }
    buf[n] = '\0';
    *data = buf;
    if (len != NULL)
        *len = n;
    return AG_OK;
}

int path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int path_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static enum walk_step remove_child(void *ctx, const char *path, const char *name,
                                   const struct stat *st)
{
    (void)ctx;
    (void)name;
    (void)st;
    remove_tree(path);
    return WALK_NEXT;
}

int remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
    walk_tree(path, remove_child, NULL);
    return rmdir(path) == 0 || errno == ENOENT ? 0 : -1;
}

void walk_tree(const char *dir, walk_fn visit, void *ctx)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *path = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && visit(ctx, path, de->d_name, &st) == WALK_INTO &&
            S_ISDIR(st.st_mode))
            walk_tree(path, visit, ctx);
        free(path);
    }
    closedir(d);
}

static enum walk_step add_file_bytes(void *ctx, const char *path, const char *name,
                                     const struct stat *st)
{
    (void)path;
    (void)name;
    if (S_ISREG(st->st_mode))
        *(uint64_t *)ctx += (uint64_t)st->st_size;
    return WALK_INTO;
}

uint64_t tree_bytes(const char *dir)
{
    uint64_t total = 0;
    walk_tree(dir, add_file_bytes, &total);
    return total;
}

const char *relative_path_problem(const char *relative)
{
    if (relative == NULL || *relative == '\0')
        return "an empty path";
    if (*relative == '/')
        return "an absolute path (valid: a path relative to the output tree)";
    for (const char *c = relative; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return "a control character in the path";
    for (const char *part = relative; part;) {
        const char *slash = strchr(part, '/');
        size_t len = slash ? (size_t)(slash - part) : strlen(part);
        if (len == 0)
            return "an empty path component ('//' or a trailing '/')";
        if ((len == 1 && part[0] == '.') || (len == 2 && part[0] == '.' && part[1] == '.'))
            return "a '.' or '..' component (valid: a path that stays inside the tree)";
        part = slash ? slash + 1 : NULL;
    }
    return NULL;
}

int sync_dir(const char *dir, struct ag_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return ag_error_set(err, AG_FAIL, "cannot open %s to sync it: %s", dir, strerror(errno));
    /* Some filesystems cannot sync a directory: nothing more to do there. */
    int rc = fsync(fd) == 0 || errno == EINVAL
                 ? AG_OK
                 : ag_error_set(err, AG_FAIL, "cannot sync %s: %s", dir, strerror(errno));
    close(fd);
    return rc;
}
