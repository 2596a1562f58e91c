#ifndef ASSETGEN_YAML_DOC_H
#define ASSETGEN_YAML_DOC_H

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "common/error.h"

/* A parsed YAML file that remembers its name, so every schema error can
 * say file:line:column. */
struct yaml_doc {
    yaml_document_t doc;
    char *file;
    int loaded;
};

int yaml_doc_load(struct yaml_doc *doc, const char *path, struct ag_error *err);
int yaml_doc_load_string(struct yaml_doc *doc, const char *name, const char *text, size_t len,
                         struct ag_error *err);
void yaml_doc_free(struct yaml_doc *doc);
yaml_node_t *yaml_doc_root(struct yaml_doc *doc);

/* Sets an error located at node: "file:line:col: <message>". */
int yaml_node_error(struct yaml_doc *doc, yaml_node_t *node, struct ag_error *err, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

int yaml_expect_type(struct yaml_doc *doc, yaml_node_t *node, yaml_node_type_t type,
                     const char *what, struct ag_error *err);
/* Fails on the first key of map not in allowed, suggesting the nearest. */
int yaml_check_keys(struct yaml_doc *doc, yaml_node_t *map, const char *const *allowed,
                    size_t count, const char *what, struct ag_error *err);

yaml_node_t *yaml_map_get(struct yaml_doc *doc, yaml_node_t *map, const char *key);
const char *yaml_scalar(yaml_node_t *node);
int yaml_is_null(yaml_node_t *node);

/* Typed getters: a missing optional key leaves *out untouched. */
int yaml_get_string(struct yaml_doc *doc, yaml_node_t *map, const char *key, int required,
                    char **out, struct ag_error *err);
int yaml_get_bool(struct yaml_doc *doc, yaml_node_t *map, const char *key, int *out,
                  struct ag_error *err);
int yaml_get_u64(struct yaml_doc *doc, yaml_node_t *map, const char *key, uint64_t *out,
                 struct ag_error *err);
int yaml_get_string_list(struct yaml_doc *doc, yaml_node_t *map, const char *key, char ***out,
                         size_t *count, struct ag_error *err);
void string_list_free(char **list, size_t count);

#endif
