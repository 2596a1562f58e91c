/* Package sets as the configuration, a --set-file or the built-in list
 * describes them: read and checked here, translated by each generator. */
#include "common/package_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/version_rules.h"
#include "common/yaml_doc.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* At most this many releases in one set: a set is a fixture, and every
 * release becomes a package of every chosen format. */
#define SET_RELEASES_MAX 1000

static const char *const kind_names[] = {"runtime", "dev", "optional"};
static const char *const persona_names[] = {"project", "wrong-signer", "unsigned", "other-bytes"};

const char *dependency_kind_name(enum dependency_kind kind)
{
    return kind_names[kind];
}

const char *signer_persona_name(enum signer_persona persona)
{
    return persona_names[persona];
}

enum signer_persona signer_persona_named(const char *name)
{
    for (size_t i = 1; name && i < sizeof persona_names / sizeof persona_names[0]; i++)
        if (strcmp(name, persona_names[i]) == 0)
            return (enum signer_persona)i;
    return PERSONA_PROJECT;
}

/* Names every format can carry: lowercase letters, digits and single
 * '-' between them (npm, PyPI, crates, Debian, rpm, maven, go and OCI
 * all accept these), so the set's generator rules never disagree. */
static int set_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64 || name[0] == '-' || name[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
        if (c == '-' && name[i + 1] == '-')
            return 0;
    }
    return 1;
}

static int load_name(struct yaml_doc *doc, yaml_node_t *node, const char *text, const char *what,
                     struct ag_error *err)
{
    if (text == NULL || !set_name_ok(text))
        return yaml_node_error(doc, node, err,
                               "%s '%s' is not a set name (valid: 1 to 64 lowercase letters, "
                               "digits and single '-' inside, such as ag-lib)",
                               what, text ? text : "");
    return AG_OK;
}

static int load_range(struct yaml_doc *doc, yaml_node_t *node, const char *text,
                      struct version_range *range, struct ag_error *err)
{
    char why[256];
    if (!version_range_parse(text, range, why, sizeof why))
        return yaml_node_error(doc, node, err, "version range '%s': %s", text, why);
    return AG_OK;
}

static int load_dependency(struct yaml_doc *doc, yaml_node_t *node, struct set_dependency *dep,
                           struct ag_error *err)
{
    static const char *const keys[] = {"name", "range", "kind"};
    char *range = NULL, *kind = NULL;
    if (yaml_expect_type(doc, node, YAML_MAPPING_NODE, "a dependency", err) ||
        yaml_check_keys(doc, node, keys, COUNT(keys), "a dependency", err) ||
        yaml_get_string(doc, node, "name", 1, &dep->name, err) ||
        yaml_get_string(doc, node, "range", 0, &range, err) ||
        yaml_get_string(doc, node, "kind", 0, &kind, err))
        goto out;
    if (load_name(doc, yaml_map_get(doc, node, "name"), dep->name, "dependency", err) != AG_OK ||
        load_range(doc, node, range ? range : "*", &dep->range, err) != AG_OK)
        goto out;
    dep->kind = DEPENDENCY_RUNTIME;
    if (kind != NULL) {
        size_t k = 0;
        while (k < COUNT(kind_names) && strcmp(kind_names[k], kind) != 0)
            k++;
        if (k == COUNT(kind_names)) {
            yaml_node_error(doc, yaml_map_get(doc, node, "kind"), err,
                            "dependency kind '%s' is not known (valid: runtime, dev, optional)",
                            kind);
            goto out;
        }
        dep->kind = (enum dependency_kind)k;
    }
out:
    free(range);
    free(kind);
    return err->status;
}

/* A list of dependencies (or of conflicts: the same name and range) under key. */
static int load_relations(struct yaml_doc *doc, yaml_node_t *node, const char *key,
                          const char *what, struct set_dependency **out, size_t *count,
                          struct ag_error *err)
{
    yaml_node_t *list = yaml_map_get(doc, node, key);
    if (list == NULL || yaml_is_null(list))
        return AG_OK;
    if (yaml_expect_type(doc, list, YAML_SEQUENCE_NODE, key, err) != AG_OK)
        return err->status;
    size_t n = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
    *out = xcalloc(n + 1, sizeof **out);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = yaml_document_get_node(&doc->doc, list->data.sequence.items.start[i]);
        (*count)++;
        if (load_dependency(doc, item, &(*out)[i], err) != AG_OK)
            return err->status;
        for (size_t j = 0; j < i; j++)
            if (strcmp((*out)[j].name, (*out)[i].name) == 0)
                return yaml_node_error(doc, item, err, "%s '%s' is listed twice", what,
                                       (*out)[i].name);
    }
    return AG_OK;
}

static int load_release(struct yaml_doc *doc, yaml_node_t *key, yaml_node_t *node,
                        struct set_release *rel, struct ag_error *err)
{
    static const char *const keys[] = {"yanked", "tags",     "dependencies", "copies",
                                       "signer", "provides", "conflicts"};
    rel->version = xstrdup(yaml_scalar(key));
    rel->copies = 1;
    if (!version_is_semver(rel->version) || strchr(rel->version, '+') != NULL)
        return yaml_node_error(doc, key, err,
                               "version '%s' is not SemVer 2.0 without build metadata (valid: "
                               "MAJOR.MINOR.PATCH[-pre-release], such as 1.2.0 or 2.0.0-rc.1)",
                               rel->version);
    if (yaml_is_null(node))
        return AG_OK;
    char what[160];
    snprintf(what, sizeof what, "version %s", rel->version);
    if (yaml_expect_type(doc, node, YAML_MAPPING_NODE, what, err) ||
        yaml_check_keys(doc, node, keys, COUNT(keys), what, err) ||
        yaml_get_string_list(doc, node, "tags", &rel->tags, &rel->tag_count, err) ||
        yaml_get_string_list(doc, node, "provides", &rel->provides, &rel->provide_count, err))
        return err->status;
    for (size_t i = 0; i < rel->provide_count; i++) {
        if (load_name(doc, yaml_map_get(doc, node, "provides"), rel->provides[i], "provided name",
                      err) != AG_OK)
            return err->status;
        for (size_t j = 0; j < i; j++)
            if (strcmp(rel->provides[j], rel->provides[i]) == 0)
                return yaml_node_error(doc, yaml_map_get(doc, node, "provides"), err,
                                       "provided name '%s' is listed twice", rel->provides[i]);
    }
    yaml_node_t *yanked = yaml_map_get(doc, node, "yanked");
    if (yanked != NULL) {
        const char *v = yaml_scalar(yanked);
        if (v == NULL)
            return yaml_node_error(doc, yanked, err,
                                   "yanked must be true, false or the reason as a string");
        if (strcmp(v, "false") != 0)
            rel->yanked = xstrdup(strcmp(v, "true") == 0 ? "" : v);
    }
    for (size_t i = 0; i < rel->tag_count; i++)
        if (!set_name_ok(rel->tags[i]) || version_is_semver(rel->tags[i]))
            return yaml_node_error(doc, yaml_map_get(doc, node, "tags"), err,
                                   "dist-tag '%s' is not valid (valid: lowercase letters, "
                                   "digits and '-', not a version, such as next or beta)",
                                   rel->tags[i]);
    uint64_t copies = 1;
    if (yaml_get_u64(doc, node, "copies", &copies, err) != AG_OK)
        return err->status;
    if (copies < 1 || copies > 9)
        return yaml_node_error(doc, yaml_map_get(doc, node, "copies"), err,
                               "copies must be 1 to 9 (the later copies republish the version "
                               "with other bytes)");
    rel->copies = (unsigned)copies;
    char *signer = NULL;
    if (yaml_get_string(doc, node, "signer", 0, &signer, err) != AG_OK)
        return err->status;
    if (signer != NULL) {
        size_t k = 0;
        while (k < COUNT(persona_names) && strcmp(persona_names[k], signer) != 0)
            k++;
        int bad = k == COUNT(persona_names);
        if (bad)
            yaml_node_error(doc, yaml_map_get(doc, node, "signer"), err,
                            "signer '%s' is not known (valid: project, wrong-signer, unsigned, "
                            "other-bytes)",
                            signer);
        free(signer);
        if (bad)
            return err->status;
        rel->signer = (enum signer_persona)k;
    }
    if (load_relations(doc, node, "dependencies", "dependency", &rel->dependencies,
                       &rel->dependency_count, err) != AG_OK)
        return err->status;
    return load_relations(doc, node, "conflicts", "conflict", &rel->conflicts, &rel->conflict_count,
                          err);
}

static int load_package(struct yaml_doc *doc, yaml_node_t *key, yaml_node_t *node,
                        struct set_package *pkg, struct ag_error *err)
{
    static const char *const keys[] = {"versions"};
    pkg->name = xstrdup(yaml_scalar(key) ? yaml_scalar(key) : "");
    if (load_name(doc, key, pkg->name, "package", err) != AG_OK)
        return err->status;
    char what[160];
    snprintf(what, sizeof what, "package %s", pkg->name);
    if (yaml_expect_type(doc, node, YAML_MAPPING_NODE, what, err) ||
        yaml_check_keys(doc, node, keys, COUNT(keys), what, err))
        return err->status;
    yaml_node_t *versions = yaml_map_get(doc, node, "versions");
    if (versions == NULL)
        return yaml_node_error(doc, node, err, "%s: missing required key 'versions'", what);
    snprintf(what, sizeof what, "versions of package %s", pkg->name);
    if (yaml_expect_type(doc, versions, YAML_MAPPING_NODE, what, err) != AG_OK)
        return err->status;
    size_t n = (size_t)(versions->data.mapping.pairs.top - versions->data.mapping.pairs.start);
    if (n == 0)
        return yaml_node_error(doc, versions, err, "%s: at least one version", what);
    pkg->releases = xcalloc(n, sizeof *pkg->releases);
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *p = &versions->data.mapping.pairs.start[i];
        yaml_node_t *vkey = yaml_document_get_node(&doc->doc, p->key);
        yaml_node_t *value = yaml_document_get_node(&doc->doc, p->value);
        if (yaml_scalar(vkey) == NULL)
            return yaml_node_error(doc, vkey, err, "%s: keys must be versions", what);
        pkg->release_count++;
        if (load_release(doc, vkey, value, &pkg->releases[i], err) != AG_OK)
            return err->status;
        for (size_t j = 0; j < i; j++)
            if (version_compare_semver(pkg->releases[j].version, pkg->releases[i].version) == 0)
                return yaml_node_error(doc, vkey, err,
                                       "%s: version %s is given twice (for the same version "
                                       "with other bytes, say copies: 2)",
                                       what, pkg->releases[i].version);
    }
    return AG_OK;
}

static int load_request(struct yaml_doc *doc, yaml_node_t *node, const struct package_set *set,
                        struct set_request *req, struct ag_error *err)
{
    static const char *const keys[] = {"package", "range", "tag"};
    char *range = NULL;
    if (yaml_expect_type(doc, node, YAML_MAPPING_NODE, "a request", err) ||
        yaml_check_keys(doc, node, keys, COUNT(keys), "a request", err) ||
        yaml_get_string(doc, node, "package", 1, &req->package, err) ||
        yaml_get_string(doc, node, "range", 0, &range, err) ||
        yaml_get_string(doc, node, "tag", 0, &req->tag, err)) {
        free(range);
        return err->status;
    }
    int rc = AG_OK;
    if (range && req->tag)
        rc = yaml_node_error(doc, node, err, "a request gives a range or a tag, not both");
    else if (package_set_package(set, req->package) == NULL)
        rc = yaml_node_error(doc, node, err, "request for '%s', which the set does not hold",
                             req->package);
    else
        rc = load_range(doc, node, range ? range : "*", &req->range, err);
    free(range);
    return rc;
}

/* What needs the whole set: a provided name is virtual (no package of
 * the set has it), and a package does not conflict with itself. */
static int check_relations(struct yaml_doc *doc, yaml_node_t *key, const struct package_set *set,
                           const struct set_package *pkg, struct ag_error *err)
{
    for (size_t r = 0; r < pkg->release_count; r++) {
        const struct set_release *rel = &pkg->releases[r];
        for (size_t v = 0; v < rel->provide_count; v++)
            if (package_set_package(set, rel->provides[v]) != NULL)
                return yaml_node_error(doc, key, err,
                                       "package %s %s provides '%s', a package of the set (valid: "
                                       "a virtual name, which no package of the set has)",
                                       pkg->name, rel->version, rel->provides[v]);
        for (size_t c = 0; c < rel->conflict_count; c++)
            if (strcmp(rel->conflicts[c].name, pkg->name) == 0 ||
                set_release_provides(rel, rel->conflicts[c].name))
                return yaml_node_error(doc, key, err,
                                       "package %s %s conflicts with '%s', which is itself "
                                       "(valid: another package of the set, or a name another "
                                       "provides)",
                                       pkg->name, rel->version, rel->conflicts[c].name);
    }
    return AG_OK;
}

static int load_set(struct yaml_doc *doc, yaml_node_t *key, yaml_node_t *node,
                    struct package_set *set, struct ag_error *err)
{
    static const char *const keys[] = {"summary", "packages", "requests"};
    set->name = xstrdup(yaml_scalar(key) ? yaml_scalar(key) : "");
    set->where =
        xasprintf("%s:%zu:%zu", doc->file, key->start_mark.line + 1, key->start_mark.column + 1);
    if (load_name(doc, key, set->name, "package set", err) != AG_OK)
        return err->status;
    char what[160];
    snprintf(what, sizeof what, "package set %s", set->name);
    if (yaml_expect_type(doc, node, YAML_MAPPING_NODE, what, err) ||
        yaml_check_keys(doc, node, keys, COUNT(keys), what, err) ||
        yaml_get_string(doc, node, "summary", 0, &set->summary, err))
        return err->status;
    yaml_node_t *packages = yaml_map_get(doc, node, "packages");
    if (packages == NULL)
        return yaml_node_error(doc, node, err, "%s: missing required key 'packages'", what);
    if (yaml_expect_type(doc, packages, YAML_MAPPING_NODE, "packages", err) != AG_OK)
        return err->status;
    size_t n = (size_t)(packages->data.mapping.pairs.top - packages->data.mapping.pairs.start);
    if (n == 0)
        return yaml_node_error(doc, packages, err, "%s: at least one package", what);
    set->packages = xcalloc(n, sizeof *set->packages);
    size_t releases = 0;
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *p = &packages->data.mapping.pairs.start[i];
        yaml_node_t *pkey = yaml_document_get_node(&doc->doc, p->key);
        set->package_count++;
        if (load_package(doc, pkey, yaml_document_get_node(&doc->doc, p->value), &set->packages[i],
                         err) != AG_OK)
            return err->status;
        for (size_t j = 0; j < i; j++)
            if (strcmp(set->packages[j].name, set->packages[i].name) == 0)
                return yaml_node_error(doc, pkey, err, "%s: package %s is given twice", what,
                                       set->packages[i].name);
        for (size_t r = 0; r < set->packages[i].release_count; r++)
            releases += set->packages[i].releases[r].copies;
    }
    for (size_t i = 0; i < n; i++)
        if (check_relations(
                doc, yaml_document_get_node(&doc->doc, packages->data.mapping.pairs.start[i].key),
                set, &set->packages[i], err) != AG_OK)
            return err->status;
    if (releases > SET_RELEASES_MAX)
        return yaml_node_error(doc, packages, err, "%s holds %zu releases; at most %d", what,
                               releases, SET_RELEASES_MAX);
    yaml_node_t *requests = yaml_map_get(doc, node, "requests");
    if (requests == NULL || yaml_is_null(requests))
        return AG_OK;
    if (yaml_expect_type(doc, requests, YAML_SEQUENCE_NODE, "requests", err) != AG_OK)
        return err->status;
    n = (size_t)(requests->data.sequence.items.top - requests->data.sequence.items.start);
    set->requests = xcalloc(n + 1, sizeof *set->requests);
    for (size_t i = 0; i < n; i++) {
        set->request_count++;
        if (load_request(doc,
                         yaml_document_get_node(&doc->doc, requests->data.sequence.items.start[i]),
                         set, &set->requests[i], err) != AG_OK)
            return err->status;
    }
    return AG_OK;
}

int package_sets_parse(struct yaml_doc *doc, void *node_ptr, struct package_set_list *list,
                       struct ag_error *err)
{
    yaml_node_t *node = node_ptr;
    if (yaml_expect_type(doc, node, YAML_MAPPING_NODE, "packageSets", err) != AG_OK)
        return err->status;
    size_t n = (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
    list->items = xrealloc(list->items, (list->count + n + 1) * sizeof *list->items);
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *p = &node->data.mapping.pairs.start[i];
        yaml_node_t *key = yaml_document_get_node(&doc->doc, p->key);
        struct package_set *set = &list->items[list->count++];
        memset(set, 0, sizeof *set);
        if (load_set(doc, key, yaml_document_get_node(&doc->doc, p->value), set, err) != AG_OK)
            return err->status;
        for (size_t j = 0; j + 1 < list->count; j++)
            if (strcmp(list->items[j].name, set->name) == 0)
                return yaml_node_error(doc, key, err, "package set %s is given twice", set->name);
    }
    return AG_OK;
}

static int load_text(const char *name, const char *text, size_t len, int from_file,
                     struct package_set_list *list, struct ag_error *err)
{
    struct yaml_doc doc;
    int rc = from_file ? yaml_doc_load(&doc, name, err)
                       : yaml_doc_load_string(&doc, name, text, len, err);
    if (rc != AG_OK) {
        yaml_doc_free(&doc);
        return rc;
    }
    static const char *const keys[] = {"packageSets"};
    yaml_node_t *root = yaml_doc_root(&doc);
    if (yaml_expect_type(&doc, root, YAML_MAPPING_NODE, "a package set file", err) ||
        yaml_check_keys(&doc, root, keys, COUNT(keys), "a package set file", err))
        rc = err->status;
    yaml_node_t *sets = rc == AG_OK ? yaml_map_get(&doc, root, "packageSets") : NULL;
    if (rc == AG_OK && sets == NULL)
        rc = yaml_node_error(&doc, root, err, "missing required key 'packageSets'");
    if (rc == AG_OK)
        rc = package_sets_parse(&doc, sets, list, err);
    yaml_doc_free(&doc);
    return rc;
}

int package_sets_load_file(const char *path, struct package_set_list *list, struct ag_error *err)
{
    return load_text(path, NULL, 0, 1, list, err);
}

/* The sets every build ships: the fixtures registry and resolver tests
 * reach for first. */
static const char builtin_sets[] =
    "packageSets:\n"
    "  resolver-basic:\n"
    "    summary: a library with a yanked and a pre-release version, and an app that needs it\n"
    "    packages:\n"
    "      ag-lib:\n"
    "        versions:\n"
    "          1.0.0: {}\n"
    "          1.1.0: {}\n"
    "          1.2.0: {yanked: 'broken release, do not use'}\n"
    "          2.0.0-rc.1: {tags: [next]}\n"
    "      ag-app:\n"
    "        versions:\n"
    "          1.0.0:\n"
    "            dependencies:\n"
    "              - {name: ag-lib, range: '>=1.0, <2'}\n"
    "    requests:\n"
    "      - {package: ag-app}\n"
    "      - {package: ag-lib}\n"
    "      - {package: ag-lib, range: '==1.2.0'}\n"
    "      - {package: ag-lib, tag: latest}\n"
    "      - {package: ag-lib, tag: next}\n"
    "  relations:\n"
    "    summary: a virtual name one package provides and another needs, and two packages "
    "that conflict\n"
    "    packages:\n"
    "      ag-impl:\n"
    "        versions: {1.0.0: {provides: [ag-virtual]}}\n"
    "      ag-consumer:\n"
    "        versions:\n"
    "          1.0.0:\n"
    "            dependencies: [{name: ag-virtual, range: '>=1.0'}]\n"
    "      ag-old:\n"
    "        versions: {1.0.0: {}}\n"
    "      ag-new:\n"
    "        versions:\n"
    "          1.0.0:\n"
    "            conflicts: [{name: ag-old, range: '<2'}]\n"
    "      ag-bundle:\n"
    "        versions:\n"
    "          1.0.0:\n"
    "            dependencies: [{name: ag-new}, {name: ag-old}]\n"
    "    requests:\n"
    "      - {package: ag-consumer}\n"
    "      - {package: ag-bundle}\n"
    "      - {package: ag-new}\n"
    "  republish:\n"
    "    summary: one name and version published twice with different bytes\n"
    "    packages:\n"
    "      ag-dup:\n"
    "        versions:\n"
    "          1.0.0: {copies: 2}\n"
    "  signers:\n"
    "    summary: signed by the project key, by a key keys/ does not publish, unsigned, and "
    "over other bytes\n"
    "    packages:\n"
    "      ag-signed:\n"
    "        versions: {1.0.0: {signer: project}}\n"
    "      ag-wrong-signer:\n"
    "        versions: {1.0.0: {signer: wrong-signer}}\n"
    "      ag-unsigned:\n"
    "        versions: {1.0.0: {signer: unsigned}}\n"
    "      ag-other-bytes:\n"
    "        versions: {1.0.0: {signer: other-bytes}}\n";

int package_sets_builtin(struct package_set_list *list, struct ag_error *err)
{
    return load_text("(built-in sets)", builtin_sets, sizeof builtin_sets - 1, 0, list, err);
}

int package_sets_merge(struct package_set_list *dst, struct package_set_list *src,
                       struct ag_error *err)
{
    for (size_t i = 0; i < src->count; i++)
        for (size_t j = 0; j < dst->count; j++)
            if (strcmp(src->items[i].name, dst->items[j].name) == 0)
                return ag_error_set(err, AG_USAGE,
                                    "%s: package set %s is defined again (first at %s)",
                                    src->items[i].where, src->items[i].name, dst->items[j].where);
    dst->items = xrealloc(dst->items, (dst->count + src->count + 1) * sizeof *dst->items);
    memcpy(dst->items + dst->count, src->items, src->count * sizeof *src->items);
    dst->count += src->count;
    free(src->items);
    src->items = NULL;
    src->count = 0;
    return AG_OK;
}

const struct package_set *package_set_find(const struct package_set_list *list, const char *name)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i].name, name) == 0)
            return &list->items[i];
    return NULL;
}

const struct set_package *package_set_package(const struct package_set *set, const char *name)
{
    for (size_t i = 0; i < set->package_count; i++)
        if (set->packages[i].name && strcmp(set->packages[i].name, name) == 0)
            return &set->packages[i];
    return NULL;
}

int set_release_provides(const struct set_release *rel, const char *name)
{
    for (size_t v = 0; v < rel->provide_count; v++)
        if (strcmp(rel->provides[v], name) == 0)
            return 1;
    return 0;
}

int package_set_provides(const struct package_set *set, const char *name)
{
    for (size_t i = 0; i < set->package_count; i++)
        for (size_t r = 0; r < set->packages[i].release_count; r++)
            if (set_release_provides(&set->packages[i].releases[r], name))
                return 1;
    return 0;
}

static void relations_free(struct set_dependency *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(list[i].name);
        version_range_free(&list[i].range);
    }
    free(list);
}

static void release_free(struct set_release *rel)
{
    free(rel->version);
    free(rel->yanked);
    string_list_free(rel->tags, rel->tag_count);
    string_list_free(rel->provides, rel->provide_count);
    relations_free(rel->dependencies, rel->dependency_count);
    relations_free(rel->conflicts, rel->conflict_count);
}

void package_sets_free(struct package_set_list *list)
{
    for (size_t s = 0; s < list->count; s++) {
        struct package_set *set = &list->items[s];
        for (size_t p = 0; p < set->package_count; p++) {
            for (size_t r = 0; r < set->packages[p].release_count; r++)
                release_free(&set->packages[p].releases[r]);
            free(set->packages[p].releases);
            free(set->packages[p].name);
        }
        free(set->packages);
        for (size_t r = 0; r < set->request_count; r++) {
            free(set->requests[r].package);
            free(set->requests[r].tag);
            version_range_free(&set->requests[r].range);
        }
        free(set->requests);
        free(set->name);
        free(set->summary);
        free(set->where);
    }
    free(list->items);
    list->items = NULL;
    list->count = 0;
}
