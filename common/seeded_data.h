#ifndef ASSETGEN_SEEDED_DATA_H
#define ASSETGEN_SEEDED_DATA_H

#include <stdint.h>

#include "common/byte_sink.h"
#include "common/error.h"

/* The seeded data stream named by its key, size bytes of it. Unlike an
 * open data_stream it can be read again from the start, so a writer that
 * needs a CRC or digest before the bytes (a zip local header) makes one
 * pass to compute it and a second to write. */
struct seeded_data {
    uint64_t seed;
    const char *format;
    const char *name;
    const char *version;
    uint64_t size;
};

/* Writes all size bytes into sink, in chunks of at most 1 MiB. */
int seeded_data_pump(const struct seeded_data *data, const struct byte_sink *sink,
                     struct ag_error *err);

#endif
