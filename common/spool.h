#ifndef ASSETGEN_SPOOL_H
#define ASSETGEN_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "common/byte_sink.h"
#include "common/digest.h"
#include "common/error.h"

/* Bytes held on disk until their size and digests are known: an inner
 * archive that becomes a member of an outer one (whose header needs the
 * size, and for zip the CRC, before the data), or a payload whose digest
 * goes into a header written before it (rpm). Memory stays flat whatever
 * the size.
 *
 * The file is made with mkstemp (O_EXCL, mode 0600, so never through a
 * symlink) in the given directory and unlinked at once: nothing is left
 * behind however the process ends, and no other process can open it. */
struct spool {
    int fd;
    char *dir;
    struct digest_set digests; /* final after spool_finish */
    uint32_t crc32;            /* zlib CRC-32, for zip members */
    uint64_t bytes;
    unsigned char *buffer;
    size_t buffered;
    int finished;
};

int spool_open(struct spool *spool, const char *dir, unsigned digest_mask, struct ag_error *err);
int spool_write(struct spool *spool, const void *data, size_t len, struct ag_error *err);
/* Flushes and finalises the digests; no write may follow. */
int spool_finish(struct spool *spool, struct ag_error *err);
/* Copies the finished spool into sink in chunks of SPOOL_CHUNK; may be
 * called more than once. */
int spool_copy(const struct spool *spool, const struct byte_sink *sink, struct ag_error *err);
void spool_free(struct spool *spool);

#define SPOOL_CHUNK (1u << 20)

#endif
