#include "common/archive_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"

#define STREAM_CHUNK (1u << 20)

static la_ssize_t archive_to_atomic(struct archive *a, void *client, const void *buf, size_t len)
{
    struct det_archive *ar = client;
    if (ar->dest == NULL) /* being freed after a failure: discard */
        return (la_ssize_t)len;
    if (atomic_file_write(ar->dest, buf, len, &ar->callback_error) != AG_OK) {
        archive_set_error(a, -1, "%s", ar->callback_error.message);
        return -1;
    }
    return (la_ssize_t)len;
}

static int archive_failed(struct det_archive *ar, const char *what, struct ag_error *err)
{
    /* The atomic file's own error (ENOSPC, EIO) names the cause better
     * than libarchive's relay of it. */
    if (ar->callback_error.status != AG_OK)
        return ag_error_set(err, ar->callback_error.status, "%s", ar->callback_error.message);
    return ag_error_set(err, AG_FAIL, "%s: %s", what, archive_error_string(ar->handle));
}

static int set_format(struct det_archive *ar)
{
    struct archive *a = ar->handle;
    switch (ar->options.container) {
    case CONTAINER_TAR_PAX:
        return archive_write_set_format_pax_restricted(a);
    case CONTAINER_TAR_GNU:
        return archive_write_set_format_gnutar(a);
    case CONTAINER_ZIP:
        return archive_write_set_format_zip(a);
    case CONTAINER_CPIO_NEWC:
        return archive_write_set_format_cpio_newc(a);
    case CONTAINER_AR:
        return archive_write_set_format_ar_svr4(a);
    }
    return ARCHIVE_FATAL;
}

static int set_filter(struct det_archive *ar)
{
    struct archive *a = ar->handle;
    char level[64];
    int lvl = ar->options.level;
    switch (ar->options.compression) {
    case COMPRESS_NONE:
        return archive_write_add_filter_none(a);
    case COMPRESS_GZIP:
        if (archive_write_add_filter_gzip(a) != ARCHIVE_OK)
            return ARCHIVE_FATAL;
        snprintf(level, sizeof level, "gzip:compression-level=%d", lvl < 0 ? 0 : lvl);
        if (archive_write_set_options(a, level) != ARCHIVE_OK)
            return ARCHIVE_FATAL;
        return archive_write_set_options(a, "gzip:!timestamp");
    case COMPRESS_XZ:
        if (archive_write_add_filter_xz(a) != ARCHIVE_OK)
            return ARCHIVE_FATAL;
        snprintf(level, sizeof level, "xz:compression-level=%d", lvl < 0 ? 0 : lvl);
        return archive_write_set_options(a, level);
    case COMPRESS_ZSTD:
        if (archive_write_add_filter_zstd(a) != ARCHIVE_OK)
            return ARCHIVE_FATAL;
        snprintf(level, sizeof level, "zstd:compression-level=%d", lvl < 0 ? 1 : lvl);
        return archive_write_set_options(a, level);
    case COMPRESS_BZIP2:
        if (archive_write_add_filter_bzip2(a) != ARCHIVE_OK)
            return ARCHIVE_FATAL;
        snprintf(level, sizeof level, "bzip2:compression-level=%d", lvl < 1 ? 1 : lvl);
        return archive_write_set_options(a, level);
    }
    return ARCHIVE_FATAL;
}

int det_archive_open(struct det_archive *ar, struct atomic_file *dest,
                     const struct archive_options *options, struct ag_error *err)
{
    memset(ar, 0, sizeof *ar);
    ar->dest = dest;
    ar->options = *options;
    ar->handle = archive_write_new();
    if (ar->handle == NULL)
        return ag_error_set(err, AG_FAIL, "cannot allocate an archive writer");
    if (set_format(ar) != ARCHIVE_OK || set_filter(ar) != ARCHIVE_OK)
        return archive_failed(ar, "archive set-up", err);
    if (options->container == CONTAINER_ZIP) {
        const char *method = options->level < 0 || options->level == 0 ? "zip:compression=store"
                                                                       : "zip:compression=deflate";
        if (archive_write_set_options(ar->handle, method) != ARCHIVE_OK)
            return archive_failed(ar, "zip set-up", err);
    }
    /* No padding after the last entry: the 10 KiB default adds bytes no
     * reader needs, and trailing zeros after a zip's end record are junk. */
    archive_write_set_bytes_in_last_block(ar->handle, 1);
    if (archive_write_open2(ar->handle, ar, NULL, archive_to_atomic, NULL, NULL) != ARCHIVE_OK)
        return archive_failed(ar, "archive open", err);
    return AG_OK;
}

static struct archive_entry *new_entry(struct det_archive *ar, const char *path, unsigned type,
                                       unsigned mode, uint64_t size)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname_utf8(e, path);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, mode);
    archive_entry_set_size(e, (la_int64_t)size);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    if (ar->options.container != CONTAINER_ZIP) {
        archive_entry_set_uname(e, "root");
        archive_entry_set_gname(e, "root");
    }
    archive_entry_set_mtime(e, (time_t)ar->options.mtime, 0);
    if (type == AE_IFDIR)
        archive_entry_set_nlink(e, 2);
    else
        archive_entry_set_nlink(e, 1);
    return e;
}

static int write_header(struct det_archive *ar, struct archive_entry *e, const char *path,
                        struct ag_error *err)
{
    int rc = archive_write_header(ar->handle, e);
    archive_entry_free(e);
    if (rc != ARCHIVE_OK) {
        archive_failed(ar, "archive header", err);
        return ag_error_prefix(err, "entry %s: ", path);
    }
    return AG_OK;
}

int det_archive_add_dir(struct det_archive *ar, const char *path, struct ag_error *err)
{
    return write_header(ar, new_entry(ar, path, AE_IFDIR, 0755, 0), path, err);
}

int det_archive_add_buffer(struct det_archive *ar, const char *path, unsigned mode,
                           const void *data, size_t len, struct ag_error *err)
{
    if (write_header(ar, new_entry(ar, path, AE_IFREG, mode, len), path, err) != AG_OK)
        return err->status;
    if (len > 0 && archive_write_data(ar->handle, data, len) != (la_ssize_t)len)
        return archive_failed(ar, path, err);
    return AG_OK;
}

int det_archive_add_stream(struct det_archive *ar, const char *path, unsigned mode, uint64_t size,
                           struct data_stream *stream, struct digest_set *content,
                           struct ag_error *err)
{
    if (write_header(ar, new_entry(ar, path, AE_IFREG, mode, size), path, err) != AG_OK)
        return err->status;
    unsigned char *chunk = xmalloc(STREAM_CHUNK);
    int rc = AG_OK;
    for (uint64_t left = size; left > 0 && rc == AG_OK;) {
        size_t n = left < STREAM_CHUNK ? (size_t)left : STREAM_CHUNK;
        rc = data_stream_read(stream, chunk, n, err);
        if (rc != AG_OK)
            break;
        if (content != NULL)
            digest_set_update(content, chunk, n);
        if (archive_write_data(ar->handle, chunk, n) != (la_ssize_t)n)
            rc = archive_failed(ar, path, err);
        left -= n;
    }
    free(chunk);
    return rc;
}

int det_archive_close(struct det_archive *ar, struct ag_error *err)
{
    if (archive_write_close(ar->handle) != ARCHIVE_OK)
        return archive_failed(ar, "archive close", err);
    return AG_OK;
}

void det_archive_free(struct det_archive *ar)
{
    ar->dest = NULL;
    if (ar->handle != NULL)
        archive_write_free(ar->handle);
    ar->handle = NULL;
}
