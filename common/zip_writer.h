#ifndef ASSETGEN_ZIP_WRITER_H
#define ASSETGEN_ZIP_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "common/byte_sink.h"
#include "common/entry_digests.h"
#include "common/error.h"
#include "common/seeded_data.h"
#include "common/spool.h"

/* A zip of stored entries whose local headers carry the CRC-32 and both
 * sizes, with no data descriptor (flag bit 3 never set): streaming
 * readers that walk local headers refuse the descriptor form libarchive
 * always writes. Every CRC is known before its header: buffers are at
 * hand, spools carry one, seeded data is read twice.
 *
 * Deterministic: entries in the order added, one DOS time from the given
 * epoch in UTC (clamped to 1980..2107), external attributes = unix mode
 * << 16, made by unix (3), no extra fields beyond zip64, no comment.
 * Zip64 fields and the zip64 end records appear only where a size,
 * offset or count needs them. */

#define ZIP64_LIMIT 0xFFFFFFFFu

struct zip_record; /* what the central directory repeats of an entry */

struct zip_writer {
    struct byte_sink sink;
    uint64_t offset; /* bytes written so far: the next local header's offset */
    uint16_t dos_time;
    uint16_t dos_date;
    unsigned entry_digests; /* digest mask collected per regular entry; 0 = none */
    struct entry_digest_list entries;
    struct zip_record *records;
    size_t count;
    size_t cap;
    /* A value at or above this goes into zip64 fields. ZIP64_LIMIT except
     * in tests, which lower it to reach the zip64 layout without writing
     * 4 GiB. */
    uint64_t zip64_limit;
    int closed;
};

void zip_writer_open(struct zip_writer *zw, struct byte_sink sink, int64_t mtime,
                     unsigned entry_digests);
/* path ends in '/'; mode 0755. */
int zip_writer_add_dir(struct zip_writer *zw, const char *path, struct ag_error *err);
int zip_writer_add_buffer(struct zip_writer *zw, const char *path, unsigned mode, const void *data,
                          size_t len, struct ag_error *err);
/* Reads the seeded data twice: once for the CRC and digests (content, if
 * given, receives those bytes too), once to write it. */
int zip_writer_add_data_stream(struct zip_writer *zw, const char *path, unsigned mode,
                               const struct seeded_data *data, struct digest_set *content,
                               struct ag_error *err);
/* spool must be finished. */
int zip_writer_add_spool(struct zip_writer *zw, const char *path, unsigned mode,
                         const struct spool *spool, struct ag_error *err);
/* Writes the central directory and the end records. */
int zip_writer_close(struct zip_writer *zw, struct ag_error *err);
void zip_writer_free(struct zip_writer *zw);

/* MS-DOS time and date of epoch in UTC, clamped to 1980-01-01 00:00:00 ..
 * 2107-12-31 23:59:58. */
void zip_dos_time(int64_t epoch, uint16_t *dos_time, uint16_t *dos_date);

#endif
