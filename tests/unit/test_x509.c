#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/pki.h"
#include "common/x509.h"
#include "support.h"

/* The certificates under test come from the run's shared PKI, which
 * pki_init made with x509_create_ca_and_server. */

static X509 *read_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot open %s", path);
    X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    cr_assert_not_null(cert, "%s is not a PEM certificate", path);
    return cert;
}

static EVP_PKEY *read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot open %s", path);
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    cr_assert_not_null(key, "%s is not a PEM private key", path);
    return key;
}

static int ext_critical(X509 *cert, int nid)
{
    int at = X509_get_ext_by_NID(cert, nid, -1);
    cr_assert_geq(at, 0, "extension %s is missing", OBJ_nid2sn(nid));
    return X509_EXTENSION_get_critical(X509_get_ext(cert, at));
}

static unsigned file_mode(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "cannot stat %s", path);
    return st.st_mode & 07777;
}

Test(x509, ca_is_a_critical_ca_for_certificate_and_crl_signing_only)
{
    struct pki_paths p;
    shared_pki(&p);
    X509 *ca = read_cert(p.ca_cert);
    int crit = -1;
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(ca, NID_basic_constraints, &crit, NULL);
    cr_assert_not_null(bc);
    cr_assert(bc->ca, "CA:TRUE expected");
    cr_assert_eq(crit, 1, "basicConstraints must be critical");
    BASIC_CONSTRAINTS_free(bc);
    cr_assert_eq(ext_critical(ca, NID_key_usage), 1, "keyUsage must be critical");
    cr_assert_eq(X509_get_key_usage(ca), (uint32_t)(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
    cr_assert_eq(X509_NAME_cmp(X509_get_subject_name(ca), X509_get_issuer_name(ca)), 0,
                 "the CA is self-issued");
    cr_assert_not_null(X509_get0_subject_key_id(ca));
    cr_assert_eq(X509_get_version(ca), X509_VERSION_3);
    X509_free(ca);
    pki_paths_free(&p);
}

Test(x509, server_names_are_exactly_localhost_and_both_loopback_addresses)
{
    struct pki_paths p;
    shared_pki(&p);
    X509 *server = read_cert(p.server_cert);
    GENERAL_NAMES *names = X509_get_ext_d2i(server, NID_subject_alt_name, NULL, NULL);
    cr_assert_not_null(names, "subjectAltName is missing");
    cr_assert_eq(sk_GENERAL_NAME_num(names), 3);

    const GENERAL_NAME *dns = sk_GENERAL_NAME_value(names, 0);
    cr_assert_eq(dns->type, GEN_DNS);
    cr_assert_eq(ASN1_STRING_length(dns->d.dNSName), 9);
    cr_assert_eq(memcmp(ASN1_STRING_get0_data(dns->d.dNSName), "localhost", 9), 0);

    unsigned char v4[4], v6[16];
    cr_assert_eq(inet_pton(AF_INET, "127.0.0.1", v4), 1);
    cr_assert_eq(inet_pton(AF_INET6, "::1", v6), 1);
    const GENERAL_NAME *ip4 = sk_GENERAL_NAME_value(names, 1);
    cr_assert_eq(ip4->type, GEN_IPADD);
    cr_assert_eq(ASN1_STRING_length(ip4->d.iPAddress), 4);
    cr_assert_eq(memcmp(ASN1_STRING_get0_data(ip4->d.iPAddress), v4, 4), 0);
    const GENERAL_NAME *ip6 = sk_GENERAL_NAME_value(names, 2);
    cr_assert_eq(ip6->type, GEN_IPADD);
    cr_assert_eq(ASN1_STRING_length(ip6->d.iPAddress), 16);
    cr_assert_eq(memcmp(ASN1_STRING_get0_data(ip6->d.iPAddress), v6, 16), 0);

    GENERAL_NAMES_free(names);
    X509_free(server);
    pki_paths_free(&p);
}

Test(x509, server_is_a_non_ca_tls_server_certificate_naming_its_ca_key)
{
    struct pki_paths p;
    shared_pki(&p);
    X509 *server = read_cert(p.server_cert);
    X509 *ca = read_cert(p.ca_cert);
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(server, NID_basic_constraints, NULL, NULL);
    cr_assert_not_null(bc, "basicConstraints is missing");
    cr_assert_not(bc->ca, "CA:FALSE expected");
    BASIC_CONSTRAINTS_free(bc);

    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(server, NID_ext_key_usage, NULL, NULL);
    cr_assert_not_null(eku, "extendedKeyUsage is missing");
    cr_assert_eq(sk_ASN1_OBJECT_num(eku), 1);
    cr_assert_eq(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)), NID_server_auth);
    EXTENDED_KEY_USAGE_free(eku);

    cr_assert(X509_get_key_usage(server) & KU_DIGITAL_SIGNATURE, "digitalSignature expected");
    cr_assert_not(X509_get_key_usage(server) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN));

    const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(server);
    const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(ca);
    cr_assert_not_null(aki, "authorityKeyIdentifier is missing");
    cr_assert_not_null(ski);
    cr_assert_eq(ASN1_OCTET_STRING_cmp(aki, ski), 0, "the AKI names the CA's key");
    cr_assert_eq(X509_check_issued(ca, server), X509_V_OK);
    X509_free(ca);
    X509_free(server);
    pki_paths_free(&p);
}

/* X509_verify_cert of the server certificate with a strict store; returns
 * the verification error (X509_V_OK when it verifies). */
static int verify_server(X509 *server, X509 *trusted)
{
    X509_STORE *store = X509_STORE_new();
    if (trusted != NULL)
        cr_assert_eq(X509_STORE_add_cert(store, trusted), 1);
    X509_STORE_set_flags(store, X509_V_FLAG_X509_STRICT);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    cr_assert_eq(X509_STORE_CTX_init(ctx, store, server, NULL), 1);
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
    X509_VERIFY_PARAM_set1_host(param, "localhost", 0);
    int ok = X509_verify_cert(ctx);
    int error = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return ok == 1 ? X509_V_OK : (error != X509_V_OK ? error : -1);
}

Test(x509, server_verifies_strictly_against_the_ca_and_not_without_it)
{
    struct pki_paths p;
    shared_pki(&p);
    X509 *server = read_cert(p.server_cert);
    X509 *ca = read_cert(p.ca_cert);
    int error = verify_server(server, ca);
    cr_assert_eq(error, X509_V_OK, "%s", X509_verify_cert_error_string(error));
    cr_assert_neq(verify_server(server, NULL), X509_V_OK, "an unknown issuer must not verify");
    cr_assert_neq(verify_server(server, server), X509_V_OK, "the server is not its own CA");
    X509_free(ca);
    X509_free(server);
    pki_paths_free(&p);
}

Test(x509, each_key_file_holds_the_private_key_of_its_certificate)
{
    struct pki_paths p;
    shared_pki(&p);
    X509 *ca = read_cert(p.ca_cert), *server = read_cert(p.server_cert);
    EVP_PKEY *ca_key = read_key(p.ca_key), *server_key = read_key(p.server_key);
    cr_assert_eq(X509_check_private_key(ca, ca_key), 1);
    cr_assert_eq(X509_check_private_key(server, server_key), 1);
    cr_assert_neq(X509_check_private_key(server, ca_key), 1, "the two keys must differ");
    cr_assert_eq(EVP_PKEY_get_base_id(server_key), EVP_PKEY_RSA);
    cr_assert_eq(EVP_PKEY_get_bits(server_key), 3072);
    cr_assert_eq(EVP_PKEY_get_bits(ca_key), 3072);
    ERR_clear_error();
    EVP_PKEY_free(server_key);
    EVP_PKEY_free(ca_key);
    X509_free(server);
    X509_free(ca);
    pki_paths_free(&p);
}

Test(x509, key_files_are_mode_0600_and_certificates_0644)
{
    struct pki_paths p;
    shared_pki(&p);
    const char *keys[] = {p.ca_key, p.server_key, p.gpg_key, p.registry_key};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_assert_eq(file_mode(keys[i]), 0600u, "%s is %o", keys[i], file_mode(keys[i]));
    const char *public[] = {p.ca_cert, p.server_cert, p.gpg_public, p.registry_public};
    for (size_t i = 0; i < sizeof public / sizeof public[0]; i++)
        cr_assert_eq(file_mode(public[i]), 0644u, "%s is %o", public[i], file_mode(public[i]));
    cr_assert_eq(file_mode(p.dir), 0700u, "the PKI directory is private");
    pki_paths_free(&p);
}
