#include "common/archive_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"

#define STREAM_CHUNK (1u << 20)

static la_ssize_t archive_to_sink(struct archive *a, void *client, const void *buf, size_t len)
{
    struct det_archive *ar = client;
    if (ar->discarding)
        return (la_ssize_t)len;
    if (byte_sink_write(&ar->sink, buf, len, &ar->callback_error) != AG_OK) {
        archive_set_error(a, -1, "%s", ar->callback_error.message);
        return -1;
    }
    return (la_ssize_t)len;
}

static int archive_failed(struct det_archive *ar, const char *what, struct ag_error *err)
{
    /* The sink's own error (ENOSPC, EIO) names the cause better than
     * libarchive's relay of it. */
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

int det_archive_open_sink(struct det_archive *ar, struct byte_sink sink,
                          const struct archive_options *options, unsigned entry_digests,
                          struct ag_error *err)
{
    memset(ar, 0, sizeof *ar);
    ar->sink = sink;
    ar->options = *options;
    ar->entry_digests = entry_digests & DIGEST_ALL;
    if (options->container == CONTAINER_ZIP && options->level <= 0 &&
        options->compression == COMPRESS_NONE) {
        ar->use_zip = 1;
        zip_writer_open(&ar->zip, sink, options->mtime, ar->entry_digests);
        return AG_OK;
    }
    ar->handle = archive_write_new();
    if (ar->handle == NULL)
        return ag_error_set(err, AG_FAIL, "cannot allocate an archive writer");
    if (set_format(ar) != ARCHIVE_OK || set_filter(ar) != ARCHIVE_OK)
        return archive_failed(ar, "archive set-up", err);
    if (options->container == CONTAINER_ZIP) {
        const char *method =
            options->level > 0 ? "zip:compression=deflate" : "zip:compression=store";
        if (archive_write_set_options(ar->handle, method) != ARCHIVE_OK)
            return archive_failed(ar, "zip set-up", err);
    }
    /* No padding after the last entry: the 10 KiB default adds bytes no
     * reader needs, and trailing zeros after a zip's end record are junk. */
    archive_write_set_bytes_in_last_block(ar->handle, 1);
    if (archive_write_open2(ar->handle, ar, NULL, archive_to_sink, NULL, NULL) != ARCHIVE_OK)
        return archive_failed(ar, "archive open", err);
    return AG_OK;
}

int det_archive_open(struct det_archive *ar, struct atomic_file *dest,
                     const struct archive_options *options, struct ag_error *err)
{
    return det_archive_open_sink(ar, byte_sink_for_atomic_file(dest), options, 0, err);
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
    if (ar->use_zip)
        return zip_writer_add_dir(&ar->zip, path, err);
    return write_header(ar, new_entry(ar, path, AE_IFDIR, 0755, 0), path, err);
}

/* An entry's bytes on their way into libarchive, digested for the
 * caller (content) and for the entry list. */
struct entry_feed {
    struct det_archive *ar;
    const char *path;
    struct digest_set *content;
    struct digest_set entry;
};

static int feed_write(void *ctx, const void *buf, size_t len, struct ag_error *err)
{
    struct entry_feed *feed = ctx;
    if (len == 0)
        return AG_OK;
    if (feed->content != NULL)
        digest_set_update(feed->content, buf, len);
    digest_set_update(&feed->entry, buf, len);
    if (archive_write_data(feed->ar->handle, buf, len) != (la_ssize_t)len)
        return archive_failed(feed->ar, feed->path, err);
    return AG_OK;
}

/* Writes the header of a regular entry and readies its digests. */
static int feed_begin(struct det_archive *ar, struct entry_feed *feed, const char *path,
                      unsigned mode, uint64_t size, struct digest_set *content, unsigned entry_mask,
                      struct ag_error *err)
{
    memset(feed, 0, sizeof *feed);
    feed->ar = ar;
    feed->path = path;
    feed->content = content;
    if (write_header(ar, new_entry(ar, path, AE_IFREG, mode, size), path, err) != AG_OK)
        return err->status;
    if (entry_mask != 0)
        return digest_set_init(&feed->entry, entry_mask, err);
    return AG_OK;
}

static int feed_end(struct entry_feed *feed, uint64_t size, int rc, struct ag_error *err)
{
    if (rc != AG_OK || feed->entry.mask == 0) {
        digest_set_free(&feed->entry);
        return rc;
    }
    return entry_digest_list_add(&feed->ar->entries, feed->path, size, &feed->entry, err);
}

static struct byte_sink feed_sink(struct entry_feed *feed)
{
    struct byte_sink sink = {feed_write, feed};
    return sink;
}

int det_archive_add_buffer(struct det_archive *ar, const char *path, unsigned mode,
                           const void *data, size_t len, struct ag_error *err)
{
    if (ar->use_zip)
        return zip_writer_add_buffer(&ar->zip, path, mode, data, len, err);
    struct entry_feed feed;
    int rc = feed_begin(ar, &feed, path, mode, len, NULL, ar->entry_digests, err);
    if (rc == AG_OK)
        rc = feed_write(&feed, data, len, err);
    return feed_end(&feed, len, rc, err);
}

int det_archive_add_stream(struct det_archive *ar, const char *path, unsigned mode, uint64_t size,
                           struct data_stream *stream, struct digest_set *content,
                           struct ag_error *err)
{
    if (ar->use_zip)
        return ag_error_set(err, AG_FAIL,
                            "entry %s: a stored zip needs a regenerable stream for its CRC", path);
    struct entry_feed feed;
    int rc = feed_begin(ar, &feed, path, mode, size, content, ar->entry_digests, err);
    unsigned char *chunk = rc == AG_OK ? xmalloc(STREAM_CHUNK) : NULL;
    for (uint64_t left = size; left > 0 && rc == AG_OK;) {
        size_t n = left < STREAM_CHUNK ? (size_t)left : STREAM_CHUNK;
        rc = data_stream_read(stream, chunk, n, err);
        if (rc == AG_OK)
            rc = feed_write(&feed, chunk, n, err);
        left -= n;
    }
    free(chunk);
    return feed_end(&feed, size, rc, err);
}

int det_archive_add_data_stream(struct det_archive *ar, const char *path, unsigned mode,
                                const struct seeded_data *data, struct digest_set *content,
                                struct ag_error *err)
{
    if (ar->use_zip)
        return zip_writer_add_data_stream(&ar->zip, path, mode, data, content, err);
    struct entry_feed feed;
    int rc = feed_begin(ar, &feed, path, mode, data->size, content, ar->entry_digests, err);
    struct byte_sink sink = feed_sink(&feed);
    if (rc == AG_OK)
        rc = seeded_data_pump(data, &sink, err);
    return feed_end(&feed, data->size, rc, err);
}

int det_archive_add_spool(struct det_archive *ar, const char *path, unsigned mode,
                          const struct spool *spool, struct ag_error *err)
{
    if (ar->use_zip)
        return zip_writer_add_spool(&ar->zip, path, mode, spool, err);
    if (!spool->finished)
        return ag_error_set(err, AG_FAIL, "entry %s: its spool is not finished", path);
    unsigned mask = ar->entry_digests;
    /* The spool has the digests already when it was asked for them. */
    int known = (mask & ~spool->digests.mask) == 0;
    struct entry_feed feed;
    int rc = feed_begin(ar, &feed, path, mode, spool->bytes, NULL, known ? 0 : mask, err);
    struct byte_sink sink = feed_sink(&feed);
    if (rc == AG_OK)
        rc = spool_copy(spool, &sink, err);
    rc = feed_end(&feed, spool->bytes, rc, err);
    if (rc == AG_OK && known && mask != 0)
        entry_digest_list_add_final(&ar->entries, path, spool->bytes, mask, &spool->digests);
    return rc;
}

const struct entry_digest_list *det_archive_entries(const struct det_archive *ar)
{
    return ar->use_zip ? &ar->zip.entries : &ar->entries;
}

int det_archive_close(struct det_archive *ar, struct ag_error *err)
{
    if (ar->use_zip)
        return zip_writer_close(&ar->zip, err);
    if (archive_write_close(ar->handle) != ARCHIVE_OK)
        return archive_failed(ar, "archive close", err);
    return AG_OK;
}

void det_archive_free(struct det_archive *ar)
{
    ar->discarding = 1;
    if (ar->handle != NULL)
        archive_write_free(ar->handle);
    ar->handle = NULL;
    if (ar->use_zip)
        zip_writer_free(&ar->zip);
    entry_digest_list_free(&ar->entries);
}
