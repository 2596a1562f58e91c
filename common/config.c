#include "common/config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/suggest.h"
#include "common/units.h"
#include "common/yaml_doc.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static char *resolve_path(const struct config *config, const char *path)
{
    if (path[0] == '/')
        return xstrdup(path);
    return xasprintf("%s/%s", config->base_dir, path);
}

/* Walks the pairs of a mapping node, calling fn with each key and value. */
typedef int (*pair_fn)(struct yaml_doc *doc, const char *key, yaml_node_t *keynode,
                       yaml_node_t *value, struct config *config, struct ag_error *err);

static int each_pair(struct yaml_doc *doc, yaml_node_t *map, const char *what, pair_fn fn,
                     struct config *config, struct ag_error *err)
{
    if (yaml_expect_type(doc, map, YAML_MAPPING_NODE, what, err) != AG_OK)
        return err->status;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *key = yaml_document_get_node(&doc->doc, p->key);
        yaml_node_t *value = yaml_document_get_node(&doc->doc, p->value);
        if (yaml_scalar(key) == NULL)
            return yaml_node_error(doc, key, err, "keys of %s must be scalars", what);
        if (fn(doc, yaml_scalar(key), key, value, config, err) != AG_OK)
            return err->status;
    }
    return AG_OK;
}

static int check_name(struct yaml_doc *doc, yaml_node_t *node, const char *name, const char *what,
                      struct ag_error *err)
{
    for (const char *c = name; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_'))
            return yaml_node_error(doc, node, err,
                                   "%s name '%s' may hold only letters, digits, '-' and '_'", what,
                                   name);
    }
    return *name ? AG_OK : yaml_node_error(doc, node, err, "%s name is empty", what);
}

static int load_size(struct yaml_doc *doc, const char *name, yaml_node_t *key, yaml_node_t *value,
                     struct config *config, struct ag_error *err)
{
    static const char *const keys[] = {"maxSize", "dataFile"};
    static const char *const data_keys[] = {"size", "random"};
    char what[160];
    snprintf(what, sizeof what, "size tier '%s'", name);
    if (check_name(doc, key, name, "size tier", err) != AG_OK ||
        yaml_expect_type(doc, value, YAML_MAPPING_NODE, what, err) != AG_OK ||
        yaml_check_keys(doc, value, keys, COUNT(keys), what, err) != AG_OK)
        return err->status;
    const struct size_tier *earlier = config_find_size(config, name);
    if (earlier != NULL)
        return yaml_node_error(doc, key, err, "size tier '%s' is defined twice (first in %s)", name,
                               earlier->source);
    struct size_tier tier = {0};
    char *max = NULL;
    if (yaml_get_string(doc, value, "maxSize", 1, &max, err) != AG_OK)
        return err->status;
    char field[200];
    snprintf(field, sizeof field, "%s:%zu: %s maxSize", doc->file, key->start_mark.line + 1, what);
    int rc = parse_size(max, field, &tier.max_size, err);
    free(max);
    if (rc != AG_OK)
        return rc;
    yaml_node_t *data = yaml_map_get(doc, value, "dataFile");
    if (!yaml_is_null(data)) {
        char *size = NULL;
        snprintf(what, sizeof what, "dataFile of size tier '%s'", name);
        if (yaml_expect_type(doc, data, YAML_MAPPING_NODE, what, err) != AG_OK ||
            yaml_check_keys(doc, data, data_keys, COUNT(data_keys), what, err) != AG_OK ||
            yaml_get_string(doc, data, "size", 1, &size, err) != AG_OK)
            return err->status;
        snprintf(field, sizeof field, "%s:%zu: %s size", doc->file, data->start_mark.line + 1,
                 what);
        rc = parse_size(size, field, &tier.data_size, err);
        free(size);
        tier.random = 1;
        if (rc != AG_OK || yaml_get_bool(doc, data, "random", &tier.random, err) != AG_OK)
            return err->status;
        if (!tier.random)
            return yaml_node_error(doc, data, err,
                                   "%s: random: false is not supported; data files are "
                                   "incompressible seeded bytes (random: true)",
                                   what);
        if (tier.data_size > tier.max_size) {
            char data_text[32], max_text[32];
            format_size(tier.data_size, data_text, sizeof data_text);
            format_size(tier.max_size, max_text, sizeof max_text);
            return yaml_node_error(doc, data, err,
                                   "%s: size %s exceeds the tier's maxSize %s; the data file "
                                   "must fit in the tier",
                                   what, data_text, max_text);
        }
    }
    tier.name = xstrdup(name);
    tier.source = xstrdup(doc->file);
    config->sizes = xrealloc(config->sizes, (config->size_count + 1) * sizeof tier);
    config->sizes[config->size_count++] = tier;
    return AG_OK;
}

static int load_profile(struct yaml_doc *doc, const char *name, yaml_node_t *key,
                        yaml_node_t *value, struct config *config, struct ag_error *err)
{
    static const char *const keys[] = {"services", "isSmoke", "dependencies", "formats"};
    char what[160];
    snprintf(what, sizeof what, "profile '%s'", name);
    if (check_name(doc, key, name, "profile", err) != AG_OK ||
        yaml_expect_type(doc, value, YAML_MAPPING_NODE, what, err) != AG_OK ||
        yaml_check_keys(doc, value, keys, COUNT(keys), what, err) != AG_OK)
        return err->status;
    config->profiles =
        xrealloc(config->profiles, (config->profile_count + 1) * sizeof *config->profiles);
    struct profile *p = &config->profiles[config->profile_count++];
    memset(p, 0, sizeof *p);
    p->name = xstrdup(name);
    if (yaml_get_string_list(doc, value, "services", &p->services, &p->service_count, err) ||
        yaml_get_bool(doc, value, "isSmoke", &p->is_smoke, err) ||
        yaml_get_string_list(doc, value, "dependencies", &p->dependencies, &p->dependency_count,
                             err) ||
        yaml_get_string_list(doc, value, "formats", &p->formats, &p->format_count, err))
        return err->status;
    if (p->format_count == 0)
        return yaml_node_error(doc, value, err, "%s: 'formats' must list at least one format",
                               what);
    return AG_OK;
}

/* The format's own package options: every key beyond the common ones,
 * a string each, checked later by the generator that declares them. */
static int load_package_fields(struct yaml_doc *doc, yaml_node_t *package,
                               const char *const *common, size_t common_count, const char *what,
                               struct asset_template *t, struct ag_error *err)
{
    for (yaml_node_pair_t *p = package->data.mapping.pairs.start;
         p < package->data.mapping.pairs.top; p++) {
        yaml_node_t *key = yaml_document_get_node(&doc->doc, p->key);
        yaml_node_t *val = yaml_document_get_node(&doc->doc, p->value);
        const char *k = yaml_scalar(key);
        int is_common = 0;
        for (size_t i = 0; k && i < common_count; i++)
            is_common = is_common || strcmp(k, common[i]) == 0;
        if (is_common)
            continue;
        /* A typo of a common key is that, not a field of the format. */
        if (k != NULL && suggest_nearest(k, common, common_count) != NULL) {
            char hint[640];
            suggest_hint(k, common, common_count, hint, sizeof hint);
            return yaml_node_error(doc, key, err, "unknown key '%s' in %s%s", k, what, hint);
        }
        if (k == NULL || yaml_scalar(val) == NULL)
            return yaml_node_error(doc, k ? val : key, err,
                                   "%s: field '%s' must be a key with a string value", what,
                                   k ? k : "?");
        for (size_t i = 0; i < t->field_count; i++)
            if (strcmp(t->fields[i].key, k) == 0)
                return yaml_node_error(doc, key, err, "%s: field '%s' is given twice", what, k);
        t->fields = xrealloc(t->fields, (t->field_count + 1) * sizeof *t->fields);
        struct config_field *f = &t->fields[t->field_count++];
        f->key = xstrdup(k);
        f->value = xstrdup(yaml_scalar(val));
        f->where = xasprintf("%s:%zu:%zu", doc->file, key->start_mark.line + 1,
                             key->start_mark.column + 1);
    }
    return AG_OK;
}

static int load_template(struct yaml_doc *doc, const char *name, yaml_node_t *key,
                         yaml_node_t *value, struct config *config, struct ag_error *err)
{
    static const char *const keys[] = {"format",    "templateDir",   "generator",
                                       "sizeTiers", "outputPattern", "package"};
    static const char *const package_keys[] = {"name", "version", "description"};
    char what[160];
    snprintf(what, sizeof what, "asset template '%s'", name);
    if (check_name(doc, key, name, "asset template", err) != AG_OK ||
        yaml_expect_type(doc, value, YAML_MAPPING_NODE, what, err) != AG_OK ||
        yaml_check_keys(doc, value, keys, COUNT(keys), what, err) != AG_OK)
        return err->status;
    config->templates =
        xrealloc(config->templates, (config->template_count + 1) * sizeof *config->templates);
    struct asset_template *t = &config->templates[config->template_count++];
    memset(t, 0, sizeof *t);
    char *dir = NULL;
    if (yaml_get_string(doc, value, "format", 1, &t->format, err) ||
        yaml_get_string(doc, value, "templateDir", 1, &dir, err) ||
        yaml_get_string(doc, value, "generator", 1, &t->generator, err) ||
        yaml_get_string_list(doc, value, "sizeTiers", &t->size_tiers, &t->size_tier_count, err) ||
        yaml_get_string(doc, value, "outputPattern", 1, &t->output_pattern, err)) {
        free(dir);
        return err->status;
    }
    t->template_dir = resolve_path(config, dir);
    free(dir);
    if (strcmp(t->format, name) != 0)
        return yaml_node_error(doc, value, err, "%s: format '%s' must equal its key '%s'", what,
                               t->format, name);
    yaml_node_t *package = yaml_map_get(doc, value, "package");
    snprintf(what, sizeof what, "package of asset template '%s'", name);
    if (yaml_expect_type(doc, package, YAML_MAPPING_NODE, what, err) ||
        load_package_fields(doc, package, package_keys, COUNT(package_keys), what, t, err) ||
        yaml_get_string(doc, package, "name", 1, &t->package_name, err) ||
        yaml_get_string(doc, package, "version", 1, &t->package_version, err) ||
        yaml_get_string(doc, package, "description", 0, &t->description, err))
        return err->status;
    if (t->description == NULL)
        t->description = xasprintf("assetgen test package for %s", name);
    return AG_OK;
}

static char *trigger_text(struct yaml_doc *doc, yaml_node_t *node)
{
    if (yaml_scalar(node) != NULL)
        return xstrdup(yaml_scalar(node));
    char text[256] = "";
    if (node != NULL && node->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
             p++) {
            const char *k = yaml_scalar(yaml_document_get_node(&doc->doc, p->key));
            size_t used = strlen(text);
            snprintf(text + used, sizeof text - used, "%s%s", used ? ", " : "", k ? k : "?");
        }
    }
    return xstrdup(text);
}

static int load_tier(struct yaml_doc *doc, const char *name, yaml_node_t *key, yaml_node_t *value,
                     struct config *config, struct ag_error *err)
{
    static const char *const keys[] = {"displayName", "trigger", "targetDuration", "tests"};
    char what[160];
    snprintf(what, sizeof what, "test tier '%s'", name);
    if (check_name(doc, key, name, "test tier", err) != AG_OK ||
        yaml_expect_type(doc, value, YAML_MAPPING_NODE, what, err) != AG_OK ||
        yaml_check_keys(doc, value, keys, COUNT(keys), what, err) != AG_OK)
        return err->status;
    config->tiers = xrealloc(config->tiers, (config->tier_count + 1) * sizeof *config->tiers);
    struct test_tier *t = &config->tiers[config->tier_count++];
    memset(t, 0, sizeof *t);
    t->name = xstrdup(name);
    char *duration = NULL;
    if (yaml_get_string(doc, value, "displayName", 1, &t->display_name, err) ||
        yaml_get_string(doc, value, "targetDuration", 1, &duration, err) ||
        yaml_get_string_list(doc, value, "tests", &t->tests, &t->test_count, err)) {
        free(duration);
        return err->status;
    }
    t->trigger = trigger_text(doc, yaml_map_get(doc, value, "trigger"));
    char field[200];
    snprintf(field, sizeof field, "%s:%zu: %s targetDuration", doc->file,
             value->start_mark.line + 1, what);
    int rc = parse_duration(duration, field, &t->target_seconds, err);
    free(duration);
    return rc;
}

static int load_pki(struct yaml_doc *doc, yaml_node_t *node, struct config *config,
                    struct ag_error *err)
{
    static const char *const keys[] = {
        "dir",      "caKeyPath",       "caCertPath", "serverKeyPath", "serverCertPath",
        "gpgKeyId", "gpgPublicKeyPath"};
    struct pki_config *pki = &config->pki;
    pki->dir = xstrdup(".pki");
    pki->ca_key_path = xstrdup("ca.key");
    pki->ca_cert_path = xstrdup("ca.crt");
    pki->server_key_path = xstrdup("server.key");
    pki->server_cert_path = xstrdup("server.crt");
    pki->gpg_public_key_path = xstrdup("gpg-signing.pub");
    if (node == NULL)
        return AG_OK;
    if (yaml_expect_type(doc, node, YAML_MAPPING_NODE, "pki", err) ||
        yaml_check_keys(doc, node, keys, COUNT(keys), "pki", err) ||
        yaml_get_string(doc, node, "dir", 0, &pki->dir, err) ||
        yaml_get_string(doc, node, "caKeyPath", 0, &pki->ca_key_path, err) ||
        yaml_get_string(doc, node, "caCertPath", 0, &pki->ca_cert_path, err) ||
        yaml_get_string(doc, node, "serverKeyPath", 0, &pki->server_key_path, err) ||
        yaml_get_string(doc, node, "serverCertPath", 0, &pki->server_cert_path, err) ||
        yaml_get_string(doc, node, "gpgKeyId", 0, &pki->gpg_key_id, err) ||
        yaml_get_string(doc, node, "gpgPublicKeyPath", 0, &pki->gpg_public_key_path, err))
        return err->status;
    if (yaml_is_null(yaml_map_get(doc, node, "gpgKeyId"))) {
        free(pki->gpg_key_id);
        pki->gpg_key_id = NULL;
    }
    return AG_OK;
}

static int load_defaults(struct yaml_doc *doc, yaml_node_t *node, struct config *config,
                         char **sizes_dir, struct ag_error *err)
{
    static const char *const keys[] = {"seed", "sourceDateEpoch", "baseUrl", "size", "sizesDir"};
    uint64_t epoch = (uint64_t)config->source_date_epoch;
    if (yaml_expect_type(doc, node, YAML_MAPPING_NODE, "defaults", err) ||
        yaml_check_keys(doc, node, keys, COUNT(keys), "defaults", err) ||
        yaml_get_u64(doc, node, "seed", &config->seed, err) ||
        yaml_get_u64(doc, node, "sourceDateEpoch", &epoch, err) ||
        yaml_get_string(doc, node, "baseUrl", 0, &config->base_url, err) ||
        yaml_get_string(doc, node, "size", 0, &config->default_size, err) ||
        yaml_get_string(doc, node, "sizesDir", 0, sizes_dir, err))
        return err->status;
    if (epoch > AG_EPOCH_MAX)
        return yaml_node_error(doc, yaml_map_get(doc, node, "sourceDateEpoch"), err,
                               "defaults.sourceDateEpoch %llu is past 9999-12-31; valid: 0 to %llu",
                               (unsigned long long)epoch, (unsigned long long)AG_EPOCH_MAX);
    config->source_date_epoch = (int64_t)epoch;
    return AG_OK;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_sizes_dir(struct config *config, const char *dir, struct ag_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return ag_error_set(err, AG_USAGE,
                            "%s: cannot open sizes directory %s (defaults.sizesDir): %s",
                            config->path, dir, strerror(errno));
    char **names = NULL;
    size_t count = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (de->d_name[0] == '.' || n < 6 || strcmp(de->d_name + n - 5, ".yaml") != 0)
            continue;
        names = xrealloc(names, (count + 1) * sizeof *names);
        names[count++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (count > 0) /* qsort's array may not be NULL, even for no elements */
        qsort(names, count, sizeof *names, compare_names);
    int rc = AG_OK;
    for (size_t i = 0; i < count && rc == AG_OK; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]);
        struct yaml_doc doc;
        rc = yaml_doc_load(&doc, path, err);
        if (rc == AG_OK)
            rc = each_pair(&doc, yaml_doc_root(&doc), "a sizes file", load_size, config, err);
        yaml_doc_free(&doc);
        free(path);
    }
    string_list_free(names, count);
    if (rc == AG_OK && config->size_count == 0)
        rc = ag_error_set(err, AG_USAGE, "%s holds no size tiers (*.yaml files)", dir);
    return rc;
}

static int check_references(const struct config *config, struct ag_error *err)
{
    const char *formats[64], *sizes[64];
    size_t nformats = 0, nsizes = 0;
    for (size_t i = 0; i < config->template_count && nformats < 64; i++)
        formats[nformats++] = config->templates[i].format;
    for (size_t i = 0; i < config->size_count && nsizes < 64; i++)
        sizes[nsizes++] = config->sizes[i].name;
    char valid[640];
    for (size_t i = 0; i < config->profile_count; i++) {
        const struct profile *p = &config->profiles[i];
        for (size_t j = 0; j < p->format_count; j++) {
            if (config_find_template(config, p->formats[j]) != NULL)
                continue;
            suggest_hint(p->formats[j], formats, nformats, valid, sizeof valid);
            return ag_error_set(err, AG_USAGE,
                                "%s: profile '%s' names format '%s', which has no entry "
                                "under assetTemplates%s",
                                config->path, p->name, p->formats[j], valid);
        }
    }
    for (size_t i = 0; i < config->template_count; i++) {
        const struct asset_template *t = &config->templates[i];
        for (size_t j = 0; j < t->size_tier_count; j++) {
            if (config_find_size(config, t->size_tiers[j]) != NULL)
                continue;
            suggest_hint(t->size_tiers[j], sizes, nsizes, valid, sizeof valid);
            return ag_error_set(err, AG_USAGE,
                                "%s: asset template '%s' names size tier '%s', which no "
                                "file in the sizes directory defines%s",
                                config->path, t->format, t->size_tiers[j], valid);
        }
    }
    if (config->default_size && config_find_size(config, config->default_size) == NULL) {
        suggest_hint(config->default_size, sizes, nsizes, valid, sizeof valid);
        return ag_error_set(err, AG_USAGE, "%s: defaults.size '%s' is not a defined size tier%s",
                            config->path, config->default_size, valid);
    }
    return AG_OK;
}

static int load_root(struct yaml_doc *doc, struct config *config, char **sizes_dir,
                     struct ag_error *err)
{
    static const char *const keys[] = {"schema", "defaults", "profiles",   "assetTemplates",
                                       "pki",    "tiers",    "packageSets"};
    yaml_node_t *root = yaml_doc_root(doc);
    if (yaml_expect_type(doc, root, YAML_MAPPING_NODE, "the configuration", err) ||
        yaml_check_keys(doc, root, keys, COUNT(keys), "the configuration", err))
        return err->status;
    uint64_t schema = 1;
    if (yaml_get_u64(doc, root, "schema", &schema, err) != AG_OK)
        return err->status;
    if (schema != 1)
        return yaml_node_error(doc, yaml_map_get(doc, root, "schema"), err,
                               "schema %llu is not supported (valid: 1)",
                               (unsigned long long)schema);
    yaml_node_t *defaults = yaml_map_get(doc, root, "defaults");
    if (defaults && load_defaults(doc, defaults, config, sizes_dir, err) != AG_OK)
        return err->status;
    yaml_node_t *section = yaml_map_get(doc, root, "assetTemplates");
    if (section == NULL)
        return yaml_node_error(doc, root, err, "missing required section 'assetTemplates'");
    if (each_pair(doc, section, "assetTemplates", load_template, config, err) ||
        each_pair(doc, yaml_map_get(doc, root, "profiles"), "profiles", load_profile, config, err))
        return err->status;
    section = yaml_map_get(doc, root, "tiers");
    if (section && each_pair(doc, section, "tiers", load_tier, config, err))
        return err->status;
    if (package_sets_builtin(&config->sets, err) != AG_OK)
        return err->status;
    section = yaml_map_get(doc, root, "packageSets");
    if (section && package_sets_parse(doc, section, &config->sets, err) != AG_OK)
        return err->status;
    return load_pki(doc, yaml_map_get(doc, root, "pki"), config, err);
}

static void config_defaults(struct config *config, const char *path)
{
    memset(config, 0, sizeof *config);
    config->path = xstrdup(path);
    const char *slash = strrchr(path, '/');
    config->base_dir = slash ? xasprintf("%.*s", (int)(slash - path), path) : xstrdup(".");
    if (config->base_dir[0] == '\0') {
        free(config->base_dir);
        config->base_dir = xstrdup("/");
    }
    config->seed = 1;
    config->source_date_epoch = 1700000000;
    config->base_url = xstrdup("http://127.0.0.1:8080/");
    config->default_size = xstrdup("small");
}

int config_parse_text(struct config *config, const char *name, const char *text, size_t len,
                      enum config_text kind, struct ag_error *err)
{
    config_defaults(config, name);
    char *sizes_dir = xstrdup("sizes");
    struct yaml_doc doc;
    int rc = yaml_doc_load_string(&doc, name, text, len, err);
    if (rc == AG_OK)
        rc = kind == CONFIG_TEXT_MAIN
                 ? load_root(&doc, config, &sizes_dir, err)
                 : each_pair(&doc, yaml_doc_root(&doc), "a sizes file", load_size, config, err);
    yaml_doc_free(&doc);
    free(sizes_dir);
    if (rc != AG_OK)
        config_free(config);
    return rc;
}

int config_load(struct config *config, const char *path, struct ag_error *err)
{
    config_defaults(config, path);
    char *sizes_dir = xstrdup("sizes");

    struct yaml_doc doc;
    int rc = yaml_doc_load(&doc, path, err);
    if (rc == AG_OK)
        rc = load_root(&doc, config, &sizes_dir, err);
    yaml_doc_free(&doc);
    if (rc == AG_OK) {
        char *dir = resolve_path(config, sizes_dir);
        rc = load_sizes_dir(config, dir, err);
        free(dir);
    }
    free(sizes_dir);
    if (rc == AG_OK)
        rc = check_references(config, err);
    if (rc != AG_OK)
        config_free(config);
    return rc;
}

void config_free(struct config *config)
{
    package_sets_free(&config->sets);
    for (size_t i = 0; i < config->size_count; i++) {
        free(config->sizes[i].name);
        free(config->sizes[i].source);
    }
    free(config->sizes);
    for (size_t i = 0; i < config->profile_count; i++) {
        struct profile *p = &config->profiles[i];
        free(p->name);
        string_list_free(p->services, p->service_count);
        string_list_free(p->dependencies, p->dependency_count);
        string_list_free(p->formats, p->format_count);
    }
    free(config->profiles);
    for (size_t i = 0; i < config->template_count; i++) {
        struct asset_template *t = &config->templates[i];
        free(t->format);
        free(t->template_dir);
        free(t->generator);
        string_list_free(t->size_tiers, t->size_tier_count);
        free(t->output_pattern);
        free(t->package_name);
        free(t->package_version);
        for (size_t f = 0; f < t->field_count; f++) {
            free(t->fields[f].key);
            free(t->fields[f].value);
            free(t->fields[f].where);
        }
        free(t->fields);
        free(t->description);
    }
    free(config->templates);
    for (size_t i = 0; i < config->tier_count; i++) {
        struct test_tier *t = &config->tiers[i];
        free(t->name);
        free(t->display_name);
        free(t->trigger);
        string_list_free(t->tests, t->test_count);
    }
    free(config->tiers);
    struct pki_config *pki = &config->pki;
    free(pki->dir);
    free(pki->ca_key_path);
    free(pki->ca_cert_path);
    free(pki->server_key_path);
    free(pki->server_cert_path);
    free(pki->gpg_key_id);
    free(pki->gpg_public_key_path);
    free(config->path);
    free(config->base_dir);
    free(config->base_url);
    free(config->default_size);
    memset(config, 0, sizeof *config);
}

const struct size_tier *config_find_size(const struct config *config, const char *name)
{
    for (size_t i = 0; i < config->size_count; i++)
        if (strcmp(config->sizes[i].name, name) == 0)
            return &config->sizes[i];
    return NULL;
}

const struct profile *config_find_profile(const struct config *config, const char *name)
{
    for (size_t i = 0; i < config->profile_count; i++)
        if (strcmp(config->profiles[i].name, name) == 0)
            return &config->profiles[i];
    return NULL;
}

const struct asset_template *config_find_template(const struct config *config, const char *format)
{
    for (size_t i = 0; i < config->template_count; i++)
        if (strcmp(config->templates[i].format, format) == 0)
            return &config->templates[i];
    return NULL;
}
