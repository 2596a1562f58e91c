#include "common/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/fsutil.h"

static int read_member(struct archive *a, struct archive_member *m, const char *path,
                       struct ag_error *err)
{
    struct digest_set d;
    if (digest_set_init(&d, DIGEST_BIT(DIGEST_SHA256), err) != AG_OK)
        return err->status;
    size_t kept = 0;
    if (m->size <= ARCHIVE_SCAN_KEEP)
        m->content = xmalloc((size_t)m->size + 1);
    uint64_t total = 0;
    const void *block;
    size_t len;
    la_int64_t offset;
    int rc;
    while ((rc = archive_read_data_block(a, &block, &len, &offset)) == ARCHIVE_OK) {
        digest_set_update(&d, block, len);
        total += len;
        /* libarchive may hand back an empty block with a NULL pointer (a
         * stored zip entry), and memcpy from NULL is undefined even for 0. */
        if (m->content != NULL && len > 0 && kept + len <= m->size) {
            memcpy(m->content + kept, block, len);
            kept += len;
        }
    }
    if (rc != ARCHIVE_EOF) {
        digest_set_free(&d);
        return ag_error_set(err, AG_FAIL, "%s: reading entry %s: %s", path, m->path,
                            archive_error_string(a));
    }
    if (m->content != NULL)
        m->content[kept] = '\0';
    m->size = total;
    if (digest_set_final(&d, err) != AG_OK) {
        digest_set_free(&d);
        return err->status;
    }
    memcpy(m->sha256, d.value[DIGEST_SHA256], 32);
    return AG_OK;
}

int archive_scan_file(const char *path, enum archive_scan_mode mode, struct archive_scan *scan,
                      struct ag_error *err)
{
    memset(scan, 0, sizeof *scan);
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    if (archive_read_open_filename(a, path, 1 << 20) != ARCHIVE_OK) {
        ag_error_set(err, AG_FAIL, "%s: cannot open as an archive: %s", path,
                     archive_error_string(a));
        archive_read_free(a);
        return err->status;
    }
    size_t cap = 0;
    struct archive_entry *entry;
    int rc = AG_OK, status;
    while ((status = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
        if (scan->count == cap) {
            cap = cap ? 2 * cap : 16;
            scan->members = xrealloc(scan->members, cap * sizeof *scan->members);
        }
        struct archive_member *m = &scan->members[scan->count++];
        memset(m, 0, sizeof *m);
        const char *name = archive_entry_pathname_utf8(entry);
        if (name == NULL)
            name = archive_entry_pathname(entry);
        m->path = xstrdup(name ? name : "");
        m->size = (uint64_t)archive_entry_size(entry);
        m->mode = (unsigned)archive_entry_perm(entry);
        m->is_dir = archive_entry_filetype(entry) == AE_IFDIR;
        if (m->is_dir)
            continue;
        if (mode == ARCHIVE_SCAN_SMALL && m->size > ARCHIVE_SCAN_KEEP) {
            if (archive_read_data_skip(a) != ARCHIVE_OK) {
                rc = ag_error_set(err, AG_FAIL, "%s: reading entry %s: %s", path, m->path,
                                  archive_error_string(a));
                break;
            }
            continue;
        }
        if ((rc = read_member(a, m, path, err)) != AG_OK)
            break;
    }
    if (rc == AG_OK && status != ARCHIVE_EOF)
        rc = ag_error_set(err, AG_FAIL, "%s: corrupt archive: %s", path, archive_error_string(a));
    if (rc == AG_OK) {
        snprintf(scan->format, sizeof scan->format, "%s", archive_format_name(a));
        const char *filter = archive_filter_count(a) > 1 ? archive_filter_name(a, 0) : "none";
        snprintf(scan->filter, sizeof scan->filter, "%s", filter ? filter : "none");
    }
    archive_read_free(a);
    if (rc != AG_OK)
        archive_scan_free(scan);
    return rc;
}

const struct archive_member *archive_scan_find(const struct archive_scan *scan, const char *path)
{
    for (size_t i = 0; i < scan->count; i++)
        if (strcmp(scan->members[i].path, path) == 0)
            return &scan->members[i];
    return NULL;
}

void archive_scan_free(struct archive_scan *scan)
{
    for (size_t i = 0; i < scan->count; i++) {
        free(scan->members[i].path);
        free(scan->members[i].content);
    }
    free(scan->members);
    memset(scan, 0, sizeof *scan);
}

int archive_scan_check_entry(const struct archive_scan *scan, const char *entry,
                             const char *sha256_hex, const char *what, struct ag_error *err)
{
    const struct archive_member *m = archive_scan_find(scan, entry);
    if (m == NULL)
        return ag_error_set(err, AG_FAIL, "%s: data file %s is missing", what, entry);
    char hex[65];
    digest_hex(m->sha256, 32, hex);
    if (strcmp(hex, sha256_hex) != 0)
        return ag_error_set(err, AG_FAIL, "%s: data file %s has sha256 %.12s..., expected %.12s...",
                            what, entry, hex, sha256_hex);
    return AG_OK;
}
