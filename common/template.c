#include "common/template.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fsutil.h"
#include "common/strbuf.h"
#include "common/suggest.h"

void template_vars_set(struct template_vars *vars, const char *key, const char *value)
{
    for (size_t i = 0; i < vars->count; i++) {
        if (strcmp(vars->key[i], key) == 0) {
            vars->value[i] = value;
            return;
        }
    }
    if (vars->count < TEMPLATE_MAX_VARS) {
        vars->key[vars->count] = key;
        vars->value[vars->count] = value;
        vars->count++;
    }
}

const char *template_vars_get(const struct template_vars *vars, const char *key)
{
    for (size_t i = 0; i < vars->count; i++)
        if (strcmp(vars->key[i], key) == 0)
            return vars->value[i];
    return NULL;
}

static const char *lookup(const struct template_vars *vars, const char *key, size_t len)
{
    for (size_t i = 0; i < vars->count; i++)
        if (strlen(vars->key[i]) == len && memcmp(vars->key[i], key, len) == 0)
            return vars->value[i];
    return NULL;
}

static void known_names(const struct template_vars *vars, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < vars->count; i++) {
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%s", i ? ", " : "", vars->key[i]);
    }
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static const char *syntax_name(enum template_syntax syntax)
{
    switch (syntax) {
    case SYNTAX_JSON:
        return "JSON";
    case SYNTAX_TOML:
        return "TOML";
    case SYNTAX_YAML:
        return "YAML";
    case SYNTAX_SOURCE:
        return "a source string literal";
    case SYNTAX_XML:
        return "XML";
    case SYNTAX_RFC822:
        return "an RFC 822 header";
    case SYNTAX_INI:
        return "an INI setting";
    case SYNTAX_TEXT:
        break;
    }
    return "text";
}

/* Backslash escapes shared by JSON, TOML, YAML and source literals. */
static void add_backslashed(struct strbuf *b, const char *value, int quote_single)
{
    for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
        switch (*c) {
        case '"':
            strbuf_adds(b, "\\\"");
            break;
        case '\\':
            strbuf_adds(b, "\\\\");
            break;
        case '\n':
            strbuf_adds(b, "\\n");
            break;
        case '\t':
            strbuf_adds(b, "\\t");
            break;
        case '\r':
            strbuf_adds(b, "\\r");
            break;
        default:
            if (*c == '\'' && quote_single)
                strbuf_adds(b, "\\'");
            else if (*c < 0x20 || *c == 0x7f)
                strbuf_addf(b, "\\u%04x", *c);
            else
                strbuf_add(b, (const char *)c, 1);
        }
    }
}

/* Appends value as syntax carries it; NULL when it cannot, with why. */
static const char *add_escaped(struct strbuf *b, const char *value, enum template_syntax syntax)
{
    const char *why = NULL;
    for (const unsigned char *c = (const unsigned char *)value; *c && why == NULL; c++) {
        int control = (*c < 0x20 && *c != '\t') || *c == 0x7f;
        if ((syntax == SYNTAX_RFC822 || syntax == SYNTAX_INI) && (control || *c == '\t'))
            why = *c == '\n' || *c == '\r' ? "a line break" : "a control character";
        else if (syntax == SYNTAX_INI && (*c == '#' || *c == ';'))
            why = "a comment character ('#' or ';')";
        else if (syntax == SYNTAX_XML && control && *c != '\n' && *c != '\r')
            why = "a control character";
    }
    if (why != NULL)
        return why;
    switch (syntax) {
    case SYNTAX_JSON:
    case SYNTAX_TOML:
    case SYNTAX_YAML:
        add_backslashed(b, value, 0);
        break;
    case SYNTAX_SOURCE:
        add_backslashed(b, value, 1);
        break;
    case SYNTAX_XML:
        strbuf_add_escaped(b, value);
        break;
    default:
        strbuf_adds(b, value);
    }
    return NULL;
}

enum template_syntax template_syntax_of(const char *path, const struct template_syntax_rule *rules,
                                        size_t rule_count)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < rule_count; i++)
        if (strcmp(rules[i].name, base) == 0)
            return rules[i].syntax;
    static const struct {
        const char *ext;
        enum template_syntax syntax;
    } by_extension[] = {
        {".json", SYNTAX_JSON},  {".toml", SYNTAX_TOML}, {".yaml", SYNTAX_YAML},
        {".yml", SYNTAX_YAML},   {".js", SYNTAX_SOURCE}, {".mjs", SYNTAX_SOURCE},
        {".cjs", SYNTAX_SOURCE}, {".ts", SYNTAX_SOURCE}, {".py", SYNTAX_SOURCE},
        {".xml", SYNTAX_XML},    {".html", SYNTAX_XML},  {".pom", SYNTAX_XML},
        {".ini", SYNTAX_INI},    {".cfg", SYNTAX_INI},   {".conf", SYNTAX_INI},
    };
    const char *dot = strrchr(base, '.');
    for (size_t i = 0; dot && i < sizeof by_extension / sizeof by_extension[0]; i++)
        if (strcmp(dot, by_extension[i].ext) == 0)
            return by_extension[i].syntax;
    return SYNTAX_TEXT;
}

int template_render(const char *text, size_t len, const struct template_vars *vars,
                    const char *source, char **out, size_t *out_len, struct ag_error *err)
{
    return template_render_as(text, len, vars, SYNTAX_TEXT, source, out, out_len, err);
}

int template_render_as(const char *text, size_t len, const struct template_vars *vars,
                       enum template_syntax syntax, const char *source, char **out, size_t *out_len,
                       struct ag_error *err)
{
    struct strbuf b = {0};
    strbuf_add(&b, "", 0);
    unsigned line = 1;
    size_t i = 0;
    while (i < len) {
        if (text[i] == '{' && i + 1 < len && text[i + 1] == '{') {
            size_t start = i + 2;
            const char *close = NULL;
            for (size_t j = start; j + 1 < len; j++) {
                if (text[j] == '\n')
                    break;
                if (text[j] == '}' && text[j + 1] == '}') {
                    close = text + j;
                    break;
                }
            }
            if (close == NULL) {
                strbuf_free(&b);
                return ag_error_set(err, AG_USAGE,
                                    "%s:%u: unterminated placeholder: '{{' without '}}' on "
                                    "the same line",
                                    source, line);
            }
            const char *k = text + start;
            const char *kend = close;
            while (k < kend && *k == ' ')
                k++;
            while (kend > k && kend[-1] == ' ')
                kend--;
            int valid = kend > k;
            for (const char *c = k; c < kend; c++)
                valid = valid && is_name_char(*c);
            const char *value = valid ? lookup(vars, k, (size_t)(kend - k)) : NULL;
            if (value == NULL) {
                char known[512], word[64];
                known_names(vars, known, sizeof known);
                snprintf(word, sizeof word, "%.*s", (int)(kend - k), k);
                const char *near = suggest_nearest(word, vars->key, vars->count);
                if (near)
                    ag_error_set(err, AG_USAGE,
                                 "%s:%u: unknown placeholder {{%.*s}} (did you mean {{%s}}? "
                                 "known: %s)",
                                 source, line, (int)(close - (text + start)), text + start, near,
                                 known);
                else
                    ag_error_set(err, AG_USAGE, "%s:%u: unknown placeholder {{%.*s}} (known: %s)",
                                 source, line, (int)(close - (text + start)), text + start, known);
                strbuf_free(&b);
                return err->status;
            }
            const char *why = add_escaped(&b, value, syntax);
            if (why != NULL) {
                ag_error_set(err, AG_USAGE,
                             "%s:%u: the value of {{%.*s}} holds %s, which %s cannot carry "
                             "(give a value on one line without control characters)",
                             source, line, (int)(kend - k), k, why, syntax_name(syntax));
                strbuf_free(&b);
                return err->status;
            }
            i = (size_t)(close - text) + 2;
            continue;
        }
        if (text[i] == '\n')
            line++;
        strbuf_add(&b, text + i, 1);
        i++;
    }
    *out = strbuf_detach(&b, out_len);
    return AG_OK;
}

static int compare_files(const void *a, const void *b)
{
    return strcmp(((const struct template_file *)a)->path, ((const struct template_file *)b)->path);
}

static int path_escapes(const char *path)
{
    if (path[0] == '/' || path[0] == '\0')
        return 1;
    for (const char *p = path; *p;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if ((n == 2 && p[0] == '.' && p[1] == '.') || n == 0)
            return 1;
        p += n + (slash ? 1 : 0);
    }
    return 0;
}

struct syntax_rules {
    const struct template_syntax_rule *items;
    size_t count;
};

static int load_tree(const char *root, const char *rel, const struct template_vars *vars,
                     const struct syntax_rules *rules, struct template_set *set, size_t *cap,
                     struct ag_error *err)
{
    char *dirpath = rel[0] ? xasprintf("%s/%s", root, rel) : xstrdup(root);
    DIR *d = opendir(dirpath);
    if (d == NULL) {
        ag_error_set(err, AG_USAGE, "cannot open template directory %s", dirpath);
        free(dirpath);
        return err->status;
    }
    int rc = AG_OK;
    struct dirent *de;
    while (rc == AG_OK && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *relpath = rel[0] ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
        char *full = xasprintf("%s/%s", root, relpath);
        struct stat st;
        if (lstat(full, &st) != 0) {
            rc = ag_error_set(err, AG_USAGE, "cannot stat template %s", full);
        } else if (S_ISLNK(st.st_mode)) {
            rc = ag_error_set(err, AG_USAGE,
                              "template %s is a symbolic link; templates must be regular "
                              "files inside the template directory",
                              full);
        } else if (S_ISDIR(st.st_mode)) {
            rc = load_tree(root, relpath, vars, rules, set, cap, err);
        } else if (S_ISREG(st.st_mode)) {
            struct template_file tf = {0};
            char *raw = NULL;
            size_t raw_len = 0;
            rc = template_render(relpath, strlen(relpath), vars, full, &tf.path, NULL, err);
            if (rc == AG_OK && path_escapes(tf.path))
                rc = ag_error_set(err, AG_USAGE,
                                  "template %s renders to path '%s', which leaves the "
                                  "package; paths must be relative without '..'",
                                  full, tf.path);
            if (rc == AG_OK)
                rc = read_file(full, &raw, &raw_len, err);
            if (rc == AG_OK)
                rc = template_render_as(raw, raw_len, vars,
                                        template_syntax_of(tf.path, rules->items, rules->count),
                                        full, &tf.content, &tf.length, err);
            free(raw);
            if (rc == AG_OK) {
                tf.mode = (st.st_mode & 0111) ? 0755 : 0644;
                if (set->count == *cap) {
                    *cap = *cap ? 2 * *cap : 8;
                    set->files = xrealloc(set->files, *cap * sizeof *set->files);
                }
                set->files[set->count++] = tf;
            } else {
                free(tf.path);
                free(tf.content);
            }
        } else {
            /* A FIFO would hang the read; a device or socket is no template. */
            rc = ag_error_set(err, AG_USAGE,
                              "template %s is not a regular file (a FIFO, device or socket); "
                              "templates must be regular files",
                              full);
        }
        free(full);
        free(relpath);
    }
    closedir(d);
    free(dirpath);
    return rc;
}

int template_load_dir(const char *dir, const struct template_vars *vars, struct template_set *set,
                      struct ag_error *err)
{
    return template_load_dir_as(dir, vars, NULL, 0, set, err);
}

int template_load_dir_as(const char *dir, const struct template_vars *vars,
                         const struct template_syntax_rule *rules, size_t rule_count,
                         struct template_set *set, struct ag_error *err)
{
    memset(set, 0, sizeof *set);
    if (!path_exists(dir))
        return AG_OK;
    size_t cap = 0;
    struct syntax_rules r = {rules, rule_count};
    if (load_tree(dir, "", vars, &r, set, &cap, err) != AG_OK) {
        template_set_free(set);
        return err->status;
    }
    if (set->count > 1)
        qsort(set->files, set->count, sizeof *set->files, compare_files);
    return AG_OK;
}

void template_set_free(struct template_set *set)
{
    for (size_t i = 0; i < set->count; i++) {
        free(set->files[i].path);
        free(set->files[i].content);
    }
    free(set->files);
    set->files = NULL;
    set->count = 0;
}

int template_set_replace(struct template_set *set, const char *path, char *content, size_t length)
{
    for (size_t i = 0; i < set->count; i++) {
        if (strcmp(set->files[i].path, path) == 0) {
            free(set->files[i].content);
            set->files[i].content = content;
            set->files[i].length = length;
            return 1;
        }
    }
    free(content);
    return 0;
}

const struct template_file *template_set_find(const struct template_set *set, const char *path)
{
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->files[i].path, path) == 0)
            return &set->files[i];
    return NULL;
}
