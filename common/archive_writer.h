#ifndef ASSETGEN_ARCHIVE_WRITER_H
#define ASSETGEN_ARCHIVE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "common/atomic_file.h"
#include "common/byte_sink.h"
#include "common/data_stream.h"
#include "common/digest.h"
#include "common/entry_digests.h"
#include "common/error.h"
#include "common/seeded_data.h"
#include "common/spool.h"
#include "common/zip_writer.h"

enum archive_container {
    CONTAINER_TAR_PAX, /* ustar headers, pax records only where needed */
    CONTAINER_TAR_GNU, /* GNU tar: base-256 sizes, no pax (dpkg) */
    CONTAINER_ZIP,     /* zip64 where an entry needs it; stored: see zip_writer.h */
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

/* An archive writer set up for reproducible output into a byte sink:
 * owner 0/0 root/root, the given mtime on every entry, no time or name in
 * compression headers. Callers add entries in their final (sorted) order.
 * A stored zip is written by zip_writer (sizes and CRC in the local
 * headers, no data descriptors); everything else by libarchive. */
struct det_archive {
    struct archive *handle; /* NULL when zip_writer drives a stored zip */
    struct zip_writer zip;
    int use_zip;
    struct byte_sink sink;
    int discarding; /* being freed after a failure: bytes go nowhere */
    struct archive_options options;
    unsigned entry_digests;
    struct entry_digest_list entries;
    struct ag_error callback_error;
};

/* entry_digests (a DIGEST_BIT mask, 0 = none) are taken of every regular
 * entry as its bytes go by, for the file lists formats keep of
 * themselves (RECORD, md5sums); read them with det_archive_entries. */
int det_archive_open_sink(struct det_archive *ar, struct byte_sink sink,
                          const struct archive_options *options, unsigned entry_digests,
                          struct ag_error *err);
/* Into an atomic file without entry digests, the usual case. */
int det_archive_open(struct det_archive *ar, struct atomic_file *dest,
                     const struct archive_options *options, struct ag_error *err);
int det_archive_add_dir(struct det_archive *ar, const char *path, struct ag_error *err);
int det_archive_add_buffer(struct det_archive *ar, const char *path, unsigned mode,
                           const void *data, size_t len, struct ag_error *err);
/* Writes size bytes of stream as one entry; content (if given) receives
 * the same bytes, for digests of the file inside the archive. A stored
 * zip refuses it: its header needs the CRC first, so it takes the
 * regenerable det_archive_add_data_stream instead. */
int det_archive_add_stream(struct det_archive *ar, const char *path, unsigned mode, uint64_t size,
                           struct data_stream *stream, struct digest_set *content,
                           struct ag_error *err);
/* The seeded data as one entry, in any container; content as above. */
int det_archive_add_data_stream(struct det_archive *ar, const char *path, unsigned mode,
                                const struct seeded_data *data, struct digest_set *content,
                                struct ag_error *err);
/* A finished spool (an inner archive, say) as one entry whose size is
 * known before its header. */
int det_archive_add_spool(struct det_archive *ar, const char *path, unsigned mode,
                          const struct spool *spool, struct ag_error *err);
/* The regular entries written so far with their sizes and digests, when
 * options.entry_digests asked for them; valid until det_archive_free. */
const struct entry_digest_list *det_archive_entries(const struct det_archive *ar);
int det_archive_close(struct det_archive *ar, struct ag_error *err);
void det_archive_free(struct det_archive *ar);

#endif
