#ifndef ASSETGEN_BYTE_SINK_H
#define ASSETGEN_BYTE_SINK_H

#include <stddef.h>

#include "common/error.h"

struct atomic_file;
struct spool;

/* Where a writer puts its bytes: an output file, a spool that becomes a
 * member of an outer archive, or anything else with a write callback.
 * Writers take a sink instead of a file so one archive can be nested in
 * another without knowing it. */
struct byte_sink {
    int (*write)(void *ctx, const void *buf, size_t len, struct ag_error *err);
    void *ctx;
};

int byte_sink_write(const struct byte_sink *sink, const void *buf, size_t len,
                    struct ag_error *err);

struct byte_sink byte_sink_for_atomic_file(struct atomic_file *file);
struct byte_sink byte_sink_for_spool(struct spool *spool);

#endif
