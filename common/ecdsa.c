#include "common/ecdsa.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/atomic_file.h"
#include "common/fsutil.h"

struct ecdsa_key {
    EVP_PKEY *pkey;
    EC_GROUP *group;
    BIGNUM *d;
};

static int write_pem(BIO *bio, const char *path, unsigned mode, struct ag_error *err)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    return atomic_write_mode(path, data, (size_t)len, mode, err);
}

int ecdsa_create_key(const char *key_path, const char *pub_path, struct ag_error *err)
{
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    if (pkey == NULL)
        return ag_error_set(err, AG_FAIL, "P-256 key generation failed");
    BIO *priv = BIO_new(BIO_s_mem()), *pub = BIO_new(BIO_s_mem());
    int rc = AG_OK;
    if (PEM_write_bio_PrivateKey(priv, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
        PEM_write_bio_PUBKEY(pub, pkey) != 1)
        rc = ag_error_set(err, AG_FAIL, "PEM encoding of the P-256 key failed");
    if (rc == AG_OK)
        rc = write_pem(priv, key_path, 0600, err);
    if (rc == AG_OK)
        rc = write_pem(pub, pub_path, 0644, err);
    BIO_free(priv);
    BIO_free(pub);
    EVP_PKEY_free(pkey);
    return rc;
}

int ecdsa_load_key(const char *key_path, struct ecdsa_key **out, struct ag_error *err)
{
    *out = NULL;
    FILE *f = fopen(key_path, "r");
    if (f == NULL)
        return ag_error_set(err, AG_FAIL, "cannot read registry signing key %s", key_path);
    EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    char curve[64] = "";
    size_t curve_len = 0;
    if (pkey == NULL ||
        EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve,
                                       &curve_len) != 1 ||
        strcmp(curve, "prime256v1") != 0) {
        EVP_PKEY_free(pkey);
        return ag_error_set(err, AG_FAIL, "%s is not a P-256 private key", key_path);
    }
    struct ecdsa_key *key = calloc(1, sizeof *key);
    key->pkey = pkey;
    key->group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &key->d) != 1 || key->group == NULL) {
        ecdsa_key_free(key);
        return ag_error_set(err, AG_FAIL, "cannot read the private scalar of %s", key_path);
    }
    *out = key;
    return AG_OK;
}

static void hmac(const unsigned char *k, const unsigned char *parts[], const size_t lens[],
                 size_t count, unsigned char *out)
{
    unsigned char buf[32 + 1 + 32 + 32];
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        memcpy(buf + n, parts[i], lens[i]);
        n += lens[i];
    }
    unsigned len = 32;
    HMAC(EVP_sha256(), k, 32, buf, n, out, &len);
}

/* RFC 6979 section 3.2 with HMAC-SHA256, for a 256-bit order. */
static void rfc6979_first(const unsigned char x[32], const unsigned char h[32], unsigned char K[32],
                          unsigned char V[32])
{
    memset(V, 0x01, 32);
    memset(K, 0x00, 32);
    for (unsigned char tag = 0; tag < 2; tag++) {
        const unsigned char *parts[] = {V, &tag, x, h};
        const size_t lens[] = {32, 1, 32, 32};
        hmac(K, parts, lens, 4, K);
        const unsigned char *vpart[] = {V};
        const size_t vlen[] = {32};
        hmac(K, vpart, vlen, 1, V);
    }
}

static void rfc6979_next(unsigned char K[32], unsigned char V[32])
{
    const unsigned char zero = 0;
    const unsigned char *parts[] = {V, &zero};
    const size_t lens[] = {32, 1};
    hmac(K, parts, lens, 2, K);
    const unsigned char *vpart[] = {V};
    const size_t vlen[] = {32};
    hmac(K, vpart, vlen, 1, V);
}

int ecdsa_sign(const struct ecdsa_key *key, const void *message, size_t len, unsigned char *der,
               size_t *der_len, struct ag_error *err)
{
    unsigned char h[32], x[32], K[32], V[32];
    SHA256(message, len, h);
    BN_CTX *ctx = BN_CTX_new();
    BN_CTX_start(ctx);
    BIGNUM *e = BN_CTX_get(ctx), *k = BN_CTX_get(ctx), *kinv = BN_CTX_get(ctx);
    BIGNUM *px = BN_CTX_get(ctx), *tmp = BN_CTX_get(ctx);
    BIGNUM *r = BN_new(), *s = BN_new();
    const BIGNUM *n = EC_GROUP_get0_order(key->group);
    EC_POINT *R = EC_POINT_new(key->group);
    BN_bn2binpad(key->d, x, 32);
    /* bits2octets(h): h reduced mod n. */
    BN_bin2bn(h, 32, e);
    BN_mod(tmp, e, n, ctx);
    unsigned char hr[32];
    BN_bn2binpad(tmp, hr, 32);
    rfc6979_first(x, hr, K, V);
    int found = 0;
    for (int attempt = 0; attempt < 64 && !found; attempt++) {
        const unsigned char *vpart[] = {V};
        const size_t vlen[] = {32};
        hmac(K, vpart, vlen, 1, V);
        BN_bin2bn(V, 32, k);
        if (!BN_is_zero(k) && BN_cmp(k, n) < 0 &&
            EC_POINT_mul(key->group, R, k, NULL, NULL, ctx) == 1 &&
            EC_POINT_get_affine_coordinates(key->group, R, px, NULL, ctx) == 1) {
            BN_nnmod(r, px, n, ctx);
            /* s = k^-1 (e + r d) mod n */
            BN_mod_inverse(kinv, k, n, ctx);
            BN_mod_mul(tmp, r, key->d, n, ctx);
            BN_mod_add(tmp, tmp, e, n, ctx);
            BN_mod_mul(s, kinv, tmp, n, ctx);
            found = !BN_is_zero(r) && !BN_is_zero(s);
        }
        if (!found)
            rfc6979_next(K, V);
    }
    int rc = AG_OK;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    if (!found || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        rc = ag_error_set(err, AG_FAIL, "ECDSA signing failed");
    } else {
        unsigned char *p = der;
        *der_len = (size_t)i2d_ECDSA_SIG(sig, &p);
    }
    ECDSA_SIG_free(sig);
    EC_POINT_free(R);
    BN_CTX_end(ctx);
    BN_CTX_free(ctx);
    OPENSSL_cleanse(x, sizeof x);
    OPENSSL_cleanse(K, sizeof K);
    return rc;
}

int ecdsa_public_der(const struct ecdsa_key *key, unsigned char **der, size_t *len,
                     struct ag_error *err)
{
    unsigned char *out = NULL;
    int n = i2d_PUBKEY(key->pkey, &out);
    if (n <= 0)
        return ag_error_set(err, AG_FAIL, "cannot encode the registry public key");
    *der = xmalloc((size_t)n);
    memcpy(*der, out, (size_t)n);
    OPENSSL_free(out);
    *len = (size_t)n;
    return AG_OK;
}

void ecdsa_key_free(struct ecdsa_key *key)
{
    if (key == NULL)
        return;
    EVP_PKEY_free(key->pkey);
    EC_GROUP_free(key->group);
    BN_clear_free(key->d);
    free(key);
}

int ecdsa_verify(const unsigned char *pub_der, size_t pub_len, const void *message, size_t len,
                 const unsigned char *sig, size_t sig_len, struct ag_error *err)
{
    const unsigned char *p = pub_der;
    EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)pub_len);
    if (pkey == NULL)
        return ag_error_set(err, AG_FAIL, "the registry public key is not valid DER");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
             EVP_DigestVerify(ctx, sig, sig_len, message, len) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return ok ? AG_OK : ag_error_set(err, AG_FAIL, "registry signature does not verify");
}
