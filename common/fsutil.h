#ifndef ASSETGEN_FSUTIL_H
#define ASSETGEN_FSUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "common/error.h"

/* malloc'ed printf; aborts on out-of-memory, as every caller would. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xmalloc(size_t size);
/* Zeroed, as calloc; aborts on out-of-memory. */
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *text);

/* Creates dir and its parents (mode 0755). */
int mkdir_parents(const char *dir, struct ag_error *err);
/* The same, setting *top_created to the highest directory it had to
 * create (NULL when all existed), so a failed run can take them away. */
int mkdir_parents_tracked(const char *dir, char **top_created, struct ag_error *err);
/* The highest of dir and its ancestors that does not exist (what
 * mkdir_parents would create first), or NULL when dir exists. */
char *first_missing_dir(const char *dir);
/* Removes dir and its parents up to and including top_created, as far as
 * they are empty: undoes mkdir_parents_tracked. */
void rmdir_created(const char *dir, const char *top_created);
/* The directory part of path ("." for a bare name, "/" for one in the
 * root), as a fresh string. */
char *path_parent(const char *path);
/* Creates the parent directories of a file path. */
int mkdir_for_file(const char *path, struct ag_error *err);
/* Reads a whole (small) file; *data is NUL-terminated. */
int read_file(const char *path, char **data, size_t *len, struct ag_error *err);
int path_exists(const char *path);
/* Removes path and, if it is a directory, everything under it, without
 * following symlinks. Entries that vanish meanwhile are not an error;
 * returns 0 when nothing is left, -1 otherwise. */
int remove_tree(const char *path);
/* What walk_tree does after visiting an entry. */
enum walk_step { WALK_NEXT, WALK_INTO };
typedef enum walk_step (*walk_fn)(void *ctx, const char *path, const char *name,
                                  const struct stat *st);
/* Calls visit(ctx, path, name, lstat) for every entry under dir, parents
 * before children, in directory order, never following symlinks; a
 * directory is walked into when visit returns WALK_INTO. Entries that
 * vanish meanwhile are skipped. */
void walk_tree(const char *dir, walk_fn visit, void *ctx);
/* The bytes of every regular file under dir (0 for none), not following
 * symlinks; files that vanish meanwhile are skipped. */
uint64_t tree_bytes(const char *dir);
int path_is_dir(const char *path);
/* Why relative cannot name a file inside a tree (absolute, '..', '.',
 * an empty component, a control character), or NULL when it can. */
const char *relative_path_problem(const char *relative);
/* fsync of a directory: the renames into it survive a crash. */
int sync_dir(const char *dir, struct ag_error *err);

#endif
