/* cargo's side of TOML: basic strings written with their escapes, the
 * [package] table of a Cargo.toml read back, and the normalized manifest
 * `cargo package` writes into a .crate. */
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "generators/cargo.h"

const char *const cargo_package_keys[] = {
    "edition",  "rust-version",  "name",    "version",    "description",
    "homepage", "documentation", "license", "repository",
};
const size_t cargo_package_key_count = sizeof cargo_package_keys / sizeof cargo_package_keys[0];

/* Length of the UTF-8 sequence at s (1 to 4, within avail bytes), or 0
 * when it is not one: no overlong forms, no surrogates, nothing past
 * U+10FFFF. */
static size_t utf8_sequence(const unsigned char *s, size_t avail)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (n == 0 || n > avail || s[0] > 0xf4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
        return 0;
    return n;
}

static int utf8_valid(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_sequence(s + i, len - i);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

int cargo_toml_string(struct strbuf *out, const char *value, const char *what, struct ag_error *err)
{
    if (!utf8_valid(value, strlen(value)))
        return ag_error_set(err, AG_USAGE,
                            "%s cannot be written into Cargo.toml: it is not UTF-8, and TOML "
                            "files are",
                            what);
    strbuf_adds(out, "\"");
    for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
        if (*c == '"' || *c == '\\')
            strbuf_addf(out, "\\%c", *c);
        else if (*c == '\t')
            strbuf_adds(out, "\\t");
        else if (*c < 0x20 || *c == 0x7f)
            strbuf_addf(out, "\\u%04X", *c);
        else
            strbuf_add(out, (const char *)c, 1);
    }
    strbuf_adds(out, "\"");
    return AG_OK;
}

/* ---- the reader ---- */

static int is_bare_key_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

static void add_code_point(struct strbuf *out, unsigned long cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    strbuf_add(out, b, n);
}

/* One single-line string value starting at *p (at its quote); *p moves
 * past the closing quote. NULL with why set when it is not one. */
static char *read_string(const char **p, const char *end, const char **why)
{
    char quote = **p;
    const char *c = *p + 1;
    if (end - *p >= 3 && c[0] == quote && c[1] == quote) {
        *why = "a multi-line string, which assetgen's reader does not take";
        return NULL;
    }
    struct strbuf out = {0};
    for (; c < end && *c != quote; c++) {
        unsigned char u = (unsigned char)*c;
        if ((u < 0x20 && u != '\t') || u == 0x7f) {
            *why = "a control character inside a string (TOML wants it escaped)";
            strbuf_free(&out);
            return NULL;
        }
        if (quote == '\'' || *c != '\\') {
            strbuf_add(&out, c, 1);
            continue;
        }
        c++;
        static const char simple_in[] = "btnfr\"\\";
        static const char simple_out[] = "\b\t\n\f\r\"\\";
        const char *s = c < end ? strchr(simple_in, *c) : NULL;
        if (s != NULL && *c != '\0') {
            strbuf_add(&out, &simple_out[s - simple_in], 1);
            continue;
        }
        size_t digits = c < end && *c == 'u' ? 4 : c < end && *c == 'U' ? 8 : 0;
        unsigned long cp = 0;
        int ok = digits > 0 && (size_t)(end - c) > digits;
        for (size_t i = 1; ok && i <= digits; i++) {
            char h = c[i];
            int v = h >= '0' && h <= '9'   ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                           : -1;
            ok = v >= 0;
            cp = cp * 16 + (unsigned long)(v < 0 ? 0 : v);
        }
        if (!ok || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            *why = "an invalid escape sequence";
            strbuf_free(&out);
            return NULL;
        }
        if (cp == 0) {
            *why = "a NUL character (\\u0000), which assetgen does not carry";
            strbuf_free(&out);
            return NULL;
        }
        add_code_point(&out, cp);
        c += digits;
    }
    if (c >= end) {
        *why = "a string without its closing quote";
        strbuf_free(&out);
        return NULL;
    }
    *p = c + 1;
    return strbuf_detach(&out, NULL);
}

const char *cargo_package_value(const struct cargo_package_table *table, const char *key)
{
    for (size_t i = 0; i < table->count; i++)
        if (strcmp(table->key[i], key) == 0)
            return table->value[i];
    return NULL;
}

void cargo_package_table_free(struct cargo_package_table *table)
{
    for (size_t i = 0; i < table->count; i++) {
        free(table->key[i]);
        free(table->value[i]);
    }
    table->count = 0;
}

static int known_key(const char *key)
{
    for (size_t i = 0; i < cargo_package_key_count; i++)
        if (strcmp(cargo_package_keys[i], key) == 0)
            return 1;
    return 0;
}

static char *supported_keys(void)
{
    struct strbuf b = {0};
    for (size_t i = 0; i < cargo_package_key_count; i++)
        strbuf_addf(&b, "%s%s", i ? ", " : "", cargo_package_keys[i]);
    return strbuf_detach(&b, NULL);
}

/* One line of the table reader; AG_OK or err naming source:line. */
static int read_line(const char *line, const char *end, const char *source, unsigned lineno,
                     int strict, int *in_package, int *seen_package,
                     struct cargo_package_table *table, struct ag_error *err)
{
    while (line < end && (*line == ' ' || *line == '\t'))
        line++;
    if (line == end || *line == '#')
        return AG_OK;
    if (*line == '[') {
        int array = line + 1 < end && line[1] == '[';
        const char *close = memchr(line, ']', (size_t)(end - line));
        const char *name = line + 1 + array;
        while (name < end && *name == ' ')
            name++;
        size_t n = close ? (size_t)(close - name) : 0;
        while (n > 0 && name[n - 1] == ' ')
            n--;
        *in_package = !array && close && n == 7 && strncmp(name, "package", 7) == 0;
        if (*in_package && (*seen_package)++)
            return ag_error_set(err, AG_USAGE, "%s:%u: a second [package] table", source, lineno);
        if (strict && !*in_package)
            return ag_error_set(err, AG_USAGE,
                                "%s:%u: only a [package] table is supported here (assetgen "
                                "writes [lib] and the dependencies of package sets itself)",
                                source, lineno);
        return AG_OK;
    }
    if (!*in_package) {
        if (strict)
            return ag_error_set(err, AG_USAGE, "%s:%u: a key outside the [package] table", source,
                                lineno);
        return AG_OK;
    }
    const char *k = line;
    while (line < end && is_bare_key_char(*line))
        line++;
    size_t key_len = (size_t)(line - k);
    while (line < end && (*line == ' ' || *line == '\t'))
        line++;
    if (key_len == 0 || line == end || *line != '=')
        return ag_error_set(err, AG_USAGE, "%s:%u: not a `key = value` line of [package]", source,
                            lineno);
    line++;
    while (line < end && (*line == ' ' || *line == '\t'))
        line++;
    char *key = xasprintf("%.*s", (int)key_len, k);
    const char *why = NULL;
    char *value = NULL;
    if (line < end && (*line == '"' || *line == '\'')) {
        value = read_string(&line, end, &why);
        while (value && line < end && (*line == ' ' || *line == '\t'))
            line++;
        if (value && line < end && *line != '#') {
            why = "text after the string";
            free(value);
            value = NULL;
        }
    } else if (strict) {
        why = "a value that is not a string";
    }
    int rc = AG_OK;
    if (why != NULL) {
        rc = ag_error_set(err, AG_USAGE, "%s:%u: package.%s: %s", source, lineno, key, why);
    } else if (value != NULL && cargo_package_value(table, key) != NULL) {
        rc = ag_error_set(err, AG_USAGE, "%s:%u: package.%s is given twice", source, lineno, key);
    } else if (value != NULL && strict && !known_key(key)) {
        char *keys = supported_keys();
        rc = ag_error_set(err, AG_USAGE, "%s:%u: package.%s is not supported (supported: %s)",
                          source, lineno, key, keys);
        free(keys);
    } else if (value != NULL && table->count == CARGO_PACKAGE_KEYS) {
        rc =
            ag_error_set(err, AG_USAGE, "%s:%u: too many string keys in [package]", source, lineno);
    } else if (value != NULL) {
        table->key[table->count] = key;
        table->value[table->count++] = value;
        return AG_OK;
    }
    free(key);
    free(value);
    return rc;
}

int cargo_read_package_table(const char *text, size_t len, const char *source, int strict,
                             struct cargo_package_table *table, struct ag_error *err)
{
    memset(table, 0, sizeof *table);
    if (!utf8_valid(text, len) || memchr(text, '\0', len) != NULL)
        return ag_error_set(err, AG_USAGE, "%s is not UTF-8 text, as TOML must be", source);
    int in_package = 0, seen_package = 0;
    unsigned lineno = 0;
    for (const char *line = text; line < text + len;) {
        const char *nl = memchr(line, '\n', (size_t)(text + len - line));
        const char *end = nl ? nl : text + len;
        const char *trimmed = end > line && end[-1] == '\r' ? end - 1 : end;
        lineno++;
        if (read_line(line, trimmed, source, lineno, strict, &in_package, &seen_package, table,
                      err) != AG_OK) {
            cargo_package_table_free(table);
            return err->status;
        }
        line = nl ? nl + 1 : text + len;
    }
    if (!seen_package)
        return ag_error_set(err, AG_USAGE, "%s has no [package] table", source);
    return AG_OK;
}

/* ---- the writers ---- */

static const char CARGO_HEADER[] =
    "# THIS FILE IS AUTOMATICALLY GENERATED BY CARGO\n"
    "#\n"
    "# When uploading crates to the registry Cargo will automatically\n"
    "# \"normalize\" Cargo.toml files for maximal compatibility\n"
    "# with all versions of Cargo and also rewrite `path` dependencies\n"
    "# to registry (e.g., crates.io) dependencies.\n"
    "#\n"
    "# If you are reading this file be aware that the original Cargo.toml\n"
    "# will likely look very different (and much more reasonable).\n"
    "# See Cargo.toml.orig for the original contents.\n";

static int add_key(struct strbuf *out, const char *key, const char *value, struct ag_error *err)
{
    strbuf_addf(out, "%s = ", key);
    char *what = xasprintf("the value of %s", key);
    int rc = cargo_toml_string(out, value, what, err);
    free(what);
    strbuf_adds(out, "\n");
    return rc;
}

static int compare_dependency_names(const void *a, const void *b)
{
    const struct spec_dependency *x = *(const struct spec_dependency *const *)a;
    const struct spec_dependency *y = *(const struct spec_dependency *const *)b;
    return strcmp(x->name, y->name);
}

/* The dependency tables, as [dependencies.<name>] so that a table of the
 * same name earlier in the file is extended rather than repeated, sorted
 * by name within [dependencies] and then [dev-dependencies], as cargo
 * writes them. The registry is named (original) or given by its index
 * URL (normalized). */
static int add_dependencies(struct strbuf *out, const struct package_spec *spec,
                            const char *registry_key, const char *registry, struct ag_error *err)
{
    const struct spec_dependency **sorted = xcalloc(spec->dependency_count + 1, sizeof *sorted);
    int rc = AG_OK;
    for (int pass = 0; pass < 2 && rc == AG_OK; pass++) {
        size_t n = 0;
        for (size_t i = 0; i < spec->dependency_count; i++)
            if ((spec->dependencies[i].kind == DEPENDENCY_DEV) == (pass == 1))
                sorted[n++] = &spec->dependencies[i];
        qsort(sorted, n, sizeof *sorted, compare_dependency_names);
        for (size_t i = 0; i < n && rc == AG_OK; i++) {
            const struct spec_dependency *dep = sorted[i];
            char *req = cargo_requirement_text(dep->range);
            strbuf_addf(out, "\n[%s.%s]\n", pass ? "dev-dependencies" : "dependencies", dep->name);
            rc = add_key(out, "version", req, err);
            free(req);
            if (rc == AG_OK)
                rc = add_key(out, registry_key, registry, err);
            if (dep->kind == DEPENDENCY_OPTIONAL)
                strbuf_adds(out, "optional = true\n");
        }
    }
    free(sorted);
    return rc;
}

char *cargo_normalized_manifest(const struct cargo_package_table *package, const char *lib_name,
                                const struct package_spec *spec, const char *index_url,
                                struct ag_error *err)
{
    struct strbuf out = {0};
    strbuf_addf(&out, "%s\n[package]\n", CARGO_HEADER);
    const char *edition = cargo_package_value(package, "edition");
    int rc = add_key(&out, "edition", edition ? edition : "2015", err);
    static const char *const before[] = {"rust-version", "name", "version"};
    static const char *const after[] = {"description", "homepage", "documentation"};
    static const char *const last[] = {"license", "repository"};
    for (size_t i = 0; i < 3 && rc == AG_OK; i++) {
        const char *v = cargo_package_value(package, before[i]);
        if (v != NULL)
            rc = add_key(&out, before[i], v, err);
    }
    strbuf_adds(&out, "build = false\nautolib = false\nautobins = false\nautoexamples = "
                      "false\nautotests = false\nautobenches = false\n");
    for (size_t i = 0; i < 3 && rc == AG_OK; i++) {
        const char *v = cargo_package_value(package, after[i]);
        if (v != NULL)
            rc = add_key(&out, after[i], v, err);
    }
    strbuf_adds(&out, "readme = false\n");
    for (size_t i = 0; i < 2 && rc == AG_OK; i++) {
        const char *v = cargo_package_value(package, last[i]);
        if (v != NULL)
            rc = add_key(&out, last[i], v, err);
    }
    strbuf_adds(&out, "\n[lib]\n");
    if (rc == AG_OK)
        rc = add_key(&out, "name", lib_name, err);
    strbuf_adds(&out, "path = \"src/lib.rs\"\n");
    if (rc == AG_OK)
        rc = add_dependencies(&out, spec, "registry-index", index_url, err);
    if (rc != AG_OK) {
        strbuf_free(&out);
        return NULL;
    }
    return strbuf_detach(&out, NULL);
}

char *cargo_original_with_dependencies(const char *original, const struct package_spec *spec,
                                       struct ag_error *err)
{
    struct strbuf out = {0};
    strbuf_adds(&out, original);
    if (out.len > 0 && out.data[out.len - 1] != '\n')
        strbuf_adds(&out, "\n");
    if (add_dependencies(&out, spec, "registry", CARGO_REGISTRY, err) != AG_OK) {
        strbuf_free(&out);
        return NULL;
    }
    return strbuf_detach(&out, NULL);
}
