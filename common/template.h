#ifndef ASSETGEN_TEMPLATE_H
#define ASSETGEN_TEMPLATE_H

#include <stddef.h>

#include "common/error.h"

#define TEMPLATE_MAX_VARS 32

/* Placeholder values: {{key}} in a template becomes value. */
struct template_vars {
    size_t count;
    const char *key[TEMPLATE_MAX_VARS];
    const char *value[TEMPLATE_MAX_VARS];
};

void template_vars_set(struct template_vars *vars, const char *key, const char *value);
const char *template_vars_get(const struct template_vars *vars, const char *key);

/* Renders text; source names the template in errors ("file:line: ..."). */
int template_render(const char *text, size_t len, const struct template_vars *vars,
                    const char *source, char **out, size_t *out_len, struct ag_error *err);

/* One file of a template directory, path and content both rendered. */
struct template_file {
    char *path;
    char *content;
    size_t length;
    unsigned mode;
};

struct template_set {
    struct template_file *files;
    size_t count;
};

/* Renders every regular file under dir (sorted by rendered path). Refuses
 * symlinks and rendered paths that leave the package (absolute, "..").
 * A missing dir gives an empty set. */
int template_load_dir(const char *dir, const struct template_vars *vars, struct template_set *set,
                      struct ag_error *err);
void template_set_free(struct template_set *set);
/* The file at a rendered path, or NULL. */
const struct template_file *template_set_find(const struct template_set *set, const char *path);

#endif
