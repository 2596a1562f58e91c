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

/* The syntax of the file a template renders into, which decides how a
 * placeholder's value is escaped, or refused when the syntax cannot
 * carry it. Placeholders in JSON, TOML, YAML and source files stand
 * inside string literals (numbers render as digits, unchanged). */
enum template_syntax {
    SYNTAX_TEXT,   /* taken as it is */
    SYNTAX_JSON,   /* JSON string escapes */
    SYNTAX_TOML,   /* TOML basic-string escapes */
    SYNTAX_YAML,   /* YAML double-quoted escapes */
    SYNTAX_SOURCE, /* a '...' or "..." literal in JavaScript or Python */
    SYNTAX_XML,    /* entities; control characters refused */
    SYNTAX_RFC822, /* one header line: a line break or control character refused */
    SYNTAX_INI,    /* one setting line: a line break, control character, '#' or ';' refused */
};

/* A file name (last path component) whose syntax its extension does not
 * tell, as a generator knows it (PKG-INFO is RFC 822). */
struct template_syntax_rule {
    const char *name;
    enum template_syntax syntax;
};

/* The syntax of path: a rule for its name, else its extension (.json,
 * .toml, .yaml/.yml, .js/.mjs/.cjs/.ts/.py, .xml/.html/.pom, .ini/.cfg/
 * .conf), else plain text. */
enum template_syntax template_syntax_of(const char *path, const struct template_syntax_rule *rules,
                                        size_t rule_count);

/* Renders text as plain text; source names the template in errors
 * ("file:line: ..."). */
int template_render(const char *text, size_t len, const struct template_vars *vars,
                    const char *source, char **out, size_t *out_len, struct ag_error *err);
/* The same, each value escaped for syntax or refused (a usage error
 * naming the template, line, placeholder and what the syntax takes). */
int template_render_as(const char *text, size_t len, const struct template_vars *vars,
                       enum template_syntax syntax, const char *source, char **out, size_t *out_len,
                       struct ag_error *err);

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
/* The same, each file rendered in the syntax template_syntax_of gives. */
int template_load_dir_as(const char *dir, const struct template_vars *vars,
                         const struct template_syntax_rule *rules, size_t rule_count,
                         struct template_set *set, struct ag_error *err);
void template_set_free(struct template_set *set);
/* The file at a rendered path, or NULL. */
/* Gives the file at path new content (taken); 0 when there is none. */
int template_set_replace(struct template_set *set, const char *path, char *content, size_t length);
const struct template_file *template_set_find(const struct template_set *set, const char *path);

#endif
