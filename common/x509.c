#include "common/x509.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/atomic_file.h"

#define TEN_YEARS (10L * 365 * 24 * 3600)

static int openssl_failed(const char *what, struct ag_error *err)
{
    char detail[256] = "";
    unsigned long code = ERR_get_error();
    if (code)
        ERR_error_string_n(code, detail, sizeof detail);
    ERR_clear_error();
    return ag_error_set(err, AG_FAIL, "%s failed%s%s", what, detail[0] ? ": " : "", detail);
}

static int write_bio(BIO *bio, const char *path, unsigned mode, struct ag_error *err)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    return atomic_write_mode(path, data, (size_t)len, mode, err);
}

static int write_key(EVP_PKEY *key, const char *path, struct ag_error *err)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int rc = PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1
                 ? write_bio(bio, path, 0600, err)
                 : openssl_failed("PEM encoding of a private key", err);
    BIO_free(bio);
    return rc;
}

static int write_cert(X509 *cert, const char *path, struct ag_error *err)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int rc = PEM_write_bio_X509(bio, cert) == 1
                 ? write_bio(bio, path, 0644, err)
                 : openssl_failed("PEM encoding of a certificate", err);
    BIO_free(bio);
    return rc;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL)
        return 0;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

static X509 *new_cert(EVP_PKEY *key, const char *common_name)
{
    X509 *cert = X509_new();
    X509_set_version(cert, 2);
    /* A random positive 63-bit serial: a replaced CA (pki init --force)
     * must not reuse an issuer and serial pair, which NSS rejects. */
    unsigned char random[8];
    uint64_t serial = 1;
    if (RAND_bytes(random, sizeof random) == 1) {
        serial = 0;
        for (size_t i = 0; i < sizeof random; i++)
            serial = serial << 8 | random[i];
        serial = (serial >> 1) | 1;
    }
    BIGNUM *bn = BN_new();
    BN_set_word(bn, serial);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
    BN_free(bn);
    /* An hour of slack for clocks behind ours. */
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), TEN_YEARS);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"assetgen", -1, -1,
                               0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)common_name, -1, -1,
                               0);
    return cert;
}

int x509_create_ca_and_server(const struct x509_request *req, struct ag_error *err)
{
    int bits = req->bits ? req->bits : 3072;
    EVP_PKEY *ca_key = EVP_RSA_gen((unsigned)bits);
    EVP_PKEY *server_key = EVP_RSA_gen((unsigned)bits);
    X509 *ca = NULL, *server = NULL;
    int rc = AG_OK;
    if (ca_key == NULL || server_key == NULL) {
        rc = openssl_failed("RSA key generation", err);
        goto done;
    }
    ca = new_cert(ca_key, "assetgen test CA");
    X509_set_issuer_name(ca, X509_get_subject_name(ca));
    /* The extensions Python 3.13's strict verification asks for. */
    if (!add_ext(ca, ca, NID_basic_constraints, "critical,CA:TRUE") ||
        !add_ext(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !add_ext(ca, ca, NID_subject_key_identifier, "hash") ||
        !add_ext(ca, ca, NID_authority_key_identifier, "keyid:always") ||
        X509_sign(ca, ca_key, EVP_sha256()) == 0) {
        rc = openssl_failed("CA certificate", err);
        goto done;
    }
    server = new_cert(server_key, "localhost");
    X509_set_issuer_name(server, X509_get_subject_name(ca));
    if (!add_ext(server, ca, NID_basic_constraints, "CA:FALSE") ||
        !add_ext(server, ca, NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
        !add_ext(server, ca, NID_ext_key_usage, "serverAuth") ||
        !add_ext(server, ca, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") ||
        !add_ext(server, ca, NID_subject_key_identifier, "hash") ||
        !add_ext(server, ca, NID_authority_key_identifier, "keyid:always") ||
        X509_sign(server, ca_key, EVP_sha256()) == 0) {
        rc = openssl_failed("server certificate", err);
        goto done;
    }
    if (write_key(ca_key, req->ca_key_path, err) != AG_OK ||
        write_cert(ca, req->ca_cert_path, err) != AG_OK ||
        write_key(server_key, req->server_key_path, err) != AG_OK ||
        write_cert(server, req->server_cert_path, err) != AG_OK)
        rc = err->status;
done:
    X509_free(ca);
    X509_free(server);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(server_key);
    return rc;
}

int x509_check_ca_certificate(const char *path, struct ag_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return ag_error_set(err, AG_USAGE, "CA certificate %s is not a regular file", path);
    BIO *in = BIO_new_file(path, "r");
    X509 *cert = in ? PEM_read_bio_X509(in, NULL, NULL, NULL) : NULL;
    int ok = cert != NULL && X509_check_ca(cert) > 0;
    X509_free(cert);
    BIO_free(in);
    ERR_clear_error();
    if (!ok)
        return ag_error_set(err, AG_USAGE,
                            "%s is not a PEM CA certificate; it would be published as keys/ca.crt "
                            "for clients to trust: run 'assetgen pki init --force' or fix it",
                            path);
    return AG_OK;
}
