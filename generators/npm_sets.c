/* npm's side of package sets. */
#include "generators/npm_sets.h"

#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/strbuf.h"

/* node-semver has no "!=": each one splits the range in two, below and
 * above it, joined by "||". */
char *npm_range_text(const struct version_range *range)
{
    size_t alternatives = 1;
    for (size_t i = 0; i < range->count; i++)
        if (range->items[i].op == RANGE_NE && alternatives < 1024)
            alternatives *= 2;
    struct strbuf out = {0};
    for (size_t a = 0; a < alternatives; a++) {
        if (a > 0)
            strbuf_adds(&out, " || ");
        size_t bit = 0, written = 0;
        for (size_t i = 0; i < range->count; i++) {
            const struct range_comparator *c = &range->items[i];
            const char *op = range_op_spelling(c->op, "", NULL);
            if (op == NULL)
                op = (a >> bit++) & 1 ? ">" : "<";
            char *full = version_padded(c->version);
            strbuf_addf(&out, "%s%s%s", written++ ? " " : "", op, full);
            free(full);
        }
    }
    char *text = strbuf_detach(&out, NULL);
    return text ? text : xstrdup("");
}

static char *npm_requirement(const char *name, const struct version_range *range, const char *tag)
{
    if (tag)
        return xasprintf("%s@%s", name, tag);
    if (range->count == 0)
        return xstrdup(name);
    char *text = npm_range_text(range);
    char *req = xasprintf("%s@%s", name, text);
    free(text);
    return req;
}

void npm_add_dependencies(const struct package_spec *spec, json_t *package_json)
{
    static const char *const keys[] = {"dependencies", "devDependencies", "optionalDependencies"};
    for (size_t i = 0; i < spec->dependency_count; i++) {
        const struct spec_dependency *dep = &spec->dependencies[i];
        const char *key = keys[dep->kind];
        json_t *object = json_object_get(package_json, key);
        if (!json_is_object(object)) {
            object = json_object();
            json_object_set_new(package_json, key, object);
        }
        char *text = npm_range_text(dep->range);
        json_object_set_new(object, dep->name, json_string(text[0] ? text : "*"));
        free(text);
    }
}

/* pkg:npm/name@version, a scope's '@' percent-encoded. */
char *npm_purl(const char *name, const char *version)
{
    return name[0] == '@' ? xasprintf("pkg:npm/%%40%s@%s", name + 1, version)
                          : xasprintf("pkg:npm/%s@%s", name, version);
}

const struct set_support npm_set_support = {
    .features = SET_DEPENDS_RUNTIME | SET_DEPENDS_DEV | SET_DEPENDS_OPTIONAL | SET_YANKED |
                SET_PRERELEASE | SET_DIST_TAGS | SET_RANGE_NOT_EQUAL,
    .yank_name = "deprecated",
    .yank_policy = YANK_AVOIDED,
    .prerelease_fallback = 0,
    .installs_optional = 1,
    .prefers_latest_tag = 1,
    .native_version = NULL,
    .requirement = npm_requirement,
};
