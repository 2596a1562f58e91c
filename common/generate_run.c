#include "common/generate_run.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "common/cleanup.h"
#include "common/fault.h"
#include "common/fsutil.h"
#include "common/manifest.h"
#include "common/openpgp.h"
#include "common/progress_ticker.h"
#include "common/staging.h"

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
