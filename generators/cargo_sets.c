/* cargo's side of package sets: version requirements, dependencies in
 * the index line and the publish request, and the package URL. */
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/strbuf.h"
#include "generators/cargo.h"

/* cargo's requirements are comparators that must all hold, with no "or"
 * and no "!=": the closest requirement to "!=V" leaves it out, which
 * admits V too. The set's expected resolutions assume the exclusion, so
 * a set that relies on it expects what cargo does not do. */
char *cargo_requirement_text(const struct version_range *range)
{
    struct strbuf out = {0};
    size_t written = 0;
    for (size_t i = 0; i < range->count; i++) {
        const char *op = range_op_spelling(range->items[i].op, "=", NULL);
        if (op == NULL)
            continue;
        /* A bare "1.2.3" is a caret requirement in cargo: every operator
         * is written, and partial versions in full. */
        char *full = version_padded(range->items[i].version);
        strbuf_addf(&out, "%s%s%s", written++ ? ", " : "", op, full);
        free(full);
    }
    if (written == 0)
        strbuf_adds(&out, "*");
    return strbuf_detach(&out, NULL);
}

/* A request as `cargo add` takes it: NAME@REQ, or NAME for any version.
 * cargo has no dist-tags (tag is never set: the core reports it). */
static char *cargo_requirement(const char *name, const struct version_range *range, const char *tag)
{
    (void)tag;
    if (range->count == 0)
        return xstrdup(name);
    char *req = cargo_requirement_text(range);
    char *text = xasprintf("%s@%s", name, req);
    free(req);
    return text;
}

static const char *const dependency_kind_names[] = {"normal", "dev", "normal"};

json_t *cargo_index_deps(const struct package_spec *spec)
{
    json_t *deps = json_array();
    for (size_t i = 0; i < spec->dependency_count; i++) {
        const struct spec_dependency *dep = &spec->dependencies[i];
        char *req = cargo_requirement_text(dep->range);
        /* registry left out: the dependency is in the index's own registry. */
        json_t *d = json_object();
        json_object_set_new(d, "name", json_string(dep->name));
        json_object_set_new(d, "req", json_string(req));
        json_object_set_new(d, "features", json_array());
        json_object_set_new(d, "optional", json_boolean(dep->kind == DEPENDENCY_OPTIONAL));
        json_object_set_new(d, "default_features", json_true());
        json_object_set_new(d, "target", json_null());
        json_object_set_new(d, "kind", json_string(dependency_kind_names[dep->kind]));
        json_array_append_new(deps, d);
        free(req);
    }
    return deps;
}

/* The publish request names the requirement version_req; as in the index,
 * no registry means the registry published to (cargo leaves the key out). */
json_t *cargo_publish_deps(json_t *index_deps)
{
    json_t *out = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(index_deps, i, d)
    {
        json_t *p = json_object();
        json_object_set(p, "optional", json_object_get(d, "optional"));
        json_object_set(p, "default_features", json_object_get(d, "default_features"));
        json_object_set(p, "name", json_object_get(d, "name"));
        json_object_set(p, "features", json_object_get(d, "features"));
        json_object_set(p, "version_req", json_object_get(d, "req"));
        json_object_set(p, "target", json_object_get(d, "target"));
        json_object_set(p, "kind", json_object_get(d, "kind"));
        json_array_append_new(out, p);
    }
    return out;
}

/* pkg:cargo/name@version, the name as written (cargo names are ASCII). */
char *cargo_purl(const char *name, const char *version)
{
    return xasprintf("pkg:cargo/%s@%s", name, version);
}

const struct set_support cargo_set_support = {
    .features =
        SET_DEPENDS_RUNTIME | SET_DEPENDS_DEV | SET_DEPENDS_OPTIONAL | SET_YANKED | SET_PRERELEASE,
    .yank_name = "yanked",
    .yank_policy = YANK_EXCLUDED,
    .prerelease_fallback = 0,
    .installs_optional = 0,
    .native_version = NULL,
    .requirement = cargo_requirement,
};
