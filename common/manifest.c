#include "common/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/fsutil.h"
#include "common/json_file.h"

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
    if (a->data_path) {
        json_t *d = json_object();
        json_object_set_new(d, "path", json_string(a->data_path));
        json_object_set_new(d, "bytes", json_integer((json_int_t)a->data_bytes));
        json_object_set_new(d, "sha256", json_string(a->data_sha256));
        json_object_set_new(o, "data", d);
    } else {
        json_object_set_new(o, "data", json_null());
    }
    return o;
}

static char *get_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? xstrdup(s) : NULL;
}

static void copy_hex(json_t *o, const char *key, char *out, size_t cap)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (s && strlen(s) < cap)
        strcpy(out, s);
}

static int artifact_from_json(json_t *o, struct artifact *a, const char *path, struct ag_error *err)
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
    a->bytes = (uint64_t)json_integer_value(json_object_get(o, "bytes"));
    copy_hex(o, "sha256", a->sha256, sizeof a->sha256);
    copy_hex(o, "sha512", a->sha512, sizeof a->sha512);
    copy_hex(o, "sha1", a->sha1, sizeof a->sha1);
    copy_hex(o, "md5", a->md5, sizeof a->md5);
    json_t *d = json_object_get(o, "data");
    if (json_is_object(d)) {
        a->data_path = get_str(d, "path");
        a->data_bytes = (uint64_t)json_integer_value(json_object_get(d, "bytes"));
        copy_hex(d, "sha256", a->data_sha256, sizeof a->data_sha256);
    }
    if (!a->format || !a->kind || !a->name || !a->version || !a->path) {
        artifact_free(a);
        return ag_error_set(err, AG_FAIL,
                            "%s: an artifact lacks format, kind, name, version or path", path);
    }
    return AG_OK;
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
    size_t i;
    json_t *item;
    m->artifacts.items = xmalloc((json_array_size(arts) + 1) * sizeof(struct artifact));
    json_array_foreach(arts, i, item)
    {
        if (artifact_from_json(item, &m->artifacts.items[m->artifacts.count], path, err) != AG_OK) {
            rc = err->status;
            break;
        }
        m->artifacts.count++;
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
    int rc = json_write_atomic(path, root, err);
    json_decref(root);
    return rc;
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

void manifest_free(struct manifest *m)
{
    free(m->tool);
    free(m->size);
    free(m->base_url);
    free(m->signing_key);
    artifact_list_free(&m->artifacts);
    memset(m, 0, sizeof *m);
}

int manifest_lock(const char *dir, int *fd, struct ag_error *err)
{
    char *path = xasprintf("%s/.assetgen.lock", dir);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (*fd < 0) {
        int e = errno;
        ag_error_set(err, AG_FAIL, "cannot open lock %s: %s", path, strerror(e));
        free(path);
        return err->status;
    }
    free(path);
    while (flock(*fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int e = errno;
            close(*fd);
            return ag_error_set(err, AG_FAIL, "cannot lock %s: %s", dir, strerror(e));
        }
    }
    return AG_OK;
}

void manifest_unlock(int fd)
{
    if (fd >= 0) {
        flock(fd, LOCK_UN);
        close(fd);
    }
}
