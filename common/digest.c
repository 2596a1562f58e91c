#include "common/digest.h"
#include "common/fsutil.h"

#include <openssl/evp.h>
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fcntl.h>

#include "common/digest_workers.h"

static const EVP_MD *digest_md(enum digest_kind kind)
{
    switch (kind) {
    case DIGEST_MD5:
        return EVP_md5();
    case DIGEST_SHA1:
        return EVP_sha1();
    case DIGEST_SHA256:
        return EVP_sha256();
    case DIGEST_SHA512:
        return EVP_sha512();
    default:
        return NULL;
    }
}

int digest_set_init(struct digest_set *set, unsigned mask, struct ag_error *err)
{
    memset(set, 0, sizeof *set);
    set->mask = mask & DIGEST_ALL;
    for (int k = 0; k < DIGEST_KINDS; k++) {
        if (!(set->mask & DIGEST_BIT(k)))
            continue;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        if (ctx == NULL || EVP_DigestInit_ex(ctx, digest_md(k), NULL) != 1) {
            EVP_MD_CTX_free(ctx);
            digest_set_free(set);
            return ag_error_set(err, AG_FAIL, "cannot initialise digest %d", k);
        }
        set->ctx[k] = ctx;
    }
    return AG_OK;
}

void digest_set_update(struct digest_set *set, const void *data, size_t len)
{
    if (len >= DIGEST_PARALLEL_MIN_BYTES && !set->serial_only && digest_workers_start(set) == 0) {
        digest_workers_update(set->workers, data, len);
        return;
    }
    digest_set_wait(set); /* a posted chunk goes first */
    for (int k = 0; k < DIGEST_KINDS; k++)
        if (set->ctx[k] != NULL)
            EVP_DigestUpdate(set->ctx[k], data, len);
}

void digest_set_update_async(struct digest_set *set, const void *data, size_t len)
{
    if (len >= DIGEST_PARALLEL_MIN_BYTES && !set->serial_only && digest_workers_start(set) == 0) {
        digest_workers_post(set->workers, data, len);
        return;
    }
    digest_set_update(set, data, len);
}

void digest_set_wait(struct digest_set *set)
{
    if (set->workers != NULL)
        digest_workers_wait(set->workers);
}

int digest_set_final(struct digest_set *set, struct ag_error *err)
{
    /* Not every caller frees a finalised set: its threads end here. */
    digest_workers_stop(set);
    for (int k = 0; k < DIGEST_KINDS; k++) {
        if (set->ctx[k] == NULL)
            continue;
        if (EVP_DigestFinal_ex(set->ctx[k], set->value[k], &set->length[k]) != 1)
            return ag_error_set(err, AG_FAIL, "digest finalisation failed");
        EVP_MD_CTX_free(set->ctx[k]);
        set->ctx[k] = NULL;
    }
    return AG_OK;
}

void digest_set_free(struct digest_set *set)
{
    digest_workers_stop(set);
    for (int k = 0; k < DIGEST_KINDS; k++) {
        EVP_MD_CTX_free(set->ctx[k]);
        set->ctx[k] = NULL;
    }
}

void digest_hex(const unsigned char *bytes, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    out[2 * len] = '\0';
}

size_t base64_len(size_t len)
{
    return 4 * ((len + 2) / 3);
}

void digest_base64(const unsigned char *bytes, size_t len, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, bytes, (int)len);
}

void digest_base64url_nopad(const unsigned char *bytes, size_t len, char *out)
{
    digest_base64(bytes, len, out);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '=')
        out[--n] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (out[i] == '+')
            out[i] = '-';
        else if (out[i] == '/')
            out[i] = '_';
    }
}

int digest_buffer(enum digest_kind kind, const void *data, size_t len, unsigned char *out,
                  size_t *out_len, struct ag_error *err)
{
    struct digest_set set;
    if (digest_set_init(&set, DIGEST_BIT(kind), err) != AG_OK)
        return err->status;
    digest_set_update(&set, data, len);
    int rc = digest_set_final(&set, err);
    if (rc == AG_OK) {
        memcpy(out, set.value[kind], set.length[kind]);
        *out_len = set.length[kind];
    }
    digest_set_free(&set);
    return rc;
}

int digest_buffer_hex(enum digest_kind kind, const void *data, size_t len, char *out,
                      struct ag_error *err)
{
    unsigned char raw[DIGEST_MAX_BYTES];
    size_t n = 0;
    if (digest_buffer(kind, data, len, raw, &n, err) != AG_OK)
        return err->status;
    digest_hex(raw, n, out);
    return AG_OK;
}

void hex_digest_corrupt(char *hex)
{
    hex[0] = hex[0] == '0' ? '1' : '0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int hex_decode(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = strlen(hex);
    if (n % 2 != 0 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return (int)(n / 2);
}

int digest_file(const char *path, unsigned mask, struct digest_set *set, uint64_t *bytes,
                struct ag_error *err)
{
    /* O_NOFOLLOW and a regular-file check: a planted link or FIFO is
     * neither read through nor waited on. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    struct stat st;
    if (fd < 0)
        return ag_error_set(err, AG_FAIL, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ag_error_set(err, AG_FAIL, "%s is not a regular file", path);
    }
    if (digest_set_init(set, mask, err) != AG_OK) {
        close(fd);
        return err->status;
    }
    unsigned char *buf = xmalloc(1 << 20);
    uint64_t total = 0;
    ssize_t n;
    while ((n = read(fd, buf, 1 << 20)) > 0) {
        digest_set_update(set, buf, (size_t)n);
        total += (uint64_t)n;
    }
    free(buf);
    close(fd);
    int rc = n < 0 ? ag_error_set(err, AG_FAIL, "%s: read error: %s", path, strerror(errno))
                   : digest_set_final(set, err);
    if (rc != AG_OK) {
        digest_set_free(set);
        return rc;
    }
    *bytes = total;
    return AG_OK;
}

struct digest_state {
    EVP_MD_CTX *ctx;
};

struct digest_state *digest_set_snapshot(struct digest_set *set, enum digest_kind kind)
{
    digest_set_wait(set);
    if ((unsigned)kind >= DIGEST_KINDS || set->ctx[kind] == NULL)
        return NULL;
    EVP_MD_CTX *copy = EVP_MD_CTX_new();
    if (copy == NULL || EVP_MD_CTX_copy_ex(copy, set->ctx[kind]) != 1) {
        EVP_MD_CTX_free(copy);
        return NULL;
    }
    struct digest_state *state = xmalloc(sizeof *state);
    state->ctx = copy;
    return state;
}

struct digest_state *digest_state_dup(const struct digest_state *state)
{
    if (state == NULL)
        return NULL;
    EVP_MD_CTX *copy = EVP_MD_CTX_new();
    if (copy == NULL || EVP_MD_CTX_copy_ex(copy, state->ctx) != 1) {
        EVP_MD_CTX_free(copy);
        return NULL;
    }
    struct digest_state *dup = xmalloc(sizeof *dup);
    dup->ctx = copy;
    return dup;
}

int digest_state_finish(const struct digest_state *state, const void *tail, size_t len,
                        unsigned char *out, size_t *out_len, struct ag_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = ctx != NULL && EVP_MD_CTX_copy_ex(ctx, state->ctx) == 1 &&
             EVP_DigestUpdate(ctx, tail, len) == 1 && EVP_DigestFinal_ex(ctx, out, &n) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return ag_error_set(err, AG_FAIL, "digest finalisation failed");
    *out_len = n;
    return AG_OK;
}

void digest_state_free(struct digest_state *state)
{
    if (state == NULL)
        return;
    EVP_MD_CTX_free(state->ctx);
    free(state);
}
