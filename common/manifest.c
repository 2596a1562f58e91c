#include "common/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/digest.h"
#include "common/fsutil.h"
#include "common/json_file.h"
#include "common/report.h"

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *artifact_to_json(const struct artifact *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "format", json_string(a->format));
    json_object_set_new(o, "kind", json_string(a->kind));
    json_object_set_new(o, "name", json_string(a->name));
    json_object_set_new(o, "version", json_string(a->version));
    json_object_set_new(o, "path", json_string(a->path));
    json_object_set_new(o, "bytes", json_integer((json_int_t)a->bytes));
    json_object_set_new(o, "sha256", json_string(a->sha256));
    json_object_set_new(o, "sha512", json_string(a->sha512));
    if (a->sha1[0])
        json_object_set_new(o, "sha1", json_string(a->sha1));
    if (a->md5[0])
        json_object_set_new(o, "md5", json_string(a->md5));
    json_object_set_new(o, "signature", string_or_null(a->signature));
    json_object_set_new(o, "defect", string_or_null(a->defect));
    json_object_set_new(o, "expect", json_string(a->expect ? a->expect : "accept"));
    json_object_set_new(o, "purl", string_or_null(a->purl));
    json_object_set_new(o, "set", string_or_null(a->set));
    json_object_set_new(o, "signer", string_or_null(a->signer));
    json_object_set_new(o, "listed", json_boolean(!a->unlisted));
    if (a->data_path) {
        json_t *d = json_object();
        json_object_set_new(d, "path", json_string(a->data_path));
        json_object_set_new(d, "bytes", json_integer((json_int_t)a->data_bytes));
        json_object_set_new(d, "sha256", json_string(a->data_sha256));
        json_object_set_new(o, "data", d);
    } else {
        json_object_set_new(o, "data", json_null());
    }
    json_object_set_new(o, "facts", a->facts ? json_deep_copy(a->facts) : json_object());
    return o;
}

static char *get_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? xstrdup(s) : NULL;
}

/* A row read back from disk is untrusted: whatever a previous run (or
 * anyone) left there must have the types the schema says, and its paths
 * must stay inside the format's tree, before any of it is used. */
static const char *row_string(json_t *o, const char *key, int required, int *bad)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL || json_is_null(v)) {
        *bad = *bad || required;
        return NULL;
    }
    const char *s = json_string_value(v);
    if (s == NULL || strlen(s) != json_string_length(v))
        *bad = 1;
    return s;
}

static int is_hex_of(const char *s, size_t len)
{
    if (s == NULL || strlen(s) != len)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

static const char *row_path_problem(const char *format, const char *path)
{
    const char *why = relative_path_problem(path);
    if (why != NULL)
        return why;
    size_t n = strlen(format);
    if (strncmp(path, format, n) != 0 || path[n] != '/')
        return "outside the format's own folder";
    return NULL;
}

static int row_invalid(const char *manifest, size_t index, const char *what, const char *detail,
                       struct ag_error *err)
{
    return ag_error_set(err, AG_FAIL, "%s: artifacts[%zu]: %s%s%s; the file is not used", manifest,
                        index, what, detail ? ": " : "", detail ? detail : "");
}

static int row_check(json_t *o, size_t index, const char *manifest, struct ag_error *err)
{
    if (!json_is_object(o))
        return row_invalid(manifest, index, "not an object", NULL, err);
    int bad = 0;
    const char *format = row_string(o, "format", 1, &bad);
    const char *path = row_string(o, "path", 1, &bad);
    row_string(o, "kind", 1, &bad);
    row_string(o, "name", 1, &bad);
    row_string(o, "version", 1, &bad);
    if (bad)
        return row_invalid(manifest, index,
                           "format, kind, name, version and path must be strings without NUL", NULL,
                           err);
    const char *why = row_path_problem(format, path);
    if (why != NULL)
        return row_invalid(manifest, index, "path", why, err);
    const char *sig = row_string(o, "signature", 0, &bad);
    if (bad || (sig && (why = row_path_problem(format, sig)) != NULL))
        return row_invalid(manifest, index, "signature", bad ? "not a string or null" : why, err);
    row_string(o, "defect", 0, &bad);
    const char *expect = row_string(o, "expect", 0, &bad);
    if (bad || (expect && strcmp(expect, "accept") != 0 && strcmp(expect, "reject") != 0))
        return row_invalid(manifest, index, "expect must be \"accept\" or \"reject\"", NULL, err);
    row_string(o, "purl", 0, &bad);
    row_string(o, "set", 0, &bad);
    const char *signer = row_string(o, "signer", 0, &bad);
    if (bad)
        return row_invalid(manifest, index, "purl, set and signer must be strings or null", NULL,
                           err);
    if (signer && strcmp(signer, "wrong-signer") != 0 && strcmp(signer, "unsigned") != 0 &&
        strcmp(signer, "other-bytes") != 0)
        return row_invalid(manifest, index,
                           "signer must be null, \"wrong-signer\", \"unsigned\" or "
                           "\"other-bytes\"",
                           NULL, err);
    json_t *listed = json_object_get(o, "listed");
    if (listed != NULL && !json_is_boolean(listed))
        return row_invalid(manifest, index, "listed must be true or false", NULL, err);
    json_t *bytes = json_object_get(o, "bytes");
    if (!json_is_integer(bytes) || json_integer_value(bytes) < 0)
        return row_invalid(manifest, index, "bytes must be a whole number >= 0", NULL, err);
    if (!is_hex_of(row_string(o, "sha256", 1, &bad), 64) ||
        !is_hex_of(row_string(o, "sha512", 1, &bad), 128))
        return row_invalid(manifest, index, "sha256 and sha512 must be lowercase hex digests", NULL,
                           err);
    const char *sha1 = row_string(o, "sha1", 0, &bad);
    const char *md5 = row_string(o, "md5", 0, &bad);
    if (bad || (sha1 && !is_hex_of(sha1, 40)) || (md5 && !is_hex_of(md5, 32)))
        return row_invalid(manifest, index, "sha1 and md5 must be lowercase hex digests", NULL,
                           err);
    json_t *d = json_object_get(o, "data");
    if (d != NULL && !json_is_null(d)) {
        const char *dpath = json_is_object(d) ? row_string(d, "path", 1, &bad) : NULL;
        json_t *dbytes = json_object_get(d, "bytes");
        if (!json_is_object(d) || bad || relative_path_problem(dpath) != NULL ||
            !json_is_integer(dbytes) || json_integer_value(dbytes) < 0 ||
            !is_hex_of(row_string(d, "sha256", 1, &bad), 64))
            return row_invalid(manifest, index, "data must be null or {path, bytes, sha256}", NULL,
                               err);
    }
    json_t *facts = json_object_get(o, "facts");
    if (facts != NULL && !json_is_null(facts) && !json_is_object(facts))
        return row_invalid(manifest, index, "facts must be an object or null", NULL, err);
    return AG_OK;
}

static int repository_check(json_t *o, size_t index, const char *manifest, struct ag_error *err)
{
    int bad = 0;
    const char *path = json_is_object(o) ? row_string(o, "path", 1, &bad) : NULL;
    json_t *bytes = json_object_get(o, "bytes");
    const char *why = path ? relative_path_problem(path) : "not a string";
    if (why == NULL && strcmp(path, "manifest.json") == 0)
        why = "the manifest itself";
    if (!json_is_object(o) || bad || why != NULL || !json_is_integer(bytes) ||
        json_integer_value(bytes) < 0 || !is_hex_of(row_string(o, "sha256", 1, &bad), 64))
        return ag_error_set(err, AG_FAIL,
                            "%s: repository[%zu]: must be {path, bytes, sha256} with a path inside "
                            "the tree%s%s; the file is not used",
                            manifest, index, why ? ": " : "", why ? why : "");
    return AG_OK;
}

static void artifact_from_json(json_t *o, struct artifact *a)
{
    memset(a, 0, sizeof *a);
    a->format = get_str(o, "format");
    a->kind = get_str(o, "kind");
    a->name = get_str(o, "name");
    a->version = get_str(o, "version");
    a->path = get_str(o, "path");
    a->signature = get_str(o, "signature");
    a->defect = get_str(o, "defect");
    a->expect = get_str(o, "expect");
    a->purl = get_str(o, "purl");
    a->set = get_str(o, "set");
    a->signer = get_str(o, "signer");
    a->unlisted = json_is_false(json_object_get(o, "listed"));
    a->bytes = (uint64_t)json_integer_value(json_object_get(o, "bytes"));
    strcpy(a->sha256, json_string_value(json_object_get(o, "sha256")));
    strcpy(a->sha512, json_string_value(json_object_get(o, "sha512")));
    const char *sha1 = json_string_value(json_object_get(o, "sha1"));
    const char *md5 = json_string_value(json_object_get(o, "md5"));
    if (sha1)
        strcpy(a->sha1, sha1);
    if (md5)
        strcpy(a->md5, md5);
    json_t *d = json_object_get(o, "data");
    if (json_is_object(d)) {
        a->data_path = get_str(d, "path");
        a->data_bytes = (uint64_t)json_integer_value(json_object_get(d, "bytes"));
        strcpy(a->data_sha256, json_string_value(json_object_get(d, "sha256")));
    }
    json_t *facts = json_object_get(o, "facts");
    a->facts = json_is_object(facts) ? json_deep_copy(facts) : NULL;
}

int manifest_read(const char *path, struct manifest *m, struct ag_error *err)
{
    memset(m, 0, sizeof *m);
    if (!path_exists(path))
        return AG_OK;
    json_t *root;
    if (json_read_file(path, &root, err) != AG_OK)
        return err->status;
    int rc = AG_OK;
    if (json_integer_value(json_object_get(root, "schema")) != 1) {
        rc = ag_error_set(err, AG_FAIL, "%s: schema must be 1", path);
        goto done;
    }
    m->tool = get_str(root, "tool");
    m->size = get_str(root, "size");
    m->base_url = get_str(root, "base_url");
    m->signing_key = get_str(root, "signing_key");
    m->seed = (uint64_t)json_integer_value(json_object_get(root, "seed"));
    m->source_date_epoch = (int64_t)json_integer_value(json_object_get(root, "source_date_epoch"));
    json_t *arts = json_object_get(root, "artifacts");
    if (!json_is_array(arts)) {
        rc = ag_error_set(err, AG_FAIL, "%s: artifacts must be an array; the file is not used",
                          path);
        goto done;
    }
    size_t i;
    json_t *item;
    json_array_foreach(arts, i, item)
    {
        if (row_check(item, i, path, err) != AG_OK) {
            rc = err->status;
            goto done;
        }
    }
    json_t *repo = json_object_get(root, "repository");
    if (repo != NULL && !json_is_array(repo)) {
        rc = ag_error_set(err, AG_FAIL, "%s: repository must be an array; the file is not used",
                          path);
        goto done;
    }
    json_array_foreach(repo, i, item)
    {
        if (repository_check(item, i, path, err) != AG_OK) {
            rc = err->status;
            goto done;
        }
    }
    json_t *sets = json_object_get(root, "sets");
    const char *set_name;
    json_t *set;
    if (sets != NULL && !json_is_object(sets)) {
        rc = ag_error_set(err, AG_FAIL, "%s: sets must be an object; the file is not used", path);
        goto done;
    }
    json_object_foreach(sets, set_name, set)
    {
        if (!json_is_object(set) || !json_is_object(json_object_get(set, "formats"))) {
            rc = ag_error_set(err, AG_FAIL,
                              "%s: sets.%s must be an object with a formats object; the file is "
                              "not used",
                              path, set_name);
            goto done;
        }
    }
    m->sets = sets ? json_incref(sets) : json_object();
    m->artifacts.items = xmalloc((json_array_size(arts) + 1) * sizeof(struct artifact));
    json_array_foreach(arts, i, item)
    {
        artifact_from_json(item, &m->artifacts.items[m->artifacts.count++]);
    }
    m->repository = xmalloc((json_array_size(repo) + 1) * sizeof *m->repository);
    json_array_foreach(repo, i, item)
    {
        struct repository_file *f = &m->repository[m->repository_count++];
        f->path = get_str(item, "path");
        f->bytes = (uint64_t)json_integer_value(json_object_get(item, "bytes"));
        strcpy(f->sha256, json_string_value(json_object_get(item, "sha256")));
    }
done:
    json_decref(root);
    if (rc != AG_OK)
        manifest_free(m);
    return rc;
}

static int compare_artifacts(const void *a, const void *b)
{
    return strcmp(((const struct artifact *)a)->path, ((const struct artifact *)b)->path);
}

static int compare_repository(const void *a, const void *b)
{
    return strcmp(((const struct repository_file *)a)->path,
                  ((const struct repository_file *)b)->path);
}

int manifest_write(const char *path, const struct manifest *m, struct ag_error *err)
{
    json_t *root = json_object();
    json_object_set_new(root, "schema", json_integer(1));
    json_object_set_new(root, "tool", string_or_null(m->tool));
    json_object_set_new(root, "size", string_or_null(m->size));
    json_object_set_new(root, "seed", json_integer((json_int_t)m->seed));
    json_object_set_new(root, "source_date_epoch", json_integer(m->source_date_epoch));
    json_object_set_new(root, "base_url", string_or_null(m->base_url));
    json_object_set_new(root, "signing_key", string_or_null(m->signing_key));
    struct artifact *sorted = xmalloc((m->artifacts.count + 1) * sizeof *sorted);
    memcpy(sorted, m->artifacts.items, m->artifacts.count * sizeof *sorted);
    qsort(sorted, m->artifacts.count, sizeof *sorted, compare_artifacts);
    json_t *arts = json_array();
    for (size_t i = 0; i < m->artifacts.count; i++)
        json_array_append_new(arts, artifact_to_json(&sorted[i]));
    free(sorted);
    json_object_set_new(root, "artifacts", arts);
    /* In path order, so the manifest is reproducible. */
    struct repository_file *files = xmalloc((m->repository_count + 1) * sizeof *files);
    if (m->repository_count)
        memcpy(files, m->repository, m->repository_count * sizeof *files);
    qsort(files, m->repository_count, sizeof *files, compare_repository);
    json_t *repo = json_array();
    for (size_t i = 0; i < m->repository_count; i++)
        json_array_append_new(repo,
                              json_pack("{s:s,s:I,s:s}", "path", files[i].path, "bytes",
                                        (json_int_t)files[i].bytes, "sha256", files[i].sha256));
    free(files);
    json_object_set_new(root, "repository", repo);
    json_object_set_new(root, "sets", m->sets ? json_deep_copy(m->sets) : json_object());
    int rc = json_write_atomic(path, root, err);
    json_decref(root);
    return rc;
}

void manifest_merge_sets(struct manifest *m, json_t *fresh)
{
    if (m->sets == NULL)
        m->sets = json_object();
    const char *name;
    json_t *set;
    json_object_foreach(fresh, name, set)
    {
        json_t *formats =
            json_deep_copy(json_object_get(json_object_get(m->sets, name), "formats"));
        if (!json_is_object(formats)) {
            json_decref(formats);
            formats = json_object();
        }
        json_object_update(formats, json_object_get(set, "formats"));
        json_t *merged = json_deep_copy(set);
        json_object_set_new(merged, "formats", formats);
        json_object_set_new(m->sets, name, merged);
    }
}

void manifest_merge(struct manifest *m, const struct artifact_list *fresh)
{
    for (size_t i = 0; i < fresh->count; i++) {
        const struct artifact *a = &fresh->items[i];
        size_t j;
        for (j = 0; j < m->artifacts.count; j++)
            if (strcmp(m->artifacts.items[j].path, a->path) == 0)
                break;
        if (j < m->artifacts.count) {
            artifact_free(&m->artifacts.items[j]);
            artifact_copy(&m->artifacts.items[j], a);
        } else {
            artifact_list_add(&m->artifacts, a);
        }
    }
    /* In path order, whatever order concurrent runs merged in, so the
     * indexes built from these rows are reproducible too. */
    if (m->artifacts.count > 1)
        qsort(m->artifacts.items, m->artifacts.count, sizeof *m->artifacts.items,
              compare_artifacts);
}

int manifest_note_repository_files(struct manifest *m, const char *const *paths, size_t count,
                                   const char *root, struct ag_error *err)
{
    if (m->repository_count > 1)
        qsort(m->repository, m->repository_count, sizeof *m->repository, compare_repository);
    size_t known = m->repository_count;
    m->repository = xrealloc(m->repository, (known + count + 1) * sizeof *m->repository);
    int rc = AG_OK;
    for (size_t i = 0; i < count && rc == AG_OK; i++) {
        struct digest_set d;
        uint64_t bytes = 0;
        char *source = xasprintf("%s/%s", root, paths[i]);
        rc = digest_file(source, DIGEST_BIT(DIGEST_SHA256), &d, &bytes, err);
        free(source);
        if (rc != AG_OK)
            break;
        struct repository_file key = {.path = (char *)paths[i]};
        struct repository_file *f =
            bsearch(&key, m->repository, known, sizeof *m->repository, compare_repository);
        if (f == NULL) {
            f = &m->repository[m->repository_count++];
            f->path = xstrdup(paths[i]);
        }
        f->bytes = bytes;
        digest_hex(d.value[DIGEST_SHA256], 32, f->sha256);
        digest_set_free(&d);
    }
    return rc;
}

void manifest_free(struct manifest *m)
{
    json_decref(m->sets);
    free(m->tool);
    free(m->size);
    free(m->base_url);
    free(m->signing_key);
    artifact_list_free(&m->artifacts);
    for (size_t i = 0; i < m->repository_count; i++)
        free(m->repository[i].path);
    free(m->repository);
    memset(m, 0, sizeof *m);
}

static long lock_holder(int fd)
{
    char text[32] = "";
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    if (n <= 0)
        return 0;
    text[n] = '\0';
    char *end = NULL;
    long pid = strtol(text, &end, 10);
    /* A holder killed with the lock held leaves its pid behind. */
    return end != text && pid > 0 && kill((pid_t)pid, 0) == 0 ? pid : 0;
}

int manifest_lock_wait(const char *dir, unsigned timeout_seconds,
                       void (*waiting)(void *ctx, long pid), void *ctx, int *fd,
                       struct ag_error *err)
{
    char *path = xasprintf("%s/.assetgen.lock", dir);
    /* Never through a symlink: a planted link would make the run create
     * its target wherever it points. */
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (*fd < 0) {
        int e = errno;
        ag_error_set(err, AG_FAIL, "cannot open lock %s: %s", path, strerror(e));
        free(path);
        return err->status;
    }
    free(path);
    double deadline = monotonic_seconds() + timeout_seconds;
    int told = 0;
    while (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            int e = errno;
            close(*fd);
            return ag_error_set(err, AG_FAIL, "cannot lock %s: %s", dir, strerror(e));
        }
        long pid = lock_holder(*fd);
        if (!told && waiting != NULL)
            waiting(ctx, pid);
        told = 1;
        if (timeout_seconds > 0 && monotonic_seconds() >= deadline) {
            close(*fd);
            if (pid > 0)
                return ag_error_set(err, AG_FAIL,
                                    "gave up after %u s waiting for the lock on %s, held by "
                                    "process %ld (--lock-timeout)",
                                    timeout_seconds, dir, pid);
            return ag_error_set(err, AG_FAIL,
                                "gave up after %u s waiting for the lock on %s (--lock-timeout)",
                                timeout_seconds, dir);
        }
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    /* Failing here costs only the waiters' message the holder's name. */
    int named = ftruncate(*fd, 0) == 0 && pwrite(*fd, pid, (size_t)len, 0) == len;
    (void)named;
    return AG_OK;
}

int manifest_lock(const char *dir, int *fd, struct ag_error *err)
{
    return manifest_lock_wait(dir, 0, NULL, NULL, fd, err);
}

void manifest_unlock(int fd)
{
    if (fd >= 0) {
        /* The next holder writes its own pid; no waiter names this one. */
        int cleared = ftruncate(fd, 0) == 0;
        (void)cleared;
        flock(fd, LOCK_UN);
        close(fd);
    }
}
