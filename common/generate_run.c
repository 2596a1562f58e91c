#include "common/generate_run.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/atomic_file.h"
#include "common/cleanup.h"
#include "common/fault.h"
#include "common/manifest.h"
#include "common/openpgp.h"
#include "common/progress_ticker.h"
#include "common/staging.h"
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

struct run_state {
    const struct generate_plan *plan;
    const char *stage_root; /* where this run writes until it is published */
    pthread_mutex_t lock;
    size_t next;
    size_t done;
    int failed;
    struct ag_error error;
    struct artifact_list *made;
    const struct generate_progress *progress;
};

/* A detached armored signature beside each artifact: <file>.asc. */
static int sign_artifacts(const struct run_state *st, struct artifact_list *list,
                          struct ag_error *err)
{
    for (size_t i = 0; i < list->count; i++) {
        struct artifact *art = &list->items[i];
        char *path = xasprintf("%s/%s", st->stage_root, art->path);
        char *sig = xasprintf("%s.asc", path);
        int rc = signer_sign_file(st->plan->signer, path, sig, err);
        free(path);
        free(sig);
        if (rc != AG_OK)
            return rc;
        free(art->signature);
        art->signature = xasprintf("%s.asc", art->path);
    }
    return AG_OK;
}

static int make_package(const struct run_state *st, const struct planned_package *pkg,
                        struct artifact_list *mine, struct ag_error *err)
{
    struct package_spec spec = pkg->spec;
    spec.out_root = st->stage_root;
    int rc = pkg->generator->generate(&spec, mine, err);
    if (rc == AG_OK && st->plan->signer && pkg->generator->sign_detached)
        rc = sign_artifacts(st, mine, err);
    for (size_t i = 0; rc == AG_OK && spec.defect && i < mine->count; i++) {
        free(mine->items[i].defect);
        free(mine->items[i].expect);
        mine->items[i].defect = xstrdup(spec.defect);
        mine->items[i].expect = xstrdup("reject");
    }
    return rc;
}

static void *run_worker(void *arg)
{
    struct run_state *st = arg;
    for (;;) {
        pthread_mutex_lock(&st->lock);
        size_t index = st->next++;
        int stop = st->failed || index >= st->plan->count;
        pthread_mutex_unlock(&st->lock);
        if (stop)
            return NULL;
        const struct planned_package *pkg = &st->plan->packages[index];
        struct artifact_list mine = {0};
        struct ag_error err = {0};
        int rc = make_package(st, pkg, &mine, &err);
        pthread_mutex_lock(&st->lock);
        for (size_t i = 0; i < mine.count; i++)
            artifact_list_add(st->made, &mine.items[i]);
        if (rc != AG_OK && !st->failed) {
            st->failed = 1;
            st->error = err;
            ag_error_prefix(&st->error, "%s %s %s: ", pkg->spec.format, pkg->spec.name,
                            pkg->spec.version);
        } else if (rc == AG_OK) {
            st->done++;
            if (st->progress && st->progress->package_done)
                st->progress->package_done(st->progress->ctx, pkg, &mine, st->done,
                                           st->plan->count);
        }
        pthread_mutex_unlock(&st->lock);
        artifact_list_free(&mine);
    }
}

/* The public key beside the assets, so clients and verify can find it. */
static int publish_key(const char *stage_root, const char *source, const char *name,
                       struct ag_error *err)
{
    char *key = NULL;
    size_t len = 0;
    int rc = read_file(source, &key, &len, err);
    if (rc == AG_OK) {
        char *path = xasprintf("%s/keys/%s", stage_root, name);
        rc = atomic_write_buffer(path, key, len, err);
        free(path);
    }
    free(key);
    return rc;
}

/* The public key that verifies the signatures, and the CA certificate a
 * client needs for HTTPS, beside the assets. */
static int publish_public_keys(const struct generate_plan *plan, const char *stage_root,
                               struct ag_error *err)
{
    int rc = publish_key(stage_root, plan->public_key_path, "gpg-signing.asc", err);
    if (rc == AG_OK && plan->ca_cert_path && path_exists(plan->ca_cert_path))
        rc = publish_key(stage_root, plan->ca_cert_path, "ca.crt", err);
    return rc;
}

/* Every format's repository metadata, from the merged manifest, into the
 * staging directory beside this run's artifacts. */
static int write_indexes(const struct generate_plan *plan, const struct manifest *m,
                         const struct staging *stage, struct ag_error *err)
{
    int rc = AG_OK;
    for (size_t g = 0; rc == AG_OK && g < plan->generator_count; g++) {
        const struct generator *gen = plan->generators[g];
        struct artifact_list rows = {0};
        for (size_t i = 0; i < m->artifacts.count; i++)
            if (strcmp(m->artifacts.items[i].format, gen->name) == 0)
                artifact_list_add(&rows, &m->artifacts.items[i]);
        struct index_request req = {.out_root = stage->dir,
                                    .served_root = plan->out_root,
                                    .base_url = plan->base_url,
                                    .epoch = plan->epoch,
                                    .artifacts = rows.items,
                                    .count = rows.count,
                                    .registry_key_path = plan->registry_key_path,
                                    .signer = plan->signer};
        rc = gen->write_index(&req, err);
        if (rc != AG_OK)
            ag_error_prefix(err, "%s index: ", gen->name);
        artifact_list_free(&rows);
    }
    return rc;
}

/* Artifacts and their signatures move first, so an index never names a
 * file that is not there yet. */
static int publish_staged(struct staging *stage, const struct artifact_list *made,
                          struct ag_error *err)
{
    const char **first = xmalloc((2 * made->count + 1) * sizeof *first);
    size_t n = 0;
    for (size_t i = 0; i < made->count; i++) {
        first[n++] = made->items[i].path;
        if (made->items[i].signature)
            first[n++] = made->items[i].signature;
    }
    int rc = staging_publish(stage, "manifest.json", first, n, err);
    free(first);
    return rc;
}

/* Under the output lock: merge the manifest, write the indexes beside the
 * run's files, move them all into place, then replace the manifest. If
 * anything fails, every file moved is put back as it was. */
static int publish_run(const struct generate_plan *plan, const char *tool,
                       const struct artifact_list *made, struct staging *stage,
                       struct ag_error *err)
{
    int lock_fd;
    if (manifest_lock(plan->out_root, &lock_fd, err) != AG_OK)
        return err->status;
    /* What dead runs left: a half-done move first, then their files. */
    staging_recover(plan->out_root);
    cleanup_stale_temporaries(plan->out_root);
    char *manifest_path = xasprintf("%s/manifest.json", plan->out_root);
    struct manifest m;
    int rc = manifest_read(manifest_path, &m, err);
    if (rc == AG_OK) {
        manifest_merge(&m, made);
        free(m.tool);
        m.tool = xstrdup(tool);
        free(m.size);
        m.size = xstrdup(plan->size->name);
        free(m.base_url);
        m.base_url = xstrdup(plan->base_url);
        m.seed = plan->seed;
        m.source_date_epoch = plan->epoch;
        free(m.signing_key);
        m.signing_key = plan->signer ? xstrdup(signer_fingerprint(plan->signer)) : NULL;
        if (plan->signer && plan->public_key_path)
            rc = publish_public_keys(plan, stage->dir, err);
        if (rc == AG_OK)
            rc = write_indexes(plan, &m, stage, err);
        if (rc == AG_OK) {
            /* From the first move to the manifest, an interrupt waits:
             * out/ must end either as it was or as this run leaves it. */
            cleanup_defer();
            rc = publish_staged(stage, made, err);
            if (rc == AG_OK)
                rc = manifest_write(manifest_path, &m, err);
            if (rc == AG_OK) {
                fault_point("committed");
                staging_commit(stage);
            } else
                staging_rollback(stage, err);
            cleanup_resume();
        }
        manifest_free(&m);
    }
    free(manifest_path);
    manifest_unlock(lock_fd);
    return rc;
}

static void report_bytes(void *ctx, uint64_t bytes)
{
    const struct run_state *st = ctx;
    st->progress->bytes_written(st->progress->ctx, bytes, st->plan->planned_bytes);
}

int generate_plan_run(const struct generate_plan *plan, unsigned jobs, const char *tool,
                      const struct generate_progress *progress, struct artifact_list *made,
                      struct ag_error *err)
{
    struct staging stage;
    if (staging_open(&stage, plan->out_root, err) != AG_OK)
        return err->status;
    cleanup_register_hook(staging_interrupted, &stage);
    struct run_state st;
    memset(&st, 0, sizeof st);
    st.plan = plan;
    st.stage_root = stage.dir;
    st.made = made;
    st.progress = progress;
    pthread_mutex_init(&st.lock, NULL);
    struct progress_ticker ticker = {0};
    if (progress && progress->bytes_written)
        progress_ticker_start(&ticker, stage.dir, report_bytes, &st);
    if (jobs == 0)
        jobs = 1;
    if (jobs > plan->count)
        jobs = (unsigned)plan->count;
    pthread_t *threads = xmalloc((jobs + 1) * sizeof *threads);
    unsigned started = 0;
    for (unsigned i = 0; i < jobs; i++)
        if (pthread_create(&threads[i], NULL, run_worker, &st) == 0)
            started++;
    if (started == 0)
        run_worker(&st);
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    progress_ticker_stop(&ticker);
    pthread_mutex_destroy(&st.lock);
    int rc = st.failed ? ag_error_set(err, st.error.status, "%s", st.error.message) : AG_OK;
    if (rc == AG_OK)
        rc = publish_run(plan, tool, made, &stage, err);
    if (rc != AG_OK)
        ag_error_replace(err, stage.dir, plan->out_root);
    cleanup_unregister_hook(staging_interrupted, &stage);
    staging_close(&stage);
    return rc;
}
