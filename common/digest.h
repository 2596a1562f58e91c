#ifndef ASSETGEN_DIGEST_H
#define ASSETGEN_DIGEST_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

enum digest_kind { DIGEST_MD5, DIGEST_SHA1, DIGEST_SHA256, DIGEST_SHA512, DIGEST_KINDS };

#define DIGEST_BIT(kind) (1u << (kind))
#define DIGEST_ALL       ((1u << DIGEST_KINDS) - 1u)
#define DIGEST_MAX_BYTES 64

/* An update of at least this many bytes, to a set of two kinds or more,
 * hashes the kinds side by side on threads; a smaller one stays on the
 * calling thread, where a thread hand-off would cost more than it saves. */
#define DIGEST_PARALLEL_MIN_BYTES (64u * 1024u)

/* pthread_create's shape plus a context, so a test can put a failing start
 * in its place without any global switch. */
typedef int (*digest_thread_start_fn)(void *ctx, pthread_t *thread, void *(*run)(void *),
                                      void *arg);

struct digest_workers; /* private to digest_workers.c */

/* Several digests of one byte stream, computed in a single pass. */
struct digest_set {
    unsigned mask;
    void *ctx[DIGEST_KINDS]; /* EVP_MD_CTX, kept opaque to users */
    unsigned char value[DIGEST_KINDS][DIGEST_MAX_BYTES];
    unsigned length[DIGEST_KINDS];
    /* Set by the caller after digest_set_init (which zeroes them) and before
     * the first update. thread_limit caps the threads hashing one chunk,
     * the caller's included: 0 means one per online core, 1 means serial. */
    unsigned thread_limit;
    digest_thread_start_fn start_thread; /* NULL: pthread_create */
    void *start_thread_ctx;
    /* Private: the worker threads, started at the first large update and
     * joined by digest_set_final or digest_set_free. */
    struct digest_workers *workers;
    /* Private: every update runs on the calling thread, because a thread
     * failed to start or there is nothing to share. */
    int serial_only;
};

int digest_set_init(struct digest_set *set, unsigned mask, struct ag_error *err);
/* Returns when every kind has consumed the chunk: the caller may reuse it. */
void digest_set_update(struct digest_set *set, const void *data, size_t len);
/* Finalises the values and joins the set's threads. */
/* Starts hashing data and returns at once where the set has workers for
 * it (else hashes it now): data must stay as it is until digest_set_wait,
 * which every later call on the set does first. */
void digest_set_update_async(struct digest_set *set, const void *data, size_t len);
void digest_set_wait(struct digest_set *set);
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

/* The running state of one digest, to finish later with more bytes:
 * an OpenPGP signature's hash is that of the file followed by the
 * signature's own fields, so a file's SHA-256 state saves reading it
 * again. */
struct digest_state;
/* The state of kind after every byte given so far (NULL when the set has
 * no such kind or it is final). */
struct digest_state *digest_set_snapshot(struct digest_set *set, enum digest_kind kind);
struct digest_state *digest_state_dup(const struct digest_state *state);
/* The digest of the state's bytes followed by tail; out holds
 * DIGEST_MAX_BYTES; the state itself is unchanged. */
int digest_state_finish(const struct digest_state *state, const void *tail, size_t len,
                        unsigned char *out, size_t *out_len, struct ag_error *err);
void digest_state_free(struct digest_state *state);

/* The digests and size of a whole regular file (never through a
 * symlink); set is finalised, for the caller to read and free. */
int digest_file(const char *path, unsigned mask, struct digest_set *set, uint64_t *bytes,
                struct ag_error *err);
/* One-shot digest of a buffer; out holds DIGEST_MAX_BYTES. */
int digest_buffer(enum digest_kind kind, const void *data, size_t len, unsigned char *out,
                  size_t *out_len, struct ag_error *err);
/* Changes the first digit of a hex digest, so it names other bytes (the
 * digest-mismatch defects). */
void hex_digest_corrupt(char *hex);
/* One-shot hex digest of a buffer; out holds 2*DIGEST_MAX_BYTES+1. */
int digest_buffer_hex(enum digest_kind kind, const void *data, size_t len, char *out,
                      struct ag_error *err);

#endif
