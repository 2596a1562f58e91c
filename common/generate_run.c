#include "common/generate_run.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/cleanup.h"
#include "common/fault.h"
#include "common/fsutil.h"
#include "common/manifest.h"
#include "common/openpgp.h"
#include "common/progress_ticker.h"
#include "common/repo_stage.h"
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

/* The core's detached signatures: one beside each file of a kind the
 * generator marks for it (<file><suffix>). */
/* A file of other bytes beside the staged one: what an other-bytes
 * persona's signature covers. */
static int write_decoy(const char *path, const char *of, struct ag_error *err)
{
    FILE *f = fopen(path, "wbx");
    if (f == NULL)
        return ag_error_set(err, ag_status_for_errno(errno), "cannot create %s: %s", path,
                            strerror(errno));
    int ok = fprintf(f, "not the bytes of %s\n", of) > 0;
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        unlink(path);
        return ag_error_set(err, AG_FAIL, "cannot write %s", path);
    }
    return AG_OK;
}

static int sign_artifact(const struct run_state *st, const struct generator *gen,
                         struct artifact *art, struct ag_error *err)
{
    const struct artifact_kind *kind = generator_kind(gen, art->kind);
    if (kind == NULL || !kind->detached_signature)
        return AG_OK;
    /* A set's signer personas: no signature, another key's, or one over
     * other bytes. */
    struct signer *signer = st->plan->signer;
    const char *persona = art->signer ? art->signer : "";
    if (strcmp(persona, "unsigned") == 0)
        return AG_OK;
    if (strcmp(persona, "wrong-signer") == 0)
        signer = st->plan->wrong_signer;
    if (signer == NULL)
        return ag_error_set(err, AG_FAIL, "%s: no key for signer %s", art->path, persona);
    char *relative = xasprintf("%s%s", art->path, gen->detached_suffix);
    char *path = xasprintf("%s/%s", st->stage_root, art->path);
    char *sig = xasprintf("%s/%s", st->stage_root, relative);
    int rc = AG_OK;
    if (strcmp(persona, "other-bytes") == 0) {
        char *decoy = xasprintf("%s.other-bytes", path);
        rc = write_decoy(decoy, art->path, err);
        if (rc == AG_OK)
            rc = signer_sign_hashed(signer, decoy, NULL, sig, err);
        unlink(decoy);
        free(decoy);
    } else {
        rc = signer_sign_hashed(signer, path, art->sha256_state, sig, err);
    }
    free(path);
    free(sig);
    if (rc != AG_OK) {
        free(relative);
        return rc;
    }
    free(art->signature);
    art->signature = relative;
    return AG_OK;
}

/* The files of one package, shared by the threads that sign them. */
struct sign_job {
    const struct run_state *st;
    const struct generator *gen;
    struct artifact_list *list;
    pthread_mutex_t lock;
    size_t next;
    int failed;
    struct ag_error error;
};

static void *sign_worker(void *arg)
{
    struct sign_job *job = arg;
    for (;;) {
        pthread_mutex_lock(&job->lock);
        size_t i = job->next++;
        int stop = job->failed || i >= job->list->count;
        pthread_mutex_unlock(&job->lock);
        if (stop)
            return NULL;
        struct ag_error err = {0};
        if (sign_artifact(job->st, job->gen, &job->list->items[i], &err) != AG_OK) {
            pthread_mutex_lock(&job->lock);
            if (!job->failed)
                job->error = err;
            job->failed = 1;
            pthread_mutex_unlock(&job->lock);
        }
    }
}

/* Signs a package's files two at a time: gpg hashes each file in a
 * process of its own, and a wheel and its sdist are the bulk of a run. */
static int sign_artifacts(const struct run_state *st, const struct generator *gen,
                          struct artifact_list *list, struct ag_error *err)
{
    struct sign_job job = {.st = st, .gen = gen, .list = list};
    pthread_mutex_init(&job.lock, NULL);
    pthread_t helper;
    int helped = list->count > 1 && pthread_create(&helper, NULL, sign_worker, &job) == 0;
    sign_worker(&job);
    if (helped)
        pthread_join(helper, NULL);
    pthread_mutex_destroy(&job.lock);
    if (job.failed)
        return ag_error_set(err, job.error.status, "%s", job.error.message);
    return AG_OK;
}

/* What the core records of a row beyond the generator's: its defect,
 * its package URL, and what a package set says of it. */
static void label_row(const struct generator *gen, const struct package_spec *spec,
                      struct artifact *art)
{
    if (spec->defect || spec->copy > 0) {
        free(art->expect);
        art->expect = xstrdup("reject");
    }
    if (spec->defect) {
        free(art->defect);
        art->defect = xstrdup(spec->defect);
    }
    /* A generator whose purl needs more than name and version (rpm's
     * release and arch) sets it on the row itself. */
    if (art->purl == NULL && gen->purl)
        art->purl = gen->purl(art->name, art->version);
    if (spec->set == NULL)
        return;
    free(art->set);
    art->set = xstrdup(spec->set);
    art->unlisted = spec->copy > 0;
    free(art->signer);
    art->signer =
        spec->persona == PERSONA_PROJECT ? NULL : xstrdup(signer_persona_name(spec->persona));
    if (art->facts == NULL)
        art->facts = json_object();
    if (spec->yanked)
        json_object_set_new(art->facts, "yanked", json_string(spec->yanked));
    if (spec->tag_count > 0) {
        json_t *tags = json_array();
        for (size_t t = 0; t < spec->tag_count; t++)
            json_array_append_new(tags, json_string(spec->tags[t]));
        json_object_set_new(art->facts, "dist_tags", tags);
    }
}

static int make_package(const struct run_state *st, const struct planned_package *pkg,
                        struct artifact_list *mine, struct ag_error *err)
{
    const struct generator *gen = pkg->generator;
    struct package_spec spec = pkg->spec;
    spec.out_root = st->stage_root;
    /* An embedded signature is the persona's: another key's, none, or the
     * project key's over other bytes (the generator's to place). */
    enum signer_persona persona =
        spec.defect && signer_persona_named(spec.defect) != PERSONA_PROJECT
            ? signer_persona_named(spec.defect)
            : spec.persona;
    spec.signer = NULL;
    if (gen->sign_modes & SIGN_EMBEDDED)
        spec.signer = persona == PERSONA_WRONG_SIGNER ? st->plan->wrong_signer
                      : persona == PERSONA_UNSIGNED   ? NULL
                                                      : st->plan->signer;
    int rc = gen->generate(&spec, mine, err);
    for (size_t i = 0; rc == AG_OK && i < mine->count; i++)
        label_row(gen, &spec, &mine->items[i]);
    if (rc == AG_OK && st->plan->signer && (gen->sign_modes & SIGN_DETACHED))
        rc = sign_artifacts(st, gen, mine, err);
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
static int publish_key(struct repo_stage *stage, const char *source, const char *relative,
                       struct ag_error *err)
{
    char *key = NULL;
    size_t len = 0;
    int rc = read_file(source, &key, &len, err);
    if (rc == AG_OK)
        rc = repo_stage_put(stage, relative, key, len, REPO_LEAF, err);
    free(key);
    return rc;
}

/* The public key that verifies the signatures, and the CA certificate a
 * client needs for HTTPS, beside the assets. */
static int publish_public_keys(const struct generate_plan *plan, struct repo_stage *stage,
                               struct ag_error *err)
{
    int rc = AG_OK;
    if (plan->signer && plan->public_key_path)
        rc = publish_key(stage, plan->public_key_path, "keys/gpg-signing.asc", err);
    if (rc == AG_OK && plan->ca_cert_path && path_exists(plan->ca_cert_path))
        rc = publish_key(stage, plan->ca_cert_path, "keys/ca.crt", err);
    return rc;
}

/* A row an earlier run left is untrusted: its name and version must
 * still pass the format's rules before the index step builds paths and
 * pages from them. */
static int check_earlier_row(const struct generator *gen, const struct artifact *art,
                             struct ag_error *err)
{
    struct package_spec spec = {.format = gen->name, .name = art->name, .version = art->version};
    if (gen->check_package(&spec, err) == AG_OK)
        return AG_OK;
    err->status = AG_FAIL;
    return ag_error_prefix(err, "manifest.json row %s: ", art->path);
}

/* Every format's repository metadata, from the merged manifest's rows
 * and their facts, into the staging directory beside this run's files. */
static int write_indexes(const struct generate_plan *plan, const struct manifest *m,
                         struct repo_stage *stage, struct ag_error *err)
{
    /* Over HTTPS a client needs the test CA: the settings files name it. */
    char *ca_pem = NULL;
    size_t ca_len = 0;
    int rc = AG_OK;
    if (plan->ca_cert_path && path_exists(plan->ca_cert_path))
        rc = read_file(plan->ca_cert_path, &ca_pem, &ca_len, err);
    char *published_root = realpath(plan->out_root, NULL);
    for (size_t g = 0; rc == AG_OK && g < plan->generator_count; g++) {
        const struct generator *gen = plan->generators[g];
        struct artifact_list rows = {0};
        for (size_t i = 0; rc == AG_OK && i < m->artifacts.count; i++) {
            if (strcmp(m->artifacts.items[i].format, gen->name) != 0)
                continue;
            rc = check_earlier_row(gen, &m->artifacts.items[i], err);
            /* A republished copy is what a registry must refuse: no index
             * lists it. */
            if (!m->artifacts.items[i].unlisted)
                artifact_list_add(&rows, &m->artifacts.items[i]);
        }
        struct index_request req = {.stage = stage,
                                    .base_url = plan->base_url,
                                    .epoch = plan->epoch,
                                    .artifacts = rows.items,
                                    .count = rows.count,
                                    .signer = plan->signer,
                                    .wrong_signer = plan->wrong_signer,
                                    .ca_pem = ca_pem,
                                    .published_root =
                                        published_root ? published_root : plan->out_root};
        if (rc == AG_OK && (rc = gen->write_index(&req, err)) != AG_OK)
            ag_error_prefix(err, "%s index: ", gen->name);
        artifact_list_free(&rows);
    }
    free(ca_pem);
    free(published_root);
    return rc;
}

/* The repository files this run wrote, with their digests, into the
 * manifest: verify checks them, and any file they and the rows do not
 * account for. */
static int note_repository(struct manifest *m, const struct repo_stage *stage, struct ag_error *err)
{
    const char **paths = xmalloc((stage->count + 1) * sizeof *paths);
    for (size_t i = 0; i < stage->count; i++)
        paths[i] = stage->files[i].relative;
    int rc = manifest_note_repository_files(m, paths, stage->count, stage->root, err);
    free(paths);
    return rc;
}

/* Artifacts and their signatures move first, then the repository files
 * leaves before roots, so no index ever names a file not there yet. */
static int publish_staged(struct staging *staging, const struct artifact_list *made,
                          const struct repo_stage *stage, struct ag_error *err)
{
    const char **order = xmalloc((2 * made->count + stage->count + 1) * sizeof *order);
    size_t ends[1 + REPO_ORDERS];
    size_t n = 0;
    for (size_t i = 0; i < made->count; i++) {
        order[n++] = made->items[i].path;
        if (made->items[i].signature)
            order[n++] = made->items[i].signature;
    }
    ends[0] = n;
    for (unsigned o = 0; o < REPO_ORDERS; o++) {
        for (size_t i = 0; i < stage->count; i++)
            if (stage->files[i].order == (enum repo_order)o)
                order[n++] = stage->files[i].relative;
        ends[1 + o] = n;
    }
    int rc = staging_publish(staging, "manifest.json", order, ends, 1 + REPO_ORDERS, err);
    free(order);
    return rc;
}

/* Under the output lock: merge the manifest, write the indexes beside the
 * run's files, move them all into place, then replace the manifest. If
 * anything fails, every file moved is put back as it was. */
static int publish_run(const struct generate_plan *plan, const char *tool,
                       const struct artifact_list *made, struct staging *staging,
                       const struct generate_progress *progress, struct ag_error *err)
{
    int lock_fd;
    if (manifest_lock_wait(plan->out_root, plan->lock_timeout,
                           progress ? progress->lock_wait : NULL, progress ? progress->ctx : NULL,
                           &lock_fd, err) != AG_OK)
        return err->status;
    /* What dead runs left: a half-done move first, then their files. */
    if (staging_recover(plan->out_root, err) != AG_OK) {
        manifest_unlock(lock_fd);
        return err->status;
    }
    cleanup_stale_temporaries(plan->out_root);
    char *manifest_path = xasprintf("%s/manifest.json", plan->out_root);
    struct manifest m;
    struct repo_stage stage;
    repo_stage_init(&stage, staging->dir);
    int rc = manifest_read(manifest_path, &m, err);
    if (rc == AG_OK) {
        manifest_merge(&m, made);
        if (plan->set_entry) {
            json_t *fresh = json_object();
            json_object_set(fresh, plan->set_name, plan->set_entry);
            manifest_merge_sets(&m, fresh);
            json_decref(fresh);
        }
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
        rc = publish_public_keys(plan, &stage, err);
        if (rc == AG_OK)
            rc = write_indexes(plan, &m, &stage, err);
        if (rc == AG_OK)
            rc = note_repository(&m, &stage, err);
        if (rc == AG_OK) {
            /* From the first move to the manifest, an interrupt waits:
             * out/ must end either as it was or as this run leaves it. */
            cleanup_defer();
            rc = publish_staged(staging, made, &stage, err);
            if (rc == AG_OK)
                rc = manifest_write(manifest_path, &m, err);
            if (rc == AG_OK) {
                fault_point("committed");
                staging_commit(staging);
                /* Committed whatever this says: nothing is rolled back. */
                rc = sync_dir(plan->out_root, err);
            } else
                staging_rollback(staging, err);
            cleanup_resume();
        }
        manifest_free(&m);
    }
    repo_stage_free(&stage);
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
    /* Only handles of threads that started are joined. */
    for (unsigned i = 0; i < jobs; i++)
        if (pthread_create(&threads[started], NULL, run_worker, &st) == 0)
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
        rc = publish_run(plan, tool, made, &stage, progress, err);
    if (rc != AG_OK)
        ag_error_replace(err, stage.dir, plan->out_root);
    cleanup_unregister_hook(staging_interrupted, &stage);
    staging_close(&stage);
    return rc;
}
