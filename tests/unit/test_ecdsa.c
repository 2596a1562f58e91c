#include <criterion/criterion.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/ecdsa.h"
#include "common/fsutil.h"
#include "support.h"

enum { SIG_MAX = 80 };

/* A fresh key pair in a temporary directory, loaded. */
struct key_case {
    char *dir;
    char *key_path;
    char *pub_path;
    struct ecdsa_key *key;
};

static void key_case_setup(struct key_case *c)
{
    c->dir = make_tmpdir("ecdsa");
    c->key_path = xasprintf("%s/registry-signing.key", c->dir);
    c->pub_path = xasprintf("%s/registry-signing.pub", c->dir);
    struct ag_error err = {0};
    cr_assert_eq(ecdsa_create_key(c->key_path, c->pub_path, &err), AG_OK, "%s", err.message);
    cr_assert_eq(ecdsa_load_key(c->key_path, &c->key, &err), AG_OK, "%s", err.message);
}

static void key_case_teardown(struct key_case *c)
{
    ecdsa_key_free(c->key);
    remove_tree(c->dir);
    free(c->dir);
    free(c->key_path);
    free(c->pub_path);
}

static size_t sign(const struct ecdsa_key *key, const char *message, unsigned char *der)
{
    size_t len = 0;
    struct ag_error err = {0};
    cr_assert_eq(ecdsa_sign(key, message, strlen(message), der, &len, &err), AG_OK, "%s",
                 err.message);
    cr_assert(len > 8 && len <= 72, "DER length %zu", len);
    return len;
}

static int verify(const struct ecdsa_key *key, const char *message, const unsigned char *sig,
                  size_t sig_len)
{
    unsigned char *pub = NULL;
    size_t pub_len = 0;
    struct ag_error err = {0};
    cr_assert_eq(ecdsa_public_der(key, &pub, &pub_len, &err), AG_OK, "%s", err.message);
    int rc = ecdsa_verify(pub, pub_len, message, strlen(message), sig, sig_len, &err);
    free(pub);
    return rc;
}

Test(ecdsa, created_private_key_is_0600_and_public_key_0644)
{
    struct key_case c;
    key_case_setup(&c);
    struct stat st;
    cr_assert_eq(stat(c.key_path, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0600u, "private key mode %o", st.st_mode & 07777);
    cr_assert_eq(stat(c.pub_path, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0644u, "public key mode %o", st.st_mode & 07777);
    key_case_teardown(&c);
}

Test(ecdsa, public_der_is_the_public_pem_file)
{
    struct key_case c;
    key_case_setup(&c);
    FILE *f = fopen(c.pub_path, "r");
    cr_assert_not_null(f);
    EVP_PKEY *pub = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    cr_assert_not_null(pub, "the public file is not a SubjectPublicKeyInfo PEM");
    unsigned char *want = NULL;
    int want_len = i2d_PUBKEY(pub, &want);
    unsigned char *got = NULL;
    size_t got_len = 0;
    struct ag_error err = {0};
    cr_assert_eq(ecdsa_public_der(c.key, &got, &got_len, &err), AG_OK, "%s", err.message);
    cr_assert_eq(got_len, (size_t)want_len);
    cr_assert_eq(memcmp(got, want, got_len), 0);
    free(got);
    OPENSSL_free(want);
    EVP_PKEY_free(pub);
    key_case_teardown(&c);
}

Test(ecdsa, same_key_and_message_give_identical_signatures)
{
    struct key_case c;
    key_case_setup(&c);
    unsigned char a[SIG_MAX], b[SIG_MAX];
    size_t a_len = sign(c.key, "left-pad@1.3.0:sha512-abc", a);
    size_t b_len = sign(c.key, "left-pad@1.3.0:sha512-abc", b);
    cr_assert_eq(a_len, b_len);
    cr_assert_eq(memcmp(a, b, a_len), 0, "RFC 6979 nonces are deterministic");
    key_case_teardown(&c);
}

Test(ecdsa, different_messages_give_different_signatures)
{
    struct key_case c;
    key_case_setup(&c);
    unsigned char a[SIG_MAX], b[SIG_MAX];
    size_t a_len = sign(c.key, "left-pad@1.3.0:sha512-abc", a);
    size_t b_len = sign(c.key, "left-pad@1.3.1:sha512-abc", b);
    cr_assert(a_len != b_len || memcmp(a, b, a_len) != 0);
    key_case_teardown(&c);
}

Test(ecdsa, signature_verifies_with_the_public_key)
{
    struct key_case c;
    key_case_setup(&c);
    unsigned char sig[SIG_MAX];
    size_t len = sign(c.key, "pkg@1.0.0:sha512-xyz", sig);
    cr_assert_eq(verify(c.key, "pkg@1.0.0:sha512-xyz", sig, len), AG_OK);
    key_case_teardown(&c);
}

Test(ecdsa, verify_fails_for_a_changed_message)
{
    struct key_case c;
    key_case_setup(&c);
    unsigned char sig[SIG_MAX];
    size_t len = sign(c.key, "pkg@1.0.0:sha512-xyz", sig);
    cr_assert_eq(verify(c.key, "pkg@1.0.1:sha512-xyz", sig, len), AG_FAIL);
    cr_assert_eq(verify(c.key, "pkg@1.0.0:sha512-xyz ", sig, len), AG_FAIL);
    key_case_teardown(&c);
}

Test(ecdsa, verify_fails_for_a_changed_signature_byte)
{
    struct key_case c;
    key_case_setup(&c);
    unsigned char sig[SIG_MAX];
    size_t len = sign(c.key, "pkg@1.0.0:sha512-xyz", sig);
    /* The last byte belongs to s: the DER stays well-formed. */
    sig[len - 1] ^= 0x01;
    cr_assert_eq(verify(c.key, "pkg@1.0.0:sha512-xyz", sig, len), AG_FAIL);
    sig[len - 1] ^= 0x01;
    cr_assert_eq(verify(c.key, "pkg@1.0.0:sha512-xyz", sig, len), AG_OK);
    key_case_teardown(&c);
}

Test(ecdsa, verify_rejects_a_public_key_that_is_not_der)
{
    struct ag_error err = {0};
    const unsigned char junk[] = "not a key";
    cr_assert_eq(ecdsa_verify(junk, sizeof junk, "m", 1, junk, sizeof junk, &err), AG_FAIL);
    cr_assert(strstr(err.message, "not valid DER") != NULL, "%s", err.message);
}

Test(ecdsa, load_fails_for_a_missing_file_or_another_curve)
{
    char *dir = make_tmpdir("ecdsa");
    char *path = xasprintf("%s/absent.key", dir);
    struct ecdsa_key *key = NULL;
    struct ag_error err = {0};
    cr_assert_eq(ecdsa_load_key(path, &key, &err), AG_FAIL);
    cr_assert_null(key);
    cr_assert(strstr(err.message, path) != NULL, "%s", err.message);

    EVP_PKEY *p384 = EVP_EC_gen("P-384");
    cr_assert_not_null(p384);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    cr_assert_eq(PEM_write_PrivateKey(f, p384, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
    EVP_PKEY_free(p384);
    ag_error_clear(&err);
    cr_assert_eq(ecdsa_load_key(path, &key, &err), AG_FAIL);
    cr_assert_null(key);
    cr_assert(strstr(err.message, "not a P-256 private key") != NULL, "%s", err.message);
    free(path);
    remove_tree(dir);
    free(dir);
}

/* Writes the P-256 private key x (hex) as PEM to path, with the public
 * point x*G OpenSSL wants beside it. */
static void write_p256_key(const char *path, const char *x_hex)
{
    BIGNUM *x = NULL;
    cr_assert_gt(BN_hex2bn(&x, x_hex), 0);
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    EC_POINT *q = EC_POINT_new(group);
    cr_assert_eq(EC_POINT_mul(group, q, x, NULL, NULL, NULL), 1);
    unsigned char pub[65];
    cr_assert_eq(EC_POINT_point2oct(group, q, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub, NULL),
                 sizeof pub);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    cr_assert_not_null(params);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *pkey = NULL;
    cr_assert_eq(EVP_PKEY_fromdata_init(ctx), 1);
    cr_assert_eq(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params), 1);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    cr_assert_eq(PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EC_POINT_free(q);
    EC_GROUP_free(group);
    BN_free(x);
}

static void expect_bn(const BIGNUM *got, const char *want_hex, const char *what)
{
    BIGNUM *want = NULL;
    cr_assert_gt(BN_hex2bn(&want, want_hex), 0);
    char *got_hex = BN_bn2hex(got);
    cr_assert_eq(BN_cmp(got, want), 0, "%s = %s, want %s", what, got_hex, want_hex);
    OPENSSL_free(got_hex);
    BN_free(want);
}

/* RFC 6979 appendix A.2.5: P-256, SHA-256, message "sample". */
Test(ecdsa, signature_of_sample_matches_rfc6979_a_2_5)
{
    struct tmp_file t;
    tmp_file_make(&t, "ecdsa", "rfc6979.key");
    write_p256_key(t.path, "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721");
    struct ecdsa_key *key = NULL;
    struct ag_error err = {0};
    cr_assert_eq(ecdsa_load_key(t.path, &key, &err), AG_OK, "%s", err.message);
    unsigned char der[SIG_MAX];
    size_t len = sign(key, "sample", der);
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
    cr_assert_not_null(sig, "the signature is not DER");
    cr_assert_eq(p, der + len, "trailing bytes after the DER signature");
    expect_bn(ECDSA_SIG_get0_r(sig),
              "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716", "r");
    expect_bn(ECDSA_SIG_get0_s(sig),
              "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8", "s");
    cr_assert_eq(verify(key, "sample", der, len), AG_OK);
    ECDSA_SIG_free(sig);
    ecdsa_key_free(key);
    cr_assert_eq(tmp_file_free(&t), 0);
}
