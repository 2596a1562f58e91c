/* The body of a registry Web API publish request (PUT /api/v1/crates/new):
 * u32 LE length of the JSON metadata, the metadata, u32 LE length of the
 * .crate, the .crate bytes. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/digest.h"
#include "common/fsutil.h"
#include "generators/cargo.h"

/* Metadata larger than this is not what cargo sends: a body claiming it
 * is refused before anything is allocated for it. */
#define CARGO_METADATA_MAX (16u << 20)

static void put_u32le(unsigned char *out, uint32_t v)
{
    out[0] = (unsigned char)(v & 0xff);
    out[1] = (unsigned char)((v >> 8) & 0xff);
    out[2] = (unsigned char)((v >> 16) & 0xff);
    out[3] = (unsigned char)((v >> 24) & 0xff);
}

static uint32_t get_u32le(const unsigned char *in)
{
    return (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 | (uint32_t)in[3] << 24;
}

unsigned char *cargo_publish_head(const char *json, size_t json_len, uint64_t crate_len,
                                  size_t *head_len, struct ag_error *err)
{
    if (json_len > UINT32_MAX) {
        ag_error_set(err, AG_USAGE, "the publish metadata is %zu bytes: a u32 cannot say it",
                     json_len);
        return NULL;
    }
    if (crate_len > UINT32_MAX) {
        ag_error_set(err, AG_USAGE,
                     "a .crate of %llu bytes cannot be published through the registry API: its "
                     "length is a u32 (under 4 GiB)",
                     (unsigned long long)crate_len);
        return NULL;
    }
    unsigned char *head = xmalloc(json_len + 8);
    put_u32le(head, (uint32_t)json_len);
    memcpy(head + 4, json, json_len);
    put_u32le(head + 4 + json_len, (uint32_t)crate_len);
    *head_len = json_len + 8;
    return head;
}

static int parse_metadata(const unsigned char *json, size_t len, struct cargo_publish_view *view,
                          struct ag_error *err)
{
    json_error_t jerr;
    view->metadata = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (view->metadata == NULL)
        return ag_error_set(err, AG_FAIL, "the publish metadata is not JSON (%d:%d: %s)", jerr.line,
                            jerr.column, jerr.text);
    if (!json_is_object(view->metadata)) {
        json_decref(view->metadata);
        view->metadata = NULL;
        return ag_error_set(err, AG_FAIL, "the publish metadata is not a JSON object");
    }
    return AG_OK;
}

int cargo_publish_parse(const unsigned char *data, size_t len, struct cargo_publish_view *view,
                        struct ag_error *err)
{
    memset(view, 0, sizeof *view);
    if (len < 4)
        return ag_error_set(err, AG_FAIL, "publish body of %zu bytes has no metadata length", len);
    uint64_t json_len = get_u32le(data);
    if (json_len > len - 4 || len - 4 - json_len < 4)
        return ag_error_set(err, AG_FAIL,
                            "publish body: metadata length %llu leaves no room for the .crate "
                            "length in %zu bytes",
                            (unsigned long long)json_len, len);
    uint64_t crate_len = get_u32le(data + 4 + json_len);
    if (crate_len != len - 8 - json_len)
        return ag_error_set(
            err, AG_FAIL, "publish body: the .crate length says %llu bytes, %llu follow",
            (unsigned long long)crate_len, (unsigned long long)(len - 8 - json_len));
    if (parse_metadata(data + 4, (size_t)json_len, view, err) != AG_OK)
        return err->status;
    view->crate_offset = 8 + json_len;
    view->crate_len = crate_len;
    size_t n = 0;
    unsigned char sha[DIGEST_MAX_BYTES];
    if (digest_buffer(DIGEST_SHA256, data + view->crate_offset, (size_t)crate_len, sha, &n, err) !=
        AG_OK) {
        cargo_publish_view_free(view);
        return err->status;
    }
    memcpy(view->crate_sha256, sha, 32);
    return AG_OK;
}

static int read_exact(int fd, void *buf, size_t len, const char *path, struct ag_error *err)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ag_error_set(err, AG_FAIL, "%s: %s", path,
                                n < 0 ? strerror(errno) : "ends inside the publish framing");
        got += (size_t)n;
    }
    return AG_OK;
}

int cargo_publish_read(const char *path, struct cargo_publish_view *view, struct ag_error *err)
{
    memset(view, 0, sizeof *view);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return ag_error_set(err, AG_FAIL, "%s: %s", path,
                            fd < 0 ? strerror(e) : "not a regular file");
    }
    uint64_t size = (uint64_t)st.st_size;
    unsigned char len4[4];
    unsigned char *json = NULL;
    int rc = read_exact(fd, len4, 4, path, err);
    uint64_t json_len = rc == AG_OK ? get_u32le(len4) : 0;
    if (rc == AG_OK && (json_len > CARGO_METADATA_MAX || json_len + 8 > size))
        rc =
            ag_error_set(err, AG_FAIL, "%s: metadata length %llu does not fit a body of %llu bytes",
                         path, (unsigned long long)json_len, (unsigned long long)size);
    if (rc == AG_OK) {
        json = xmalloc((size_t)json_len + 1);
        rc = read_exact(fd, json, (size_t)json_len, path, err);
    }
    if (rc == AG_OK)
        rc = read_exact(fd, len4, 4, path, err);
    uint64_t crate_len = rc == AG_OK ? get_u32le(len4) : 0;
    if (rc == AG_OK && crate_len != size - 8 - json_len)
        rc = ag_error_set(err, AG_FAIL, "%s: the .crate length says %llu bytes, %llu follow", path,
                          (unsigned long long)crate_len, (unsigned long long)(size - 8 - json_len));
    if (rc == AG_OK && parse_metadata(json, (size_t)json_len, view, err) != AG_OK)
        rc = err->status;
    free(json);
    struct digest_set d;
    int digesting = rc == AG_OK && digest_set_init(&d, DIGEST_BIT(DIGEST_SHA256), err) == AG_OK;
    if (rc == AG_OK && !digesting)
        rc = err->status;
    unsigned char *buf = digesting ? xmalloc(1u << 20) : NULL;
    uint64_t total = 0;
    while (digesting && rc == AG_OK) {
        ssize_t n = read(fd, buf, 1u << 20);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = ag_error_set(err, AG_FAIL, "%s: %s", path, strerror(errno));
        if (n <= 0)
            break;
        digest_set_update(&d, buf, (size_t)n);
        total += (uint64_t)n;
    }
    free(buf);
    if (rc == AG_OK && total != crate_len)
        rc = ag_error_set(err, AG_FAIL, "%s: changed while it was read", path);
    if (rc == AG_OK)
        rc = digest_set_final(&d, err);
    if (rc == AG_OK)
        memcpy(view->crate_sha256, d.value[DIGEST_SHA256], 32);
    if (digesting)
        digest_set_free(&d);
    close(fd);
    view->crate_offset = 8 + json_len;
    view->crate_len = crate_len;
    if (rc != AG_OK)
        cargo_publish_view_free(view);
    return rc;
}

void cargo_publish_view_free(struct cargo_publish_view *view)
{
    json_decref(view->metadata);
    view->metadata = NULL;
}

static json_t *optional_string(const struct cargo_package_table *package, const char *key)
{
    const char *v = cargo_package_value(package, key);
    return v ? json_string(v) : json_null();
}

json_t *cargo_publish_metadata(const struct cargo_package_table *package, json_t *index_deps)
{
    json_t *m = json_object();
    json_object_set_new(m, "name", json_string(cargo_package_value(package, "name")));
    json_object_set_new(m, "vers", json_string(cargo_package_value(package, "version")));
    json_object_set_new(m, "deps", cargo_publish_deps(index_deps));
    json_object_set_new(m, "features", json_object());
    json_object_set_new(m, "authors", json_array());
    json_object_set_new(m, "description", optional_string(package, "description"));
    json_object_set_new(m, "documentation", optional_string(package, "documentation"));
    json_object_set_new(m, "homepage", optional_string(package, "homepage"));
    json_object_set_new(m, "readme", json_null());
    json_object_set_new(m, "readme_file", json_null());
    json_object_set_new(m, "keywords", json_array());
    json_object_set_new(m, "categories", json_array());
    json_object_set_new(m, "license", optional_string(package, "license"));
    json_object_set_new(m, "license_file", json_null());
    json_object_set_new(m, "repository", optional_string(package, "repository"));
    json_object_set_new(m, "badges", json_object());
    json_object_set_new(m, "links", json_null());
    json_object_set_new(m, "rust_version", optional_string(package, "rust-version"));
    return m;
}
