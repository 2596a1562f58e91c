#include "common/openpgp_native.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/digest.h"
#include "common/fsutil.h"
#include "common/strbuf.h"

#define PGP_RSA          1
#define PGP_RSA_SIGN     3
#define PGP_SHA256       8
#define PGP_SECRET_KEY   5
#define PGP_SIGNATURE    2
#define PGP_FPR_BYTES    20
#define PGP_MAX_KEY_BODY 8192

struct native_signer {
    EVP_PKEY *key;
    unsigned char fingerprint[PGP_FPR_BYTES];
    uint32_t created; /* the signature time: the run's epoch */
};

/* The bytes of an armored block between its header lines and its
 * checksum line, decoded. */
static int dearmor(const char *text, unsigned char **out, size_t *out_len)
{
    const char *begin = strstr(text, "-----BEGIN PGP PRIVATE KEY BLOCK-----");
    const char *body = begin ? strstr(begin, "\n\n") : NULL;
    if (body == NULL)
        return -1;
    struct strbuf b64 = {0};
    strbuf_add(&b64, "", 0);
    for (const char *line = body + 2; *line && *line != '=' && strncmp(line, "-----", 5) != 0;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
            n--;
        strbuf_add(&b64, line, n);
        line = end ? end + 1 : line + n;
    }
    size_t len = b64.len;
    if (len == 0 || len % 4 != 0 || len > 4 * PGP_MAX_KEY_BODY) {
        strbuf_free(&b64);
        return -1;
    }
    unsigned char *bytes = xmalloc(len / 4 * 3 + 1);
    int n = EVP_DecodeBlock(bytes, (const unsigned char *)b64.data, (int)len);
    size_t pad = (b64.data[len - 1] == '=') + (b64.data[len - 2] == '=');
    strbuf_free(&b64);
    if (n < 0 || (size_t)n < pad) {
        free(bytes);
        return -1;
    }
    *out = bytes;
    *out_len = (size_t)n - pad;
    return 0;
}

/* The first packet: its tag and body. */
static int first_packet(const unsigned char *p, size_t len, int *tag, const unsigned char **body,
                        size_t *body_len)
{
    if (len < 2 || !(p[0] & 0x80))
        return -1;
    size_t n, at;
    if (p[0] & 0x40) {
        *tag = p[0] & 0x3f;
        if (p[1] < 192) {
            n = p[1], at = 2;
        } else if (p[1] < 224 && len >= 3) {
            n = (size_t)((p[1] - 192) << 8) + p[2] + 192, at = 3;
        } else if (p[1] == 255 && len >= 6) {
            n = (size_t)p[2] << 24 | (size_t)p[3] << 16 | (size_t)p[4] << 8 | p[5], at = 6;
        } else {
            return -1;
        }
    } else {
        *tag = (p[0] >> 2) & 0x0f;
        int type = p[0] & 3;
        if (type == 0 && len >= 2)
            n = p[1], at = 2;
        else if (type == 1 && len >= 3)
            n = (size_t)p[1] << 8 | p[2], at = 3;
        else if (type == 2 && len >= 5)
            n = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4], at = 5;
        else
            return -1;
    }
    if (n > len - at)
        return -1;
    *body = p + at;
    *body_len = n;
    return 0;
}

/* An MPI at *p (advanced past it), as a BIGNUM; NULL when it runs out. */
static BIGNUM *read_mpi(const unsigned char **p, const unsigned char *end)
{
    if (end - *p < 2)
        return NULL;
    size_t bits = (size_t)(*p)[0] << 8 | (*p)[1];
    size_t bytes = (bits + 7) / 8;
    if ((size_t)(end - *p - 2) < bytes)
        return NULL;
    BIGNUM *bn = BN_bin2bn(*p + 2, (int)bytes, NULL);
    *p += 2 + bytes;
    return bn;
}

static EVP_PKEY *rsa_key(BIGNUM *n, BIGNUM *e, BIGNUM *d, BIGNUM *p, BIGNUM *q)
{
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *p1 = BN_new(), *q1 = BN_new(), *dp = BN_new(), *dq = BN_new(), *qinv = BN_new();
    EVP_PKEY *key = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    int ok = ctx && p1 && q1 && dp && dq && qinv && bld && BN_sub(p1, p, BN_value_one()) &&
             BN_sub(q1, q, BN_value_one()) && BN_mod(dp, d, p1, ctx) && BN_mod(dq, d, q1, ctx) &&
             BN_mod_inverse(qinv, q, p, ctx) != NULL &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv) &&
             (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
             (pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) != NULL &&
             EVP_PKEY_fromdata_init(pctx) > 0 &&
             EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_KEYPAIR, params) > 0;
    if (!ok) {
        EVP_PKEY_free(key);
        key = NULL;
    }
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(p1);
    BN_free(q1);
    BN_free(dp);
    BN_free(dq);
    BN_free(qinv);
    BN_CTX_free(ctx);
    return key;
}

/* The key of a v4 RSA secret key packet without a passphrase, and its
 * fingerprint; NULL for any other packet. */
static EVP_PKEY *parse_secret_key(const unsigned char *body, size_t len, unsigned char *fpr)
{
    const unsigned char *p = body, *end = body + len;
    if (len < 6 || p[0] != 4 || (p[5] != PGP_RSA && p[5] != PGP_RSA_SIGN))
        return NULL;
    p += 6;
    BIGNUM *n = read_mpi(&p, end), *e = n ? read_mpi(&p, end) : NULL;
    size_t public_len = (size_t)(p - body);
    /* s2k usage 0: the secret MPIs follow in the clear. */
    int clear = e != NULL && p < end && *p == 0;
    p += clear;
    BIGNUM *d = clear ? read_mpi(&p, end) : NULL;
    BIGNUM *bp = d ? read_mpi(&p, end) : NULL;
    BIGNUM *bq = bp ? read_mpi(&p, end) : NULL;
    EVP_PKEY *key = bq ? rsa_key(n, e, d, bp, bq) : NULL;
    if (key != NULL) {
        unsigned char head[3] = {0x99, (unsigned char)(public_len >> 8), (unsigned char)public_len};
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        unsigned int fpr_len = 0;
        if (md == NULL || EVP_DigestInit_ex(md, EVP_sha1(), NULL) != 1 ||
            EVP_DigestUpdate(md, head, 3) != 1 || EVP_DigestUpdate(md, body, public_len) != 1 ||
            EVP_DigestFinal_ex(md, fpr, &fpr_len) != 1 || fpr_len != PGP_FPR_BYTES) {
            EVP_PKEY_free(key);
            key = NULL;
        }
        EVP_MD_CTX_free(md);
    }
    BN_clear_free(d);
    BN_clear_free(bp);
    BN_clear_free(bq);
    BN_free(n);
    BN_free(e);
    return key;
}

int native_signer_load(const char *key_path, const char *want_fingerprint, int64_t epoch,
                       struct native_signer **out, struct ag_error *err)
{
    *out = NULL;
    char *text = NULL;
    size_t text_len = 0;
    if (read_file(key_path, &text, &text_len, err) != AG_OK)
        return err->status;
    unsigned char *bytes = NULL;
    size_t len = 0;
    int tag = 0;
    const unsigned char *body = NULL;
    size_t body_len = 0;
    EVP_PKEY *key = NULL;
    unsigned char fpr[PGP_FPR_BYTES];
    if (dearmor(text, &bytes, &len) == 0 && first_packet(bytes, len, &tag, &body, &body_len) == 0 &&
        tag == PGP_SECRET_KEY)
        key = parse_secret_key(body, body_len, fpr);
    free(text);
    if (bytes)
        OPENSSL_cleanse(bytes, len);
    free(bytes);
    char hex[2 * PGP_FPR_BYTES + 1] = "";
    if (key != NULL) {
        digest_hex(fpr, PGP_FPR_BYTES, hex);
        for (char *c = hex; *c; c++)
            *c = (char)(*c >= 'a' ? *c - 'a' + 'A' : *c);
    }
    if (key == NULL || strcmp(hex, want_fingerprint) != 0 || epoch < 0 || epoch > 0xffffffffLL) {
        EVP_PKEY_free(key);
        return AG_OK; /* gpg signs for this key */
    }
    struct native_signer *s = xmalloc(sizeof *s);
    s->key = key;
    memcpy(s->fingerprint, fpr, PGP_FPR_BYTES);
    s->created = (uint32_t)epoch;
    *out = s;
    return AG_OK;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* RFC 4880 6.1: the armor checksum. */
static uint32_t crc24(const unsigned char *p, size_t len)
{
    uint32_t crc = 0xB704CEu;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint32_t)p[i] << 16;
        for (int k = 0; k < 8; k++) {
            crc <<= 1;
            if (crc & 0x1000000u)
                crc ^= 0x1864CFBu;
        }
    }
    return crc & 0xFFFFFFu;
}

/* SHA-256 of the file, then of the tail (hashed part and trailer). */
static int hash_for_signature(const char *path, const unsigned char *tail, size_t tail_len,
                              unsigned char *digest, struct ag_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return ag_error_set(err, AG_FAIL, "cannot read %s: %s", path, strerror(errno));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    unsigned char *buf = xmalloc(1 << 20);
    ssize_t n;
    while (ok && (n = read(fd, buf, 1 << 20)) != 0) {
        if (n < 0) {
            ok = errno == EINTR;
            continue;
        }
        ok = EVP_DigestUpdate(md, buf, (size_t)n) == 1;
    }
    free(buf);
    close(fd);
    unsigned int len = 0;
    ok = ok && EVP_DigestUpdate(md, tail, tail_len) == 1 &&
         EVP_DigestFinal_ex(md, digest, &len) == 1 && len == 32;
    EVP_MD_CTX_free(md);
    return ok ? AG_OK : ag_error_set(err, AG_FAIL, "cannot hash %s for its signature", path);
}

/* The signature's hashed part: version 4, a binary document, RSA,
 * SHA-256; hashed subpackets the issuer's fingerprint, then the creation
 * time, as gpg writes them. Returns its length. */
#define PGP_HASHED_BYTES (6 + 23 + 6)
static size_t hashed_part(const struct native_signer *s, unsigned char *hashed)
{
    size_t h = 0;
    hashed[h++] = 4;
    hashed[h++] = 0x00;
    hashed[h++] = PGP_RSA;
    hashed[h++] = PGP_SHA256;
    hashed[h++] = 0;
    hashed[h++] = 29;
    hashed[h++] = 22;
    hashed[h++] = 33;
    hashed[h++] = 4;
    memcpy(hashed + h, s->fingerprint, PGP_FPR_BYTES);
    h += PGP_FPR_BYTES;
    hashed[h++] = 5;
    hashed[h++] = 2;
    put32(hashed + h, s->created);
    h += 4;
    return h;
}

/* The hashed part followed by the v4 trailer: what is hashed after the
 * file's bytes. */
static size_t hash_tail(const struct native_signer *s, unsigned char *tail)
{
    size_t h = hashed_part(s, tail);
    tail[h] = 4;
    tail[h + 1] = 0xff;
    put32(tail + h + 2, (uint32_t)h);
    return h + 6;
}

/* RSA over digest, the packet around it, the armor around that. */
static int finish_signature(const struct native_signer *s, const unsigned char *digest,
                            char **armored, size_t *armored_len, struct ag_error *err)
{
    unsigned char hashed[PGP_HASHED_BYTES];
    size_t h = hashed_part(s, hashed);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(s->key, NULL);
    size_t sig_len = 0;
    unsigned char *sig = NULL;
    int ok = ctx && EVP_PKEY_sign_init(ctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
             EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0 &&
             EVP_PKEY_sign(ctx, NULL, &sig_len, digest, 32) > 0;
    if (ok) {
        sig = xmalloc(sig_len);
        ok = EVP_PKEY_sign(ctx, sig, &sig_len, digest, 32) > 0;
    }
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
        free(sig);
        return ag_error_set(err, AG_FAIL, "RSA signing failed");
    }
    size_t skip = 0;
    while (skip < sig_len && sig[skip] == 0)
        skip++;
    size_t mpi_bytes = sig_len - skip;
    unsigned bits = (unsigned)mpi_bytes * 8;
    for (unsigned char top = mpi_bytes ? sig[skip] : 0; bits > 0 && !(top & 0x80); top <<= 1)
        bits--;
    /* The packet: old-format tag 2 with a two-octet length. */
    size_t body_len = h + 2 + 10 + 2 + 2 + mpi_bytes;
    unsigned char *packet = xmalloc(3 + body_len);
    size_t k = 0;
    packet[k++] = 0x80 | (PGP_SIGNATURE << 2) | 1;
    packet[k++] = (unsigned char)(body_len >> 8);
    packet[k++] = (unsigned char)body_len;
    memcpy(packet + k, hashed, h);
    k += h;
    packet[k++] = 0;
    packet[k++] = 10;
    packet[k++] = 9;
    packet[k++] = 16;
    memcpy(packet + k, s->fingerprint + PGP_FPR_BYTES - 8, 8);
    k += 8;
    packet[k++] = digest[0];
    packet[k++] = digest[1];
    packet[k++] = (unsigned char)(bits >> 8);
    packet[k++] = (unsigned char)bits;
    memcpy(packet + k, sig + skip, mpi_bytes);
    k += mpi_bytes;
    free(sig);
    struct strbuf out = {0};
    strbuf_adds(&out, "-----BEGIN PGP SIGNATURE-----\n\n");
    char *b64 = xmalloc(base64_len(k) + 1);
    digest_base64(packet, k, b64);
    for (size_t i = 0, n = strlen(b64); i < n; i += 64) {
        strbuf_add(&out, b64 + i, n - i < 64 ? n - i : 64);
        strbuf_adds(&out, "\n");
    }
    uint32_t crc = crc24(packet, k);
    unsigned char crc_bytes[3] = {(unsigned char)(crc >> 16), (unsigned char)(crc >> 8),
                                  (unsigned char)crc};
    char crc_b64[8];
    digest_base64(crc_bytes, 3, crc_b64);
    strbuf_addf(&out, "=%s\n-----END PGP SIGNATURE-----\n", crc_b64);
    free(b64);
    free(packet);
    *armored = strbuf_detach(&out, armored_len);
    return AG_OK;
}

int native_sign_file(const struct native_signer *s, const char *path, char **armored,
                     size_t *armored_len, struct ag_error *err)
{
    unsigned char tail[PGP_HASHED_BYTES + 6];
    size_t n = hash_tail(s, tail);
    unsigned char digest[32];
    if (hash_for_signature(path, tail, n, digest, err) != AG_OK)
        return err->status;
    return finish_signature(s, digest, armored, armored_len, err);
}

int native_sign_state(const struct native_signer *s, const struct digest_state *sha256,
                      char **armored, size_t *armored_len, struct ag_error *err)
{
    unsigned char tail[PGP_HASHED_BYTES + 6];
    size_t n = hash_tail(s, tail);
    unsigned char digest[DIGEST_MAX_BYTES];
    size_t len = 0;
    if (digest_state_finish(sha256, tail, n, digest, &len, err) != AG_OK)
        return err->status;
    return finish_signature(s, digest, armored, armored_len, err);
}

void native_signer_free(struct native_signer *s)
{
    if (s == NULL)
        return;
    EVP_PKEY_free(s->key);
    free(s);
}
