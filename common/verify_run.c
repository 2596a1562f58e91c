#include "common/verify_run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fsutil.h"
#include "common/generator.h"
#include "common/manifest.h"
#include "common/openpgp.h"
#include "common/staging.h"
#include "common/verify_sets.h"

static int check_digests(const char *out_root, const struct artifact *art, struct ag_error *err)
{
    char *path = xasprintf("%s/%s", out_root, art->path);
    struct digest_set d;
    uint64_t total = 0;
    int rc =
        digest_file(path, DIGEST_BIT(DIGEST_SHA256) | DIGEST_BIT(DIGEST_SHA512), &d, &total, err);
    free(path);
    if (rc != AG_OK)
        return rc;
    char sha256[65], sha512[129];
    digest_hex(d.value[DIGEST_SHA256], 32, sha256);
    digest_hex(d.value[DIGEST_SHA512], 64, sha512);
    digest_set_free(&d);
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

/* A set's signer persona over a detached signature: none for unsigned;
 * one the published key cannot check for wrong-signer; one it finds bad
 * for other-bytes. */
static int check_persona(const char *out_root, const struct artifact *art, int implied,
                         const char *public_key, struct verifier **verifier, struct ag_error *err)
{
    if (!implied)
        return AG_OK; /* not signed this way: nothing to tell */
    if (strcmp(art->signer, "unsigned") == 0)
        return art->signature == NULL ? AG_OK
                                      : ag_error_set(err, AG_FAIL,
                                                     "%s: signer persona unsigned, but the "
                                                     "manifest names a signature",
                                                     art->path);
    if (art->signature == NULL)
        return ag_error_set(err, AG_FAIL, "%s: signer persona %s, but no signature", art->path,
                            art->signer);
    if (*verifier == NULL && verifier_open(verifier, public_key, err) != AG_OK)
        return ag_error_prefix(err, "cannot check %s: ", art->signature);
    char *path = xasprintf("%s/%s", out_root, art->path);
    char *sig = xasprintf("%s/%s", out_root, art->signature);
    struct ag_error why = {0};
    int rc = verifier_check_file(*verifier, path, sig, &why);
    free(path);
    free(sig);
    const char *want = strcmp(art->signer, "wrong-signer") == 0 ? "No public key" : "Bad signature";
    if (rc == AG_OK)
        return ag_error_set(err, AG_FAIL, "%s: signer persona %s, but the signature verifies",
                            art->path, art->signer);
    if (strstr(why.message, want) == NULL)
        return ag_error_set(err, AG_FAIL, "%s: signer persona %s should fail with '%s', not: %s",
                            art->path, art->signer, want, why.message);
    return AG_OK;
}

/* A republished copy: the same format, kind, name and version as a row
 * the index lists, with other bytes, and listed nowhere itself. */
static int check_republished(const char *out_root, const struct manifest *m,
                             const struct artifact *art, char *passed, size_t passed_len,
                             struct ag_error *err)
{
    if (check_digests(out_root, art, err) != AG_OK)
        return err->status;
    for (size_t i = 0; i < m->artifacts.count; i++) {
        const struct artifact *o = &m->artifacts.items[i];
        if (o->unlisted || strcmp(o->format, art->format) != 0 || strcmp(o->kind, art->kind) != 0 ||
            strcmp(o->name, art->name) != 0 || strcmp(o->version, art->version) != 0)
            continue;
        if (strcmp(o->sha256, art->sha256) == 0)
            return ag_error_set(err, AG_FAIL, "%s: republished with the same bytes as %s",
                                art->path, o->path);
        snprintf(passed, passed_len, "republished: %s %s again with other bytes than %s", art->name,
                 art->version, o->path);
        return AG_OK;
    }
    return ag_error_set(err, AG_FAIL, "%s: a republished copy of %s %s, which no listed row holds",
                        art->path, art->name, art->version);
}

static int check_signature(const char *out_root, const struct artifact *art, int implied,
                           const char *public_key, struct verifier **verifier, struct ag_error *err)
{
    if (art->signer != NULL)
        return check_persona(out_root, art, implied, public_key, verifier, err);
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

/* A known-bad variant passes when its bytes are the recorded ones and
 * the format's predicate for that defect holds: the defect is there and
 * everything else is intact, so a client's refusal is for that defect. */
static int check_defect_present(const char *out_root, const char *base_url,
                                const struct generator *gen, const struct artifact *art,
                                char *passed, size_t passed_len, struct ag_error *err)
{
    if (check_digests(out_root, art, err) != AG_OK)
        return err->status;
    const struct defect *defect = generator_defect(gen, art->defect);
    if (defect == NULL || defect->present == NULL)
        return ag_error_set(err, AG_FAIL, "%s: %s has no defect '%s' with a predicate to check",
                            art->path, gen->name, art->defect ? art->defect : "(unnamed)");
    if (defect->present(out_root, base_url, art, err) != AG_OK)
        return ag_error_prefix(err, "%s: defect '%s' not as it should be: ", art->path,
                               defect->name);
    snprintf(passed, passed_len, "defect %s: %s", defect->name, defect->predicate);
    return AG_OK;
}

/* Every repository file as the run that wrote it left it: a missing
 * simple-index page or an edited packument is named. */
static void check_repository(const char *out_root, const struct manifest *m, struct report *report)
{
    for (size_t i = 0; i < m->repository_count; i++) {
        const struct repository_file *f = &m->repository[i];
        double start = monotonic_seconds();
        char *path = xasprintf("%s/%s", out_root, f->path);
        struct digest_set d;
        uint64_t bytes = 0;
        struct ag_error e = {0};
        char sha256[65] = "";
        if (digest_file(path, DIGEST_BIT(DIGEST_SHA256), &d, &bytes, &e) == AG_OK) {
            digest_hex(d.value[DIGEST_SHA256], 32, sha256);
            digest_set_free(&d);
            if (bytes != f->bytes || strcmp(sha256, f->sha256) != 0)
                ag_error_set(&e, AG_FAIL,
                             "%s changed since the run that wrote it (%llu bytes, the manifest "
                             "says %llu)",
                             f->path, (unsigned long long)bytes, (unsigned long long)f->bytes);
        } else {
            ag_error_set(&e, AG_FAIL, "%s is missing or unreadable (the manifest lists it)",
                         f->path);
        }
        free(path);
        report_add(report, "index", f->path, e.status == AG_OK ? CHECK_PASS : CHECK_FAIL, e.message,
                   monotonic_seconds() - start);
    }
}

struct accounted {
    const char *root;
    const char **known; /* sorted */
    size_t count;
    struct report *report;
};

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static enum walk_step visit_accounted(void *ctx, const char *path, const char *name,
                                      const struct stat *st)
{
    struct accounted *a = ctx;
    /* Hidden entries are the lock, staging and temporaries, which the
     * sweeps below report. */
    if (name[0] == '.')
        return WALK_NEXT;
    if (S_ISDIR(st->st_mode))
        return WALK_INTO;
    const char *rel = path + strlen(a->root) + 1;
    if (strcmp(rel, "manifest.json") == 0 ||
        bsearch(&rel, a->known, a->count, sizeof *a->known, compare_strings) != NULL)
        return WALK_NEXT;
    char *message = xasprintf("%s is in the tree but no manifest row or repository file accounts "
                              "for it",
                              rel);
    report_add(a->report, "tree", rel, CHECK_FAIL, message, 0);
    free(message);
    return WALK_NEXT;
}

/* A file no row, signature or repository entry names (an extra wheel
 * dropped into packages/) is reported: a mirror would serve it. */
static void check_accounted(const char *out_root, const struct manifest *m, struct report *report)
{
    size_t n = 0;
    const char **known =
        xmalloc((2 * m->artifacts.count + m->repository_count + 1) * sizeof *known);
    for (size_t i = 0; i < m->artifacts.count; i++) {
        known[n++] = m->artifacts.items[i].path;
        if (m->artifacts.items[i].signature)
            known[n++] = m->artifacts.items[i].signature;
    }
    for (size_t i = 0; i < m->repository_count; i++)
        known[n++] = m->repository[i].path;
    qsort(known, n, sizeof *known, compare_strings);
    struct accounted a = {out_root, known, n, report};
    walk_tree(out_root, visit_accounted, &a);
    free(known);
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
        else if (expect_reject && art->unlisted && art->defect == NULL) {
            if (check_republished(out_root, &m, art, e.message, sizeof e.message, &e) == AG_OK)
                gen->verify_artifact(out_root, base_url, art, &e);
        } else if (expect_reject)
            check_defect_present(out_root, base_url, gen, art, e.message, sizeof e.message, &e);
        else if (check_digests(out_root, art, &e) == AG_OK && check_size(art, size, &e) == AG_OK &&
                 check_signature(out_root, art, signature_implied(&m, gen, art), public_key,
                                 &verifier, &e) == AG_OK)
            gen->verify_artifact(out_root, base_url, art, &e);
        report_add(report, art->format, art->path, e.status == AG_OK ? CHECK_PASS : CHECK_FAIL,
                   e.message, monotonic_seconds() - start);
    }
    check_repository(out_root, &m, report);
    verify_sets(&m, report);
    check_accounted(out_root, &m, report);
    cleanup_each_temporary(out_root, report_temporary, report);
    staging_each_leftover(out_root, report_unsettled_publish, report);
    verifier_close(verifier);
    manifest_free(&m);
    return AG_OK;
}
