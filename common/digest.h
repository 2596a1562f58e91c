#ifndef ASSETGEN_DIGEST_H
#define ASSETGEN_DIGEST_H

#include <stddef.h>

#include "common/error.h"

enum digest_kind { DIGEST_MD5, DIGEST_SHA1, DIGEST_SHA256, DIGEST_SHA512, DIGEST_KINDS };

#define DIGEST_BIT(kind) (1u << (kind))
#define DIGEST_ALL       ((1u << DIGEST_KINDS) - 1u)
#define DIGEST_MAX_BYTES 64

/* Several digests of one byte stream, computed in a single pass. */
struct digest_set {
    unsigned mask;
    void *ctx[DIGEST_KINDS]; /* EVP_MD_CTX, kept opaque to users */
    unsigned char value[DIGEST_KINDS][DIGEST_MAX_BYTES];
    unsigned length[DIGEST_KINDS];
};

int digest_set_init(struct digest_set *set, unsigned mask, struct ag_error *err);
void digest_set_update(struct digest_set *set, const void *data, size_t len);
int digest_set_final(struct digest_set *set, struct ag_error *err);
void digest_set_free(struct digest_set *set);

/* Encoders; out must hold 2*len+1, base64_len(len)+1 bytes respectively. */
void digest_hex(const unsigned char *bytes, size_t len, char *out);
size_t base64_len(size_t len);
void digest_base64(const unsigned char *bytes, size_t len, char *out);
/* URL-safe alphabet, '=' padding removed (wheel RECORD). */
void digest_base64url_nopad(const unsigned char *bytes, size_t len, char *out);

/* Decodes lowercase or uppercase hex; returns bytes written or -1. */
int hex_decode(const char *hex, unsigned char *out, size_t cap);

/* One-shot hex digest of a buffer; out holds 2*DIGEST_MAX_BYTES+1. */
int digest_buffer_hex(enum digest_kind kind, const void *data, size_t len, char *out,
                      struct ag_error *err);

#endif
