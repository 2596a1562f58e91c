#ifndef ASSETGEN_ARCHIVE_WRITER_H
#define ASSETGEN_ARCHIVE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "common/atomic_file.h"
#include "common/data_stream.h"
#include "common/digest.h"
#include "common/error.h"

enum archive_container {
    CONTAINER_TAR_PAX, /* ustar headers, pax records only where needed */
    CONTAINER_TAR_GNU, /* GNU tar: base-256 sizes, no pax (dpkg) */
    CONTAINER_ZIP,     /* zip64 where an entry needs it */
    CONTAINER_CPIO_NEWC,
    CONTAINER_AR,
};

enum archive_compression {
    COMPRESS_NONE,
    COMPRESS_GZIP,
    COMPRESS_XZ,
    COMPRESS_ZSTD,
    COMPRESS_BZIP2,
};

/* level -1 picks the cheapest valid encoding: incompressible data gains
 * nothing from deflate, and stored blocks are the same bytes on every
 * zlib build. */
struct archive_options {
    enum archive_container container;
    enum archive_compression compression;
    int level;
    int64_t mtime;
};

/* A libarchive writer set up for reproducible output into an atomic file:
 * owner 0/0 root/root, the given mtime on every entry, no time or name in
 * compression headers. Callers add entries in their final (sorted) order. */
struct det_archive {
    struct archive *handle;
    struct atomic_file *dest;
    struct archive_options options;
    struct ag_error *write_error;
    struct ag_error callback_error;
};

int det_archive_open(struct det_archive *ar, struct atomic_file *dest,
                     const struct archive_options *options, struct ag_error *err);
int det_archive_add_dir(struct det_archive *ar, const char *path, struct ag_error *err);
int det_archive_add_buffer(struct det_archive *ar, const char *path, unsigned mode,
                           const void *data, size_t len, struct ag_error *err);
/* Writes size bytes of stream as one entry; content (if given) receives
 * the same bytes, for digests of the file inside the archive. */
int det_archive_add_stream(struct det_archive *ar, const char *path, unsigned mode, uint64_t size,
                           struct data_stream *stream, struct digest_set *content,
                           struct ag_error *err);
int det_archive_close(struct det_archive *ar, struct ag_error *err);
void det_archive_free(struct det_archive *ar);

#endif
