#ifndef ASSETGEN_DATA_STREAM_H
#define ASSETGEN_DATA_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Incompressible, reproducible bytes: AES-256-CTR over zeros, keyed by a
 * SHA-256 of (seed, format, name, version). Cheap to regenerate, so a
 * consumer can read the same stream twice instead of holding it. */
struct data_stream {
    void *cipher; /* EVP_CIPHER_CTX */
    uint64_t produced;
};

int data_stream_init(struct data_stream *stream, uint64_t seed, const char *format,
                     const char *name, const char *version, struct ag_error *err);
/* Fills buf with the next len bytes of the stream. */
int data_stream_read(struct data_stream *stream, unsigned char *buf, size_t len,
                     struct ag_error *err);
void data_stream_free(struct data_stream *stream);

#endif
