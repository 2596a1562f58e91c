#ifndef ASSETGEN_ECDSA_H
#define ASSETGEN_ECDSA_H

#include <stddef.h>

#include "common/error.h"

/* ECDSA P-256 with SHA-256 and RFC 6979 deterministic nonces: the same key
 * and message always give the same signature, which OpenSSL 3.0's own
 * ECDSA (random nonces) cannot. Used for registry signatures. */
struct ecdsa_key;

/* Writes a new key: private PEM (0600) and public SubjectPublicKeyInfo PEM. */
int ecdsa_create_key(const char *key_path, const char *pub_path, struct ag_error *err);
int ecdsa_load_key(const char *key_path, struct ecdsa_key **key, struct ag_error *err);
/* DER-encoded signature of SHA-256(message); der holds at least 80 bytes. */
int ecdsa_sign(const struct ecdsa_key *key, const void *message, size_t len, unsigned char *der,
               size_t *der_len, struct ag_error *err);
/* The public key as DER SubjectPublicKeyInfo; *der is malloc'ed. */
int ecdsa_public_der(const struct ecdsa_key *key, unsigned char **der, size_t *len,
                     struct ag_error *err);
void ecdsa_key_free(struct ecdsa_key *key);
/* Checks a DER signature of SHA-256(message) against a DER public key:
 * AG_OK when it verifies. */
int ecdsa_verify(const unsigned char *pub_der, size_t pub_len, const void *message, size_t len,
                 const unsigned char *sig, size_t sig_len, struct ag_error *err);

#endif
