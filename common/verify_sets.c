/* The manifest's package sets, read back as untrusted as its rows. */
#include "common/verify_sets.h"

#include <stdio.h>
#include <string.h>

#include "common/package_set.h"
#include "common/version_rules.h"

static int listed_row(const struct manifest *m, const char *format, const char *name,
                      const char *version)
{
    for (size_t i = 0; i < m->artifacts.count; i++) {
        const struct artifact *a = &m->artifacts.items[i];
        if (!a->unlisted && strcmp(a->format, format) == 0 && strcmp(a->name, name) == 0 &&
            strcmp(a->version, version) == 0 && a->expect && strcmp(a->expect, "accept") == 0)
            return 1;
    }
    return 0;
}

/* Whether a version of the set meets range under target: a release of
 * the package of that name, or one that provides target (a virtual name)
 * at its own version. */
static int met_in_set(json_t *packages, const char *target, const struct version_range *range)
{
    const char *name, *v;
    json_t *pkg, *rel;
    json_object_foreach(packages, name, pkg)
    {
        int own = strcmp(name, target) == 0;
        json_object_foreach(json_object_get(pkg, "versions"), v, rel)
        {
            int provides = 0;
            size_t i;
            json_t *p;
            json_array_foreach(json_object_get(rel, "provides"), i, p)
            {
                provides =
                    provides || (json_is_string(p) && strcmp(json_string_value(p), target) == 0);
            }
            if ((own || provides) && version_is_semver(v) && version_range_matches(range, v))
                return 1;
        }
    }
    return 0;
}

/* A provided dependency's range matches a version of the set. */
static int check_dependencies(json_t *packages, char *why, size_t why_len)
{
    const char *name;
    json_t *pkg;
    json_object_foreach(packages, name, pkg)
    {
        const char *version;
        json_t *rel;
        json_object_foreach(json_object_get(pkg, "versions"), version, rel)
        {
            json_t *dep;
            size_t i;
            json_array_foreach(json_object_get(rel, "dependencies"), i, dep)
            {
                const char *target = json_string_value(json_object_get(dep, "name"));
                const char *text = json_string_value(json_object_get(dep, "range"));
                if (!json_is_true(json_object_get(dep, "provided")))
                    continue;
                struct version_range range;
                char bad[256];
                if (target == NULL || text == NULL ||
                    !version_range_parse(text, &range, bad, sizeof bad)) {
                    snprintf(why, why_len, "%s %s: dependency %zu is not {name, range}", name,
                             version, i);
                    return 0;
                }
                int found = met_in_set(packages, target, &range);
                version_range_free(&range);
                if (!found) {
                    snprintf(why, why_len, "%s %s needs %s %s, which no version of the set meets",
                             name, version, target, text);
                    return 0;
                }
            }
        }
    }
    return 1;
}

static int check_resolutions(const struct manifest *m, const char *format, json_t *per, char *why,
                             size_t why_len)
{
    json_t *r;
    size_t i;
    json_array_foreach(json_object_get(per, "resolutions"), i, r)
    {
        const char *outcome = json_string_value(json_object_get(r, "outcome"));
        if (outcome == NULL || strcmp(outcome, "resolves") != 0)
            continue;
        const char *name;
        json_t *version;
        json_object_foreach(json_object_get(r, "resolves"), name, version)
        {
            if (!json_is_string(version) ||
                !listed_row(m, format, name, json_string_value(version))) {
                snprintf(why, why_len,
                         "resolution %zu expects %s %s, which the tree does not list for %s", i,
                         name, json_is_string(version) ? json_string_value(version) : "?", format);
                return 0;
            }
        }
    }
    return 1;
}

void verify_sets(const struct manifest *m, struct report *report)
{
    const char *set_name;
    json_t *set;
    json_object_foreach(m->sets, set_name, set)
    {
        char why[512] = "";
        int deps_ok = check_dependencies(json_object_get(set, "packages"), why, sizeof why);
        const char *format;
        json_t *per;
        json_object_foreach(json_object_get(set, "formats"), format, per)
        {
            char name[256], detail[640];
            snprintf(name, sizeof name, "sets.%s.%s", set_name, format);
            int ok = deps_ok && check_resolutions(m, format, per, why, sizeof why);
            snprintf(detail, sizeof detail, "%s",
                     ok ? "dependencies satisfiable within the set; every expected resolution is "
                          "listed"
                        : why);
            report_add(report, "sets", name, ok ? CHECK_PASS : CHECK_FAIL, detail, 0);
        }
    }
}
