#include "common/yaml_doc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fsutil.h"
#include "common/suggest.h"

/* The character at line:column (both from 0) of text, or 0. */
static char char_at(const char *text, size_t len, size_t line, size_t column)
{
    size_t i = 0;
    for (size_t l = 0; l < line && i < len; i++)
        if (text[i] == '\n')
            l++;
    for (size_t c = 0; c < column && i < len && text[i] != '\n'; c++)
        i++;
    return i < len ? text[i] : 0;
}

/* Rejects a key that appears twice in one mapping: libyaml keeps both and
 * every lookup would silently take the first. */
static int check_duplicate_keys(struct yaml_doc *doc, struct ag_error *err)
{
    for (yaml_node_t *map = doc->doc.nodes.start; map < doc->doc.nodes.top; map++) {
        if (map->type != YAML_MAPPING_NODE)
            continue;
        yaml_node_pair_t *pairs = map->data.mapping.pairs.start;
        size_t n = (size_t)(map->data.mapping.pairs.top - pairs);
        for (size_t i = 1; i < n; i++) {
            yaml_node_t *key = yaml_document_get_node(&doc->doc, pairs[i].key);
            const char *name = yaml_scalar(key);
            for (size_t j = 0; name && j < i; j++) {
                yaml_node_t *first = yaml_document_get_node(&doc->doc, pairs[j].key);
                const char *other = yaml_scalar(first);
                if (other && strcmp(name, other) == 0)
                    return yaml_node_error(doc, key, err,
                                           "key '%s' appears twice in the same mapping (first "
                                           "at line %zu); keep one",
                                           name, first->start_mark.line + 1);
            }
        }
    }
    return AG_OK;
}

/* A "\0" escape would cut a value short where C reads it: refuse it. */
static int check_nul_scalars(struct yaml_doc *doc, struct ag_error *err)
{
    for (yaml_node_t *n = doc->doc.nodes.start; n < doc->doc.nodes.top; n++)
        if (n->type == YAML_SCALAR_NODE &&
            strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
            return yaml_node_error(doc, n, err,
                                   "a NUL character in a value; no generated file can carry it");
    return AG_OK;
}

static int parse_with(struct yaml_doc *doc, yaml_parser_t *parser, const char *text, size_t len,
                      struct ag_error *err)
{
    if (!yaml_parser_load(parser, &doc->doc)) {
        yaml_mark_t at = parser->problem_mark;
        if (char_at(text, len, at.line, at.column) == '\t')
            ag_error_set(err, AG_USAGE,
                         "%s:%zu:%zu: YAML error: a tab character; YAML indents with spaces "
                         "only, never tabs",
                         doc->file, at.line + 1, at.column + 1);
        else if (parser->context && parser->context_mark.line != at.line)
            ag_error_set(err, AG_USAGE, "%s:%zu:%zu: YAML error: %s %s started at line %zu",
                         doc->file, at.line + 1, at.column + 1,
                         parser->problem ? parser->problem : "malformed document", parser->context,
                         parser->context_mark.line + 1);
        else
            ag_error_set(err, AG_USAGE, "%s:%zu:%zu: YAML error: %s%s%s", doc->file, at.line + 1,
                         at.column + 1, parser->problem ? parser->problem : "malformed document",
                         parser->context ? " " : "", parser->context ? parser->context : "");
        yaml_parser_delete(parser);
        return err->status;
    }
    doc->loaded = 1;
    /* A second document would be ignored without a word. */
    yaml_document_t next;
    int more = 0;
    size_t next_line = 0;
    if (yaml_parser_load(parser, &next)) {
        yaml_node_t *root = yaml_document_get_root_node(&next);
        more = root != NULL;
        next_line = root ? root->start_mark.line + 1 : 0;
        yaml_document_delete(&next);
    }
    yaml_parser_delete(parser);
    if (more)
        return ag_error_set(err, AG_USAGE,
                            "%s:%zu: a second YAML document ('---'); a configuration file holds "
                            "one",
                            doc->file, next_line);
    if (yaml_document_get_root_node(&doc->doc) == NULL)
        return ag_error_set(err, AG_USAGE, "%s: the file is empty; expected a mapping", doc->file);
    return check_nul_scalars(doc, err) == AG_OK ? check_duplicate_keys(doc, err) : err->status;
}

int yaml_doc_load(struct yaml_doc *doc, const char *path, struct ag_error *err)
{
    memset(doc, 0, sizeof *doc);
    doc->file = xstrdup(path);
    struct stat st;
    if (stat(path, &st) != 0)
        return ag_error_set(err, AG_USAGE, "cannot read %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return ag_error_set(err, AG_USAGE, "cannot read %s: %s", path,
                            S_ISDIR(st.st_mode) ? "Is a directory; expected a YAML file"
                                                : "not a regular file; expected a YAML file");
    char *text = NULL;
    size_t len = 0;
    if (read_file(path, &text, &len, err) != AG_OK)
        return err->status;
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = parse_with(doc, &parser, text, len, err);
    free(text);
    return rc;
}

int yaml_doc_load_string(struct yaml_doc *doc, const char *name, const char *text, size_t len,
                         struct ag_error *err)
{
    memset(doc, 0, sizeof *doc);
    doc->file = xstrdup(name);
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    return parse_with(doc, &parser, text, len, err);
}

void yaml_doc_free(struct yaml_doc *doc)
{
    if (doc->loaded)
        yaml_document_delete(&doc->doc);
    doc->loaded = 0;
    free(doc->file);
    doc->file = NULL;
}

yaml_node_t *yaml_doc_root(struct yaml_doc *doc)
{
    return yaml_document_get_root_node(&doc->doc);
}

int yaml_node_error(struct yaml_doc *doc, yaml_node_t *node, struct ag_error *err, const char *fmt,
                    ...)
{
    char text[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (node == NULL)
        return ag_error_set(err, AG_USAGE, "%s: %s", doc->file, text);
    return ag_error_set(err, AG_USAGE, "%s:%zu:%zu: %s", doc->file, node->start_mark.line + 1,
                        node->start_mark.column + 1, text);
}

static const char *type_name(yaml_node_type_t type)
{
    switch (type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "empty";
    }
}

int yaml_expect_type(struct yaml_doc *doc, yaml_node_t *node, yaml_node_type_t type,
                     const char *what, struct ag_error *err)
{
    if (node != NULL && node->type == type)
        return AG_OK;
    return yaml_node_error(doc, node, err, "%s must be %s, not %s", what, type_name(type),
                           node ? type_name(node->type) : "missing");
}

int yaml_check_keys(struct yaml_doc *doc, yaml_node_t *map, const char *const *allowed,
                    size_t count, const char *what, struct ag_error *err)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *key = yaml_document_get_node(&doc->doc, p->key);
        const char *name = yaml_scalar(key);
        int known = 0;
        for (size_t i = 0; name && i < count; i++)
            known = known || strcmp(name, allowed[i]) == 0;
        if (known)
            continue;
        char hint[640];
        suggest_hint(name, allowed, count, hint, sizeof hint);
        return yaml_node_error(doc, key, err, "unknown key '%s' in %s%s", name ? name : "?", what,
                               hint);
    }
    return AG_OK;
}

yaml_node_t *yaml_map_get(struct yaml_doc *doc, yaml_node_t *map, const char *key)
{
    if (map == NULL || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *name = yaml_scalar(yaml_document_get_node(&doc->doc, p->key));
        if (name != NULL && strcmp(name, key) == 0)
            return yaml_document_get_node(&doc->doc, p->value);
    }
    return NULL;
}

const char *yaml_scalar(yaml_node_t *node)
{
    if (node == NULL || node->type != YAML_SCALAR_NODE)
        return NULL;
    return (const char *)node->data.scalar.value;
}

int yaml_is_null(yaml_node_t *node)
{
    if (node == NULL)
        return 1;
    if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *s = yaml_scalar(node);
    return strcmp(s, "") == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

int yaml_get_string(struct yaml_doc *doc, yaml_node_t *map, const char *key, int required,
                    char **out, struct ag_error *err)
{
    yaml_node_t *node = yaml_map_get(doc, map, key);
    if (node == NULL) {
        if (required)
            return yaml_node_error(doc, map, err, "missing required key '%s'", key);
        return AG_OK;
    }
    if (yaml_expect_type(doc, node, YAML_SCALAR_NODE, key, err) != AG_OK)
        return err->status;
    free(*out);
    *out = xstrdup(yaml_scalar(node));
    return AG_OK;
}

int yaml_get_bool(struct yaml_doc *doc, yaml_node_t *map, const char *key, int *out,
                  struct ag_error *err)
{
    yaml_node_t *node = yaml_map_get(doc, map, key);
    if (node == NULL)
        return AG_OK;
    const char *s = yaml_scalar(node);
    if (s && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)) {
        *out = 1;
        return AG_OK;
    }
    if (s && (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)) {
        *out = 0;
        return AG_OK;
    }
    return yaml_node_error(doc, node, err, "%s must be true or false, not '%s'", key,
                           s ? s : "a collection");
}

int yaml_get_u64(struct yaml_doc *doc, yaml_node_t *map, const char *key, uint64_t *out,
                 struct ag_error *err)
{
    yaml_node_t *node = yaml_map_get(doc, map, key);
    if (node == NULL)
        return AG_OK;
    const char *s = yaml_scalar(node);
    char *end = NULL;
    errno = 0;
    unsigned long long v = s ? strtoull(s, &end, 10) : 0;
    if (s == NULL || *s == '\0' || *s == '-' || *end != '\0' || errno != 0)
        return yaml_node_error(doc, node, err, "%s must be a non-negative integer, not '%s'", key,
                               s ? s : "a collection");
    *out = v;
    return AG_OK;
}

int yaml_get_string_list(struct yaml_doc *doc, yaml_node_t *map, const char *key, char ***out,
                         size_t *count, struct ag_error *err)
{
    yaml_node_t *node = yaml_map_get(doc, map, key);
    if (node == NULL)
        return AG_OK;
    if (yaml_expect_type(doc, node, YAML_SEQUENCE_NODE, key, err) != AG_OK)
        return err->status;
    size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    char **list = xmalloc((n + 1) * sizeof *list);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = yaml_document_get_node(&doc->doc, node->data.sequence.items.start[i]);
        if (yaml_scalar(item) == NULL) {
            string_list_free(list, i);
            return yaml_node_error(doc, item, err, "items of %s must be scalars", key);
        }
        list[i] = xstrdup(yaml_scalar(item));
    }
    list[n] = NULL;
    string_list_free(*out, *count);
    *out = list;
    *count = n;
    return AG_OK;
}

void string_list_free(char **list, size_t count)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        free(list[i]);
    free(list);
}
