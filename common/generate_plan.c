#include "common/generate_plan.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/set_expect.h"
#include "common/units.h"

/* 255 less the longest suffix a format adds (".whl.metadata.asc" and
 * the like) and a temporary's ".<name>.tmp-<pid>-XXXXXX". */
#define PLAN_NAME_VERSION_MAX 180

static void *plan_own(struct generate_plan *plan, void *block)
{
    plan->owned = xrealloc(plan->owned, (plan->owned_count + 1) * sizeof *plan->owned);
    plan->owned[plan->owned_count++] = block;
    return block;
}

static uint64_t plan_data_size(const struct size_tier *size, const struct generator *gen)
{
    if (size->data_size == 0)
        return 0;
    /* Stored deflate blocks add 5 bytes per 64 KiB: keep 1/4096 of the
     * tier on top of the container's fixed overhead. */
    uint64_t room = size->max_size - gen->container_overhead - size->max_size / 4096;
    return size->data_size < room ? size->data_size : room;
}

/* Checks that out_root can be made and written without making it: a run
 * refused later on (a template error, a missing key) must leave no trace,
 * so directories appear only with the first file written. */
static int plan_check_output(const char *out_dir, const char *out_root, char **existing,
                             struct ag_error *err)
{
    if (path_exists(out_dir) && !path_is_dir(out_dir))
        return ag_error_set(err, AG_USAGE, "--out %s exists and is not a directory", out_dir);
    /* Walk up to the nearest existing ancestor; child is the directory
     * below it that a run would create first. */
    char *path = xstrdup(out_root), *child = NULL;
    int rc = AG_OK;
    for (;;) {
        struct stat st;
        if (stat(path, &st) == 0) {
            if (!S_ISDIR(st.st_mode) && child == NULL)
                rc = ag_error_set(err, AG_USAGE, "--out: %s exists and is not a directory", path);
            else if (!S_ISDIR(st.st_mode))
                rc = ag_error_set(err, AG_USAGE,
                                  "--out: cannot create directory %s: %s is not a directory", child,
                                  path);
            else if (access(path, W_OK | X_OK) != 0)
                rc = ag_error_set(err, AG_USAGE, "--out: cannot write to %s: %s", path,
                                  strerror(errno));
            break;
        }
        int e = errno;
        char *slash = strrchr(path, '/');
        if ((e != ENOENT && e != ENOTDIR) || strcmp(path, ".") == 0 || strcmp(path, "/") == 0) {
            rc = ag_error_set(err, AG_USAGE, "--out: cannot use %s: %s", path, strerror(e));
            break;
        }
        free(child);
        child = xstrdup(path);
        if (slash == NULL) {
            strcpy(path, ".");
        } else {
            while (slash > path && slash[-1] == '/')
                slash--;
            if (slash == path)
                strcpy(path, "/");
            else
                *slash = '\0';
        }
    }
    free(child);
    if (rc == AG_OK)
        *existing = path;
    else
        free(path);
    return rc;
}

/* Refuses a run the filesystem cannot hold, before it fills the disk:
 * each artifact takes its data file plus a little (the headroom covers
 * templates, container and signature). Also notes the bytes expected,
 * which progress is measured against. */
static int plan_check_space(struct generate_plan *plan, const char *existing, struct ag_error *err)
{
    uint64_t files = 0;
    plan->planned_bytes = 0;
    int overflow = 0;
    for (size_t i = 0; i < plan->count; i++) {
        const struct generator *gen = plan->packages[i].generator;
        unsigned with_data = 0;
        for (size_t k = 0; k < gen->kind_count; k++)
            with_data += gen->kinds[k].holds_data ? 1u : 0u;
        files += gen->kind_count;
        uint64_t data = 0, bytes = 0;
        /* A tier of exabytes must not wrap the check into a pass. */
        overflow |=
            __builtin_mul_overflow((uint64_t)with_data, plan->packages[i].spec.data_size, &data);
        overflow |= __builtin_add_overflow(data, gen->kind_count * (uint64_t)(8 * 1024), &bytes);
        overflow |= __builtin_add_overflow(plan->planned_bytes, bytes, &plan->planned_bytes);
    }
    uint64_t need = 0;
    overflow |= __builtin_add_overflow(plan->planned_bytes, files * 256 * 1024, &need);
    if (overflow)
        return ag_error_set(err, AG_USAGE,
                            "size tier '%s' asks for more bytes than a filesystem can hold",
                            plan->size->name);
    struct statvfs vfs;
    if (statvfs(existing, &vfs) != 0)
        return AG_OK; /* unknown: the writes themselves will say */
    uint64_t free_bytes = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
    if (need <= free_bytes)
        return AG_OK;
    char need_text[32], free_text[32];
    format_size(need, need_text, sizeof need_text);
    format_size(free_bytes, free_text, sizeof free_text);
    return ag_error_set(err, AG_USAGE,
                        "size tier '%s' needs about %s for %llu artifact%s but only %s is free "
                        "in %s; choose a smaller tier, fewer formats or a smaller --count, or "
                        "another --out",
                        plan->size->name, need_text, (unsigned long long)files,
                        files == 1 ? "" : "s", free_text, existing);
}

/* The base URL as every generated file carries it: the scheme lowercased
 * (schemes are case-insensitive), a host present, one trailing '/', and
 * nothing that the settings files and pages it lands in cannot carry. */
static int plan_base_url(const char *given, char **out, struct ag_error *err)
{
    size_t scheme = strncasecmp(given, "http://", 7) == 0    ? 7
                    : strncasecmp(given, "https://", 8) == 0 ? 8
                                                             : 0;
    if (scheme == 0)
        return ag_error_set(err, AG_USAGE, "--base-url '%s' must start with http:// or https://",
                            given);
    if (given[scheme] == '\0' || given[scheme] == '/')
        return ag_error_set(err, AG_USAGE, "--base-url '%s' names no host", given);
    for (const char *c = given; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7f || strchr("\"'<>\\^`{|}#?", *c) != NULL)
            return ag_error_set(err, AG_USAGE,
                                "--base-url '%s': character '%c' is not allowed (valid: an "
                                "absolute http(s) URL without spaces, quotes, query or fragment)",
                                given, *c == '\n' ? ' ' : *c);
    size_t len = strlen(given);
    char *url = xasprintf("%s%s", given, given[len - 1] == '/' ? "" : "/");
    for (size_t i = 0; i < scheme; i++)
        url[i] = (char)tolower((unsigned char)url[i]);
    *out = url;
    return AG_OK;
}

/* The option a --package-field key names for gen: "KEY" or "FORMAT.KEY". */
static const char *option_key_for(const char *given, const struct generator *gen)
{
    size_t n = strlen(gen->name);
    if (strncmp(given, gen->name, n) == 0 && given[n] == '.')
        return given + n + 1;
    return strchr(given, '.') ? NULL : given;
}

static const char *declared_field_names(const struct generator *gen, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t i = 0; i < gen->field_count; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", gen->fields[i].key);
    }
    return buf[0] ? buf : "none";
}

/* Every field gen declares, valued from the command line, else the
 * configuration, else the generator's default. A key gen does not
 * declare is a usage error where it was given. */
static int plan_fields(struct generate_plan *plan, const struct generate_request *req,
                       const struct generator *gen, const struct asset_template *tpl,
                       const struct package_field_value **out, struct ag_error *err)
{
    char names[512];
    for (size_t i = 0; i < tpl->field_count; i++) {
        int declared = 0;
        for (size_t k = 0; k < gen->field_count; k++)
            declared = declared || strcmp(gen->fields[k].key, tpl->fields[i].key) == 0;
        if (!declared)
            return ag_error_set(err, AG_USAGE,
                                "%s: package of asset template '%s': unknown field '%s' "
                                "(valid: name, version, description, %s)",
                                tpl->fields[i].where, gen->name, tpl->fields[i].key,
                                declared_field_names(gen, names, sizeof names));
    }
    struct package_field_value *values = xmalloc((gen->field_count + 1) * sizeof *values);
    plan->field_sets =
        xrealloc(plan->field_sets, (plan->field_set_count + 1) * sizeof *plan->field_sets);
    plan->field_sets[plan->field_set_count++] = values;
    for (size_t k = 0; k < gen->field_count; k++) {
        values[k].key = gen->fields[k].key;
        values[k].value = gen->fields[k].default_value;
        for (size_t i = 0; i < tpl->field_count; i++)
            if (strcmp(tpl->fields[i].key, values[k].key) == 0)
                values[k].value = tpl->fields[i].value;
        for (size_t i = 0; i < req->field_count; i++) {
            const char *key = option_key_for(req->fields[i].key, gen);
            if (key && strcmp(key, values[k].key) == 0)
                values[k].value = req->fields[i].value;
        }
    }
    *out = values;
    return AG_OK;
}

/* A --package-field that no chosen format declares would be dropped
 * without a word: refuse it. */
static int check_option_fields(const struct generate_request *req, struct ag_error *err)
{
    for (size_t i = 0; i < req->field_count; i++) {
        int used = 0;
        for (size_t g = 0; g < req->generator_count && !used; g++) {
            const struct generator *gen = req->generators[g];
            const char *key = option_key_for(req->fields[i].key, gen);
            for (size_t k = 0; key && k < gen->field_count && !used; k++)
                used = strcmp(gen->fields[k].key, key) == 0;
        }
        if (!used)
            return ag_error_set(err, AG_USAGE,
                                "--package-field %s: no chosen format declares that field "
                                "(see 'assetgen list fields')",
                                req->fields[i].key);
    }
    return AG_OK;
}

char *plan_tier_name(const char *name, const char *tier, int plain)
{
    if (plain)
        return xstrdup(name);
    /* Tier names may hold capitals and '_'; package names mostly not. */
    char *out = xasprintf("%s-%s", name, tier);
    for (char *c = out + strlen(name) + 1; *c; c++)
        *c = *c == '_' ? '-' : (char)tolower((unsigned char)*c);
    return out;
}

/* A package of gen with what every package of the run shares filled in;
 * name and version are the caller's to set. */
static struct planned_package *plan_package(struct generate_plan *plan,
                                            const struct generate_request *req,
                                            const struct generator *gen,
                                            const struct asset_template *tpl,
                                            const struct package_field_value *fields)
{
    struct planned_package *p = &plan->packages[plan->count++];
    memset(p, 0, sizeof *p);
    p->generator = gen;
    p->spec.format = gen->name;
    p->spec.description = tpl->description;
    p->spec.template_dir = tpl->template_dir;
    p->spec.size = req->size;
    p->spec.data_size = plan_data_size(req->size, gen);
    p->spec.seed = req->seed;
    p->spec.epoch = req->epoch;
    p->spec.base_url = plan->base_url;
    p->spec.out_root = plan->out_root;
    p->spec.signer = req->signer;
    p->spec.fields = fields;
    p->spec.field_count = gen->field_count;
    return p;
}

/* The format's rules, the file name bound and the templates, for one
 * planned package. */
static int plan_check_package(const struct planned_package *p, const struct generate_request *req,
                              struct ag_error *err)
{
    (void)req;
    const struct generator *gen = p->generator;
    if (gen->check_package(&p->spec, err) != AG_OK)
        return err->status;
    /* File names are made of name and version plus a suffix and, while
     * written, a temporary's: keep them all under NAME_MAX, found here
     * rather than after writing started. */
    if (strlen(p->spec.name) + strlen(p->spec.version) > PLAN_NAME_VERSION_MAX)
        return ag_error_set(err, AG_USAGE,
                            "package %s %s: name and version together take %zu bytes; at most "
                            "%d fit in the file names made from them (NAME_MAX is 255)",
                            p->spec.name, p->spec.version,
                            strlen(p->spec.name) + strlen(p->spec.version), PLAN_NAME_VERSION_MAX);
    if (gen->check_templates && gen->check_templates(&p->spec, err) != AG_OK)
        return err->status;
    return AG_OK;
}

/* Every release of the set (and each later copy of one) as a package of
 * gen: names carry the tier, versions are the format's own spelling, and
 * dependencies on the set's packages name them as this run does. */
static int plan_set_packages(struct generate_plan *plan, const struct generate_request *req,
                             const struct generator *gen, const struct asset_template *tpl,
                             const struct package_field_value *fields, struct ag_error *err)
{
    const struct package_set *set = req->set;
    plan->set_name = set->name;
    for (size_t k = 0; k < set->package_count; k++) {
        const struct set_package *pkg = &set->packages[k];
        char *name = plan_own(plan, plan_tier_name(pkg->name, req->size->name, req->plain_names));
        for (size_t r = 0; r < pkg->release_count; r++) {
            const struct set_release *rel = &pkg->releases[r];
            /* The dependencies, then the conflicts, in one list. */
            size_t relations = rel->dependency_count + rel->conflict_count;
            struct spec_dependency *deps = plan_own(plan, xcalloc(relations + 1, sizeof *deps));
            for (size_t d = 0; d < relations; d++) {
                const struct set_dependency *dep = d < rel->dependency_count
                                                       ? &rel->dependencies[d]
                                                       : &rel->conflicts[d - rel->dependency_count];
                deps[d].provided = package_set_package(set, dep->name) != NULL ||
                                   package_set_provides(set, dep->name);
                deps[d].name = deps[d].provided
                                   ? plan_own(plan, plan_tier_name(dep->name, req->size->name,
                                                                   req->plain_names))
                                   : dep->name;
                deps[d].range = &dep->range;
                deps[d].kind = dep->kind;
            }
            const char **provides = plan_own(plan, xcalloc(rel->provide_count + 1, sizeof(char *)));
            for (size_t v = 0; v < rel->provide_count; v++)
                provides[v] = plan_own(
                    plan, plan_tier_name(rel->provides[v], req->size->name, req->plain_names));
            for (unsigned c = 0; c < rel->copies; c++) {
                struct planned_package *p = plan_package(plan, req, gen, tpl, fields);
                p->spec.name = name;
                p->spec.version = gen->sets && gen->sets->native_version
                                      ? plan_own(plan, gen->sets->native_version(rel->version))
                                      : rel->version;
                p->spec.set = set->name;
                p->spec.dependencies = deps;
                p->spec.dependency_count = rel->dependency_count;
                p->spec.conflicts = deps + rel->dependency_count;
                p->spec.conflict_count = rel->conflict_count;
                p->spec.provides = provides;
                p->spec.provide_count = rel->provide_count;
                p->spec.yanked = rel->yanked;
                p->spec.tags = rel->tags;
                p->spec.tag_count = rel->tag_count;
                p->spec.persona = rel->signer;
                p->spec.copy = c;
                /* A later copy is other bytes under the same name@version. */
                if (c > 0) {
                    p->spec.seed = (req->seed + c) & ((1ULL << 53) - 1);
                    p->spec.description =
                        plan_own(plan, xasprintf("%s (publication %u)", tpl->description, c + 1));
                }
                if (plan_check_package(p, req, err) != AG_OK)
                    return ag_error_prefix(err, "%s: package set %s, %s %s: ", set->where,
                                           set->name, pkg->name, rel->version);
            }
        }
    }
    return AG_OK;
}

int generate_plan_build(const struct generate_request *req, struct generate_plan *plan,
                        struct ag_error *err)
{
    memset(plan, 0, sizeof *plan);
    plan->size = req->size;
    plan->signer = req->signer;
    plan->public_key_path = req->public_key_path;
    plan->seed = req->seed;
    plan->epoch = req->epoch;
    if (plan_base_url(req->base_url, &plan->base_url, err) != AG_OK)
        return err->status;
    if (check_option_fields(req, err) != AG_OK)
        return err->status;
    plan->out_root = xasprintf("%s/%s", req->out_dir, req->size->name);
    /* Over HTTPS the client settings name the published CA by the tree's
     * path, in files where a line break or a control character would end
     * the value: refuse such a path before anything is written. */
    for (const char *c = plan->out_root; strncmp(plan->base_url, "https:", 6) == 0 && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return ag_error_set(err, AG_USAGE,
                                "--out: the client settings of an https:// base URL name files "
                                "under the output directory, whose path holds a control "
                                "character (byte 0x%02x); use another --out",
                                (unsigned char)*c);
    unsigned count = req->count ? req->count : 1;
    plan->generators = xmalloc(req->generator_count * sizeof *plan->generators);
    size_t most = 0, set_packages = 0;
    for (size_t k = 0; req->set && k < req->set->package_count; k++)
        for (size_t r = 0; r < req->set->packages[k].release_count; r++)
            set_packages += req->set->packages[k].releases[r].copies;
    for (size_t g = 0; g < req->generator_count; g++)
        most += req->set ? set_packages
                         : count * (1 + (req->defects ? req->generators[g]->defect_count : 0));
    plan->packages = xmalloc((most + 1) * sizeof *plan->packages);
    for (size_t g = 0; g < req->generator_count; g++) {
        const struct generator *gen = req->generators[g];
        const struct asset_template *tpl = config_find_template(req->config, gen->name);
        if (tpl == NULL)
            return ag_error_set(err, AG_USAGE, "%s: format '%s' has no entry under assetTemplates",
                                req->config->path, gen->name);
        if (req->size->data_size > 0 &&
            req->size->max_size <= gen->container_overhead + req->size->max_size / 4096) {
            char room[32];
            format_size(gen->container_overhead, room, sizeof room);
            return ag_error_set(err, AG_USAGE,
                                "size tier '%s' is too small for a %s package with a data "
                                "file (needs more than %s)",
                                req->size->name, gen->name, room);
        }
        /* Templates go into every package whole: more of them than the
         * tier holds makes artifacts its own verify rejects. */
        uint64_t template_bytes = tree_bytes(tpl->template_dir);
        if (template_bytes > req->size->max_size) {
            char have[32], room[32];
            format_size(template_bytes, have, sizeof have);
            format_size(req->size->max_size, room, sizeof room);
            return ag_error_set(err, AG_USAGE,
                                "the %s templates in %s hold %s, more than size tier '%s' "
                                "allows (%s); use a larger tier or smaller templates",
                                gen->name, tpl->template_dir, have, req->size->name, room);
        }
        plan->generators[plan->generator_count++] = gen;
        const struct package_field_value *fields = NULL;
        if (plan_fields(plan, req, gen, tpl, &fields, err) != AG_OK)
            return err->status;
        if (req->set != NULL) {
            if (plan_set_packages(plan, req, gen, tpl, fields, err) != AG_OK)
                return err->status;
            continue;
        }
        /* --name is used as given; the template's name carries the tier. */
        const char *base = req->name
                               ? req->name
                               : plan_own(plan, plan_tier_name(tpl->package_name, req->size->name,
                                                               req->plain_names));
        size_t variants = 1 + (req->defects ? gen->defect_count : 0);
        for (size_t v = 0; v < variants * count; v++) {
            unsigned i = (unsigned)(v % count) + 1;
            const struct defect *defect = v < count ? NULL : &gen->defects[v / count - 1];
            struct planned_package *p = plan_package(plan, req, gen, tpl, fields);
            p->spec.name = count == 1 ? base : plan_own(plan, xasprintf("%s-%u", base, i));
            /* A defect variant is its own package, so its broken index entry
             * never shadows the good one. */
            if (defect != NULL) {
                p->spec.name = plan_own(plan, xasprintf("%s-%s", p->spec.name, defect->name));
                p->spec.defect = defect->name;
            }
            p->spec.version = req->version ? req->version : tpl->package_version;
            if (plan_check_package(p, req, err) != AG_OK) {
                /* Values from assetgen.yaml alone: say where they came from
                 * (a command-line value is named by the message itself). */
                if (req->name == NULL && req->version == NULL && req->field_count == 0)
                    ag_error_prefix(err, "%s: package of asset template '%s': ", req->config->path,
                                    gen->name);
                return err->status;
            }
        }
    }
    if (req->set != NULL)
        plan->set_entry = set_manifest_entry(req->set, plan->generators, plan->generator_count,
                                             req->size->name, req->plain_names);
    char *existing = NULL;
    if (plan_check_output(req->out_dir, plan->out_root, &existing, err) != AG_OK)
        return err->status;
    int rc = plan_check_space(plan, existing, err);
    free(existing);
    return rc;
}

void generate_plan_free(struct generate_plan *plan)
{
    for (size_t i = 0; i < plan->owned_count; i++)
        free(plan->owned[i]);
    free(plan->owned);
    for (size_t i = 0; i < plan->field_set_count; i++)
        free(plan->field_sets[i]);
    free(plan->field_sets);
    json_decref(plan->set_entry);
    free(plan->packages);
    free(plan->generators);
    free(plan->out_root);
    free(plan->base_url);
    memset(plan, 0, sizeof *plan);
}
