#include "common/generate_plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/units.h"

static char *plan_own(struct generate_plan *plan, char *text)
{
    plan->owned = xrealloc(plan->owned, (plan->owned_count + 1) * sizeof *plan->owned);
    plan->owned[plan->owned_count++] = text;
    return text;
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
    for (size_t i = 0; i < plan->count; i++) {
        unsigned per = plan->packages[i].generator->artifacts_per_package;
        per = per ? per : 1;
        files += per;
        plan->planned_bytes += per * (plan->packages[i].spec.data_size + 8 * 1024);
    }
    uint64_t need = plan->planned_bytes + files * 256 * 1024;
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

int generate_plan_build(const struct generate_request *req, struct generate_plan *plan,
                        struct ag_error *err)
{
    memset(plan, 0, sizeof *plan);
    plan->size = req->size;
    plan->signer = req->signer;
    plan->public_key_path = req->public_key_path;
    plan->registry_key_path = req->registry_key_path;
    plan->seed = req->seed;
    plan->epoch = req->epoch;
    size_t url_len = strlen(req->base_url);
    plan->base_url = url_len && req->base_url[url_len - 1] == '/' ? xstrdup(req->base_url)
                                                                  : xasprintf("%s/", req->base_url);
    if (strncmp(plan->base_url, "http://", 7) != 0 && strncmp(plan->base_url, "https://", 8) != 0)
        return ag_error_set(err, AG_USAGE, "--base-url '%s' must start with http:// or https://",
                            req->base_url);
    plan->out_root = xasprintf("%s/%s", req->out_dir, req->size->name);
    unsigned count = req->count ? req->count : 1;
    plan->generators = xmalloc(req->generator_count * sizeof *plan->generators);
    size_t most = 0;
    for (size_t g = 0; g < req->generator_count; g++)
        most += count * (1 + (req->defects ? req->generators[g]->defect_count : 0));
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
        plan->generators[plan->generator_count++] = gen;
        const char *base = req->name ? req->name : tpl->package_name;
        size_t variants = 1 + (req->defects ? gen->defect_count : 0);
        for (size_t v = 0; v < variants * count; v++) {
            unsigned i = (unsigned)(v % count) + 1;
            const struct defect *defect = v < count ? NULL : &gen->defects[v / count - 1];
            struct planned_package *p = &plan->packages[plan->count++];
            memset(p, 0, sizeof *p);
            p->generator = gen;
            p->spec.format = gen->name;
            p->spec.name = count == 1 ? base : plan_own(plan, xasprintf("%s-%u", base, i));
            /* A defect variant is its own package, so its broken index entry
             * never shadows the good one. */
            if (defect != NULL) {
                p->spec.name = plan_own(plan, xasprintf("%s-%s", p->spec.name, defect->name));
                p->spec.defect = defect->name;
            }
            p->spec.version = req->version ? req->version : tpl->package_version;
            p->spec.description = tpl->description;
            p->spec.template_dir = tpl->template_dir;
            p->spec.size = req->size;
            p->spec.data_size = plan_data_size(req->size, gen);
            p->spec.seed = req->seed;
            p->spec.epoch = req->epoch;
            p->spec.base_url = plan->base_url;
            p->spec.out_root = plan->out_root;
            p->spec.signer = req->signer;
            if (gen->check_package(&p->spec, err) != AG_OK) {
                /* Values from assetgen.yaml: say where they came from. */
                if (req->name == NULL && req->version == NULL)
                    ag_error_prefix(err, "%s: package of asset template '%s': ", req->config->path,
                                    gen->name);
                return err->status;
            }
            if (gen->check_templates && gen->check_templates(&p->spec, err) != AG_OK)
                return err->status;
        }
    }
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
    free(plan->packages);
    free(plan->generators);
    free(plan->out_root);
    free(plan->base_url);
    memset(plan, 0, sizeof *plan);
}
