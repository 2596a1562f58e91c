#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "common/generate_plan.h"
#include "common/package_set.h"
#include "common/set_expect.h"
#include "common/version_rules.h"
#include "common/yaml_doc.h"
#include "generators/registry.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int range_matches(const char *range, const char *version)
{
    struct version_range r;
    char why[256];
    cr_assert(version_range_parse(range, &r, why, sizeof why), "%s: %s", range, why);
    int m = version_range_matches(&r, version);
    version_range_free(&r);
    return m;
}

Test(version_range, comparators_hold_with_partial_versions_padded)
{
    cr_assert(range_matches(">=1.0, <2", "1.1.0"));
    cr_assert(range_matches(">=1.0, <2", "1.0.0"));
    cr_assert_not(range_matches(">=1.0, <2", "2.0.0"));
    cr_assert_not(range_matches(">=1.0, <2", "0.9.9"));
    cr_assert(range_matches(">1", "1.0.1"), "> pads to >1.0.0, unlike npm's X-range");
    cr_assert(range_matches("==1.2", "1.2.0"));
    cr_assert_not(range_matches("!=1.2.0", "1.2.0"));
    cr_assert(range_matches("*", "3.4.5"));
}

Test(version_range, prerelease_needs_a_prerelease_comparator_of_the_same_release)
{
    cr_assert_not(range_matches(">=1.0, <3", "2.0.0-rc.1"));
    cr_assert_not(range_matches("*", "2.0.0-rc.1"));
    cr_assert(range_matches(">=2.0.0-rc.1", "2.0.0-rc.1"));
    cr_assert(range_matches("==2.0.0-rc.1", "2.0.0-rc.1"));
    cr_assert_not(range_matches(">=1.0.0-rc.1", "2.0.0-rc.1"), "another release's pre-release");
}

Test(version_range, refuses_what_it_cannot_read)
{
    static const char *const bad[] = {"1.0", ">=",     "~1.0",       ">=1.0.0.0",    ">=01.0",
                                      "^1",  ">=1.0,", ">=1.0-rc.1", ">=1.0.0+build"};
    for (size_t i = 0; i < COUNT(bad); i++) {
        struct version_range r;
        char why[256] = "";
        cr_assert_not(version_range_parse(bad[i], &r, why, sizeof why), "'%s' parsed", bad[i]);
        cr_assert(why[0] != '\0', "'%s' refused without a reason", bad[i]);
    }
}

Test(version_rules, pep440_order)
{
    cr_assert(version_compare_pep440("2.0.0rc1", "2.0.0") < 0);
    cr_assert(version_compare_pep440("1.2.0", "2.0.0rc1") < 0);
    cr_assert(version_compare_pep440("1.0", "1.0.0") == 0);
    cr_assert(version_compare_pep440("1.0a1", "1.0b1") < 0);
    cr_assert(version_compare_pep440("1.0.dev1", "1.0a1") < 0);
    cr_assert(version_compare_pep440("1.0.post1", "1.0") > 0);
    cr_assert(version_compare_pep440("1!0.1", "2.0") > 0);
    cr_assert(version_is_pep440_prerelease("2.0.0rc1"));
    cr_assert_not(version_is_pep440_prerelease("2.0.0.post1"));
}

static int load_sets(const char *text, struct package_set_list *list, struct ag_error *err)
{
    struct yaml_doc doc;
    int rc = yaml_doc_load_string(&doc, "sets.yaml", text, strlen(text), err);
    if (rc == AG_OK)
        rc = package_sets_parse(&doc, yaml_map_get(&doc, yaml_doc_root(&doc), "packageSets"), list,
                                err);
    yaml_doc_free(&doc);
    return rc;
}

Test(package_set, refuses_bad_definitions_naming_the_place)
{
    static const struct {
        const char *text;
        const char *says;
    } cases[] = {
        {"packageSets: {s: {packages: {Bad: {versions: {1.0.0: {}}}}}}", "not a set name"},
        {"packageSets: {s: {packages: {a: {versions: {'1.0': {}}}}}}", "not SemVer 2.0"},
        {"packageSets: {s: {packages: {a: {versions: {1.0.0: {}, 1.0.0+b: {}}}}}}",
         "not SemVer 2.0"},
        {"packageSets: {s: {packages: {a: {versions: {1.0.0: {dependencies: [{name: b, range: "
         "'~1'}]}}}}}}",
         "no operator"},
        {"packageSets: {s: {packages: {a: {versions: {1.0.0: {dependencies: [{name: b, kind: "
         "peer}]}}}}}}",
         "kind 'peer' is not known"},
        {"packageSets: {s: {packages: {a: {versions: {1.0.0: {signer: nobody}}}}}}",
         "signer 'nobody' is not known"},
        {"packageSets: {s: {packages: {a: {versions: {1.0.0: {copies: 0}}}}}}", "copies must be"},
        {"packageSets: {s: {packages: {a: {versions: {1.0.0: {colour: red}}}}}}",
         "unknown key 'colour'"},
        {"packageSets: {s: {packages: {a: {versions: {1.0.0: {tags: [1.0.0]}}}}}}",
         "dist-tag '1.0.0' is not valid"},
        {"packageSets: {s: {packages: {a: {versions: {1.0.0: {}}}}, requests: [{package: z}]}}",
         "request for 'z'"},
        {"packageSets: {s: {packages: {a: {versions: {}}}}}", "at least one version"},
        {"packageSets: {s: {packages: {a: {versions: {1.0.0: {dependencies: [{name: b}, {name: "
         "b}]}}}}}}",
         "listed twice"},
        {"packageSets: {s: {packages: {a: {versions: {1.0.0: {provides: [b]}}}, b: {versions: "
         "{1.0.0: {}}}}}}",
         "provides 'b', a package of the set"},
        {"packageSets: {s: {packages: {a: {versions: {1.0.0: {provides: [Virtual]}}}}}}",
         "provided name 'Virtual' is not a set name"},
        {"packageSets: {s: {packages: {a: {versions: {1.0.0: {provides: [v, v]}}}}}}",
         "provided name 'v' is listed twice"},
        {"packageSets: {s: {packages: {a: {versions: {1.0.0: {conflicts: [{name: a}]}}}}}}",
         "conflicts with 'a', which is itself"},
        {"packageSets: {s: {packages: {a: {versions: {1.0.0: {provides: [v], conflicts: [{name: "
         "v}]}}}}}}",
         "conflicts with 'v', which is itself"},
        {"packageSets: {s: {packages: {a: {versions: {1.0.0: {conflicts: [{name: b, range: "
         "'<x'}]}}}}}}",
         "version range '<x'"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct package_set_list list = {0};
        struct ag_error err = {0};
        cr_assert_neq(load_sets(cases[i].text, &list, &err), AG_OK, "case %zu parsed", i);
        cr_assert(strstr(err.message, cases[i].says) != NULL, "case %zu: '%s' lacks '%s'", i,
                  err.message, cases[i].says);
        cr_assert(strncmp(err.message, "sets.yaml:", 10) == 0, "case %zu: no place: %s", i,
                  err.message);
        package_sets_free(&list);
    }
}

static json_t *resolution(json_t *entry, const char *format, size_t index)
{
    return json_array_get(
        json_object_get(json_object_get(json_object_get(entry, "formats"), format), "resolutions"),
        index);
}

static const char *resolved(json_t *r, const char *name)
{
    return json_string_value(json_object_get(json_object_get(r, "resolves"), name));
}

Test(set_expect, resolver_basic_as_pip_and_npm_resolve_it)
{
    struct package_set_list list = {0};
    struct ag_error err = {0};
    cr_assert_eq(package_sets_builtin(&list, &err), AG_OK, "%s", err.message);
    const struct package_set *set = package_set_find(&list, "resolver-basic");
    cr_assert_not_null(set);
    json_t *entry =
        set_manifest_entry(set, generator_registry.items, generator_registry.count, "small", 0);
    for (size_t f = 0; f < 2; f++) {
        const char *format = f ? "npm" : "pypi";
        json_t *app = resolution(entry, format, 0);
        cr_assert_str_eq(resolved(app, "ag-lib-small"), "1.1.0", "%s: ag-app's ag-lib", format);
        cr_assert_str_eq(resolved(resolution(entry, format, 1), "ag-lib-small"), "1.1.0");
        json_t *pinned = resolution(entry, format, 2);
        cr_assert_str_eq(resolved(pinned, "ag-lib-small"), "1.2.0", "a pin picks the yanked one");
        cr_assert_eq(json_array_size(json_object_get(pinned, "notes")), 1, "and says so");
    }
    cr_assert_str_eq(json_string_value(json_object_get(resolution(entry, "pypi", 0), "request")),
                     "ag-app-small");
    cr_assert_str_eq(json_string_value(json_object_get(resolution(entry, "pypi", 2), "request")),
                     "ag-lib-small==1.2.0");
    cr_assert_str_eq(resolved(resolution(entry, "npm", 4), "ag-lib-small"), "2.0.0-rc.1",
                     "npm's next tag");
    cr_assert_str_eq(json_string_value(json_object_get(resolution(entry, "pypi", 4), "outcome")),
                     "not expressible", "pypi has no dist-tags");
    json_t *unexpressed =
        json_object_get(json_object_get(json_object_get(entry, "formats"), "pypi"), "unexpressed");
    cr_assert_gt(json_array_size(unexpressed), 0, "pypi must say it drops the dist-tag");
    json_decref(entry);
    package_sets_free(&list);
}

Test(set_expect, a_missing_dependency_is_reported_not_dropped)
{
    struct package_set_list list = {0};
    struct ag_error err = {0};
    cr_assert_eq(load_sets("packageSets: {s: {packages: {a: {versions: {1.0.0: {dependencies: "
                           "[{name: left-pad, range: '>=1'}, {name: b, range: '>=3'}]}}}, b: "
                           "{versions: {1.0.0: {}}}}, requests: [{package: a}]}}",
                           &list, &err),
                 AG_OK, "%s", err.message);
    json_t *entry = set_manifest_entry(&list.items[0], generator_registry.items,
                                       generator_registry.count, "small", 1);
    json_t *r = resolution(entry, "pypi", 0);
    cr_assert_str_eq(json_string_value(json_object_get(r, "outcome")), "fails");
    char *notes = json_dumps(json_object_get(r, "notes"), 0);
    cr_assert(strstr(notes, "does not provide") != NULL, "%s", notes);
    cr_assert(strstr(notes, "no release matches") != NULL, "%s", notes);
    free(notes);
    json_decref(entry);
    package_sets_free(&list);
}

Test(plan, tier_names)
{
    char *a = plan_tier_name("ag-lib", "Large_X", 0);
    cr_assert_str_eq(a, "ag-lib-large-x");
    free(a);
    a = plan_tier_name("ag-lib", "small", 1);
    cr_assert_str_eq(a, "ag-lib");
    free(a);
}

Test(set_expect, a_format_without_not_equal_resolves_the_wider_range_and_says_so)
{
    struct package_set_list list = {0};
    struct ag_error err = {0};
    cr_assert_eq(load_sets("packageSets: {s: {packages: {a: {versions: {1.0.0: {dependencies: "
                           "[{name: b, range: '>=1, !=1.1.0'}]}}}, b: {versions: {1.0.0: {}, "
                           "1.1.0: {}}}}, requests: [{package: a}]}}",
                           &list, &err),
                 AG_OK, "%s", err.message);
    json_t *entry = set_manifest_entry(&list.items[0], generator_registry.items,
                                       generator_registry.count, "small", 1);
    cr_assert_str_eq(resolved(resolution(entry, "npm", 0), "b"), "1.0.0");
    cr_assert_str_eq(resolved(resolution(entry, "pypi", 0), "b"), "1.0.0");
    json_t *cargo = json_object_get(json_object_get(entry, "formats"), "cargo");
    if (cargo != NULL) {
        cr_assert_str_eq(resolved(resolution(entry, "cargo", 0), "b"), "1.1.0");
        cr_assert_eq(json_array_size(json_object_get(cargo, "unexpressed")), 1);
    }
    json_decref(entry);
    package_sets_free(&list);
}

/* apt installs a package's candidate (its newest release) or a pinned
 * version, never an older one a dependency would rather have; a
 * pre-release is the candidate only where pre-releases are ordered as
 * any version. */
Test(set_expect, a_candidate_only_client_fails_where_the_candidate_is_excluded)
{
    static const struct set_support held = {.features = SET_DEPENDS_RUNTIME | SET_PRERELEASE,
                                            .candidate_only = 1};
    static const struct set_support ordinary = {.features = SET_DEPENDS_RUNTIME | SET_PRERELEASE,
                                                .candidate_only = 1,
                                                .prerelease_ordinary = 1};
    static const struct generator held_gen = {.name = "held", .sets = &held};
    static const struct generator ordinary_gen = {.name = "ordinary", .sets = &ordinary};
    const struct generator *const items[] = {&held_gen, &ordinary_gen};
    struct package_set_list list = {0};
    struct ag_error err = {0};
    cr_assert_eq(package_sets_builtin(&list, &err), AG_OK, "%s", err.message);
    const struct package_set *set = package_set_find(&list, "resolver-basic");
    json_t *entry = set_manifest_entry(set, items, 2, "small", 1);
    json_t *app = resolution(entry, "ordinary", 0);
    cr_assert_str_eq(json_string_value(json_object_get(app, "outcome")), "fails");
    char *notes = json_dumps(json_object_get(app, "notes"), 0);
    cr_assert(strstr(notes, "excludes its candidate") != NULL, "%s", notes);
    free(notes);
    cr_assert_str_eq(resolved(resolution(entry, "ordinary", 1), "ag-lib"), "2.0.0-rc.1",
                     "the newest version is the candidate");
    cr_assert_str_eq(resolved(resolution(entry, "held", 0), "ag-lib"), "1.2.0",
                     "the newest release is the candidate, and in ag-app's range");
    cr_assert_str_eq(resolved(resolution(entry, "held", 1), "ag-lib"), "1.2.0");
    cr_assert_str_eq(resolved(resolution(entry, "held", 2), "ag-lib"), "1.2.0",
                     "a pin installs the pinned version");
    json_decref(entry);
    package_sets_free(&list);
}

/* dnf orders 2.0.0~rc1 as any other version: a bare request takes it,
 * a range whose bound excludes pre-releases does not. */
Test(set_expect, an_ordinary_prerelease_is_taken_by_a_bare_request_only)
{
    static const struct set_support support = {.features = SET_DEPENDS_RUNTIME | SET_PRERELEASE,
                                               .prerelease_ordinary = 1};
    static const struct generator ordinary = {.name = "ordinary", .sets = &support};
    const struct generator *const items[] = {&ordinary};
    struct package_set_list list = {0};
    struct ag_error err = {0};
    cr_assert_eq(package_sets_builtin(&list, &err), AG_OK, "%s", err.message);
    const struct package_set *set = package_set_find(&list, "resolver-basic");
    json_t *entry = set_manifest_entry(set, items, 1, "small", 1);
    cr_assert_str_eq(resolved(resolution(entry, "ordinary", 0), "ag-lib"), "1.2.0",
                     "ag-app's range excludes the pre-release; yanking is not expressed");
    cr_assert_str_eq(resolved(resolution(entry, "ordinary", 1), "ag-lib"), "2.0.0-rc.1",
                     "a bare request takes the newest version");
    json_decref(entry);
    package_sets_free(&list);
}

static const char *outcome(json_t *r)
{
    return json_string_value(json_object_get(r, "outcome"));
}

static int notes_say(json_t *r, const char *text)
{
    char *notes = json_dumps(json_object_get(r, "notes"), 0);
    int found = strstr(notes, text) != NULL;
    free(notes);
    return found;
}

/* Debian's and rpm's clients meet a virtual name with its provider and
 * refuse two packages that conflict; npm, pip and cargo know neither, so
 * the virtual name is a package nobody has and both conflicting
 * packages install. */
Test(set_expect, provides_and_conflicts_where_a_format_has_them_and_where_not)
{
    static const struct set_support apt_like = {
        .features = SET_DEPENDS_RUNTIME | SET_PROVIDES | SET_CONFLICTS, .candidate_only = 1};
    static const struct set_support dnf_like = {.features = SET_DEPENDS_RUNTIME | SET_PROVIDES |
                                                            SET_CONFLICTS};
    static const struct set_support plain = {.features = SET_DEPENDS_RUNTIME};
    static const struct generator apt_gen = {.name = "apt", .sets = &apt_like};
    static const struct generator dnf_gen = {.name = "dnf", .sets = &dnf_like};
    static const struct generator plain_gen = {.name = "plain", .sets = &plain};
    const struct generator *const items[] = {&apt_gen, &dnf_gen, &plain_gen};
    struct package_set_list list = {0};
    struct ag_error err = {0};
    cr_assert_eq(package_sets_builtin(&list, &err), AG_OK, "%s", err.message);
    const struct package_set *set = package_set_find(&list, "relations");
    cr_assert_not_null(set);
    json_t *entry = set_manifest_entry(set, items, 3, "small", 1);
    for (size_t g = 0; g < 2; g++) {
        const char *f = g ? "dnf" : "apt";
        json_t *consumer = resolution(entry, f, 0), *bundle = resolution(entry, f, 1);
        cr_assert_str_eq(outcome(consumer), "resolves", "%s", f);
        cr_assert_str_eq(resolved(consumer, "ag-impl"), "1.0.0", "%s: the provider", f);
        cr_assert_str_eq(outcome(bundle), "fails", "%s", f);
        cr_assert(notes_say(bundle, "ag-new 1.0.0 conflicts with ag-old 1.0.0"), "%s", f);
        cr_assert_str_eq(outcome(resolution(entry, f, 2)), "resolves");
        cr_assert_eq(json_array_size(json_object_get(
                         json_object_get(json_object_get(entry, "formats"), f), "unexpressed")),
                     0);
    }
    json_t *consumer = resolution(entry, "plain", 0), *bundle = resolution(entry, "plain", 1);
    cr_assert_str_eq(outcome(consumer), "fails");
    cr_assert(notes_say(consumer, "a name only a Provides gives"));
    cr_assert_str_eq(outcome(bundle), "resolves", "without Conflicts both install");
    cr_assert_str_eq(resolved(bundle, "ag-old"), "1.0.0");
    cr_assert_eq(json_array_size(json_object_get(
                     json_object_get(json_object_get(entry, "formats"), "plain"), "unexpressed")),
                 2, "the provides and the conflict are said");
    json_decref(entry);
    package_sets_free(&list);
}

/* What a client may settle otherwise is not predicted: two providers of
 * one name, or a conflict another version of a package would avoid
 * (dnf backtracks; apt takes the candidate and fails). */
Test(set_expect, several_providers_and_avoidable_conflicts_are_not_predicted)
{
    static const struct set_support apt_like = {
        .features = SET_DEPENDS_RUNTIME | SET_PROVIDES | SET_CONFLICTS, .candidate_only = 1};
    static const struct set_support dnf_like = {.features = SET_DEPENDS_RUNTIME | SET_PROVIDES |
                                                            SET_CONFLICTS};
    static const struct generator apt_gen = {.name = "apt", .sets = &apt_like};
    static const struct generator dnf_gen = {.name = "dnf", .sets = &dnf_like};
    const struct generator *const items[] = {&apt_gen, &dnf_gen};
    struct package_set_list list = {0};
    struct ag_error err = {0};
    cr_assert_eq(load_sets("packageSets: {s: {packages: {"
                           "p1: {versions: {1.0.0: {provides: [v]}}}, "
                           "p2: {versions: {1.0.0: {provides: [v]}}}, "
                           "c: {versions: {1.0.0: {dependencies: [{name: v}]}}}, "
                           "old: {versions: {1.0.0: {}, 2.0.0: {}}}, "
                           "new: {versions: {1.0.0: {conflicts: [{name: old, range: '>=2'}]}}}, "
                           "both: {versions: {1.0.0: {dependencies: [{name: new}, {name: old}]}}}"
                           "}, requests: [{package: c}, {package: both}]}}",
                           &list, &err),
                 AG_OK, "%s", err.message);
    json_t *entry = set_manifest_entry(&list.items[0], items, 2, "small", 1);
    json_t *c = resolution(entry, "dnf", 0);
    cr_assert_str_eq(outcome(c), "not predicted");
    cr_assert(notes_say(c, "which 2 packages provide"));
    cr_assert_str_eq(outcome(resolution(entry, "dnf", 1)), "not predicted",
                     "old 1.0.0 would avoid the conflict");
    cr_assert_str_eq(outcome(resolution(entry, "apt", 1)), "fails", "apt takes the candidate");
    json_decref(entry);
    package_sets_free(&list);
}
