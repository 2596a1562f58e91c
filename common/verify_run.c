#include "common/verify_run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fsutil.h"
#include "common/generator.h"
#include "common/manifest.h"
#include "common/openpgp.h"
#include "common/staging.h"

static int check_digests(const char *out_root, const struct artifact *art, struct ag_error *err)
{
    char *path = xasprintf("%s/%s", out_root, art->path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ag_error_set(err, AG_FAIL, "%s: %s", art->path, strerror(errno));
        free(path);
        return err->status;
    }
    free(path);
    struct digest_set d;
    if (digest_set_init(&d, DIGEST_BIT(DIGEST_SHA256) | DIGEST_BIT(DIGEST_SHA512), err) != AG_OK) {
        close(fd);
        return err->status;
    }
    unsigned char *buf = xmalloc(1 << 20);
    uint64_t total = 0;
    ssize_t n;
    while ((n = read(fd, buf, 1 << 20)) > 0) {
        digest_set_update(&d, buf, (size_t)n);
        total += (uint64_t)n;
    }
    free(buf);
    close(fd);
    int rc =
        n < 0 ? ag_error_set(err, AG_FAIL, "%s: read error", art->path) : digest_set_final(&d, err);
    digest_set_free(&d);
    if (rc != AG_OK)
        return rc;
    char sha256[65], sha512[129];
    digest_hex(d.value[DIGEST_SHA256], 32, sha256);
    digest_hex(d.value[DIGEST_SHA512], 64, sha512);
    if (total != art->bytes)
        return ag_error_set(err, AG_FAIL, "%s: %llu bytes, the manifest says %llu", art->path,
                            (unsigned long long)total, (unsigned long long)art->bytes);
    if (strcmp(sha256, art->sha256) != 0 || strcmp(sha512, art->sha512) != 0)
        return ag_error_set(err, AG_FAIL, "%s: sha256/sha512 differ from the manifest", art->path);
    return AG_OK;
}

static int check_size(const struct artifact *art, const struct size_tier *size,
                      struct ag_error *err)
{
    if (size == NULL)
        return AG_OK;
    if (art->bytes > size->max_size)
        return ag_error_set(err, AG_FAIL, "%s: %llu bytes exceeds the %s tier's %llu", art->path,
                            (unsigned long long)art->bytes, size->name,
                            (unsigned long long)size->max_size);
    /* A tier with a data file is filled: at least 95% of its maximum. */
    if (size->data_size > 0 && art->bytes < size->max_size / 100 * 95)
        return ag_error_set(err, AG_FAIL, "%s: %llu bytes is under 95%% of the %s tier's %llu",
                            art->path, (unsigned long long)art->bytes, size->name,
                            (unsigned long long)size->max_size);
    return AG_OK;
}

/* A partial file left behind would be a corrupt artifact to a crawler. */
static void report_temporary(void *ctx, const char *path, int owner_gone)
{
    report_add(ctx, "tree", path, CHECK_FAIL,
               owner_gone ? "temporary file or staging directory of a killed run left behind"
                          : "temporary file or staging directory of a running generate",
               0);
}

static void report_unsettled_publish(void *ctx, const char *path)
{
    report_add(ctx, "tree", path, CHECK_FAIL,
               "left by a publish cut short; the next generate into this tree settles it", 0);
}

/* A signed run implies a detached signature for every file of a kind
 * the format signs that way: a missing one is a failure, not a skip. */
static int signature_implied(const struct manifest *m, const struct generator *gen,
                             const struct artifact *art)
{
    const struct artifact_kind *kind = generator_kind(gen, art->kind);
    return m->signing_key != NULL && (gen->sign_modes & SIGN_DETACHED) && kind != NULL &&
           kind->detached_signature;
}

static int check_signature(const char *out_root, const struct artifact *art, int implied,
                           const char *public_key, struct verifier **verifier, struct ag_error *err)
{
    if (art->signature == NULL && implied)
        return ag_error_set(err, AG_FAIL,
                            "%s: the run was signed but the manifest names no signature for it",
                            art->path);
    if (art->signature == NULL)
        return AG_OK;
    if (*verifier == NULL && verifier_open(verifier, public_key, err) != AG_OK)
        return ag_error_prefix(err, "cannot check %s: ", art->signature);
    char *path = xasprintf("%s/%s", out_root, art->path);
    char *sig = xasprintf("%s/%s", out_root, art->signature);
    int rc = verifier_check_file(*verifier, path, sig, err);
    free(path);
    free(sig);
    return rc;
}

/* A known-bad variant passes when its bytes are the recorded ones and the
 * format's own checks find the defect: a defect they miss was not made. */
static int check_defect_present(const char *out_root, const char *base_url,
                                const struct generator *gen, const struct artifact *art,
                                struct ag_error *err)
{
    if (check_digests(out_root, art, err) != AG_OK)
        return err->status;
    struct ag_error found = {0};
    if (gen->verify_artifact(out_root, base_url, art, &found) == AG_OK)
        return ag_error_set(err, AG_FAIL, "%s: defect '%s' is not there: every check passes",
                            art->path, art->defect ? art->defect : "(unnamed)");
    return AG_OK;
}

int verify_run(const struct generator_table *formats, const char *out_root,
               const struct size_tier *size, const char *public_key, struct report *report,
               struct ag_error *err)
{
    char *path = xasprintf("%s/manifest.json", out_root);
    if (!path_exists(path)) {
        ag_error_set(err, AG_USAGE, "%s does not exist; run assetgen generate first", path);
        free(path);
        return err->status;
    }
    struct manifest m;
    int rc = manifest_read(path, &m, err);
    free(path);
    if (rc != AG_OK)
        return rc;
    const char *base_url = m.base_url ? m.base_url : "http://127.0.0.1:8080/";
    struct verifier *verifier = NULL;
    for (size_t i = 0; i < m.artifacts.count; i++) {
        const struct artifact *art = &m.artifacts.items[i];
        double start = monotonic_seconds();
        struct ag_error e = {0};
        const struct generator *gen = generator_table_find(formats, art->format);
        int expect_reject = art->expect && strcmp(art->expect, "reject") == 0;
        if (gen == NULL)
            ag_error_set(&e, AG_FAIL, "%s: format '%s' is unknown to this build", art->path,
                         art->format);
        else if (expect_reject)
            check_defect_present(out_root, base_url, gen, art, &e);
        else if (check_digests(out_root, art, &e) == AG_OK && check_size(art, size, &e) == AG_OK &&
                 check_signature(out_root, art, signature_implied(&m, gen, art), public_key,
                                 &verifier, &e) == AG_OK)
            gen->verify_artifact(out_root, base_url, art, &e);
        report_add(report, art->format, art->path, e.status == AG_OK ? CHECK_PASS : CHECK_FAIL,
                   e.status == AG_OK ? "" : e.message, monotonic_seconds() - start);
    }
    cleanup_each_temporary(out_root, report_temporary, report);
    staging_each_leftover(out_root, report_unsettled_publish, report);
    verifier_close(verifier);
    manifest_free(&m);
    return AG_OK;
}
