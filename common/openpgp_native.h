#ifndef ASSETGEN_OPENPGP_NATIVE_H
#define ASSETGEN_OPENPGP_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Detached OpenPGP signatures (RFC 4880 v4, RSA, SHA-256) made in this
 * process from an unprotected RSA secret key, byte for byte what gpg
 * makes of the same key, file and time: a file is hashed once by
 * OpenSSL instead of by a gpg process started for it. Keys it cannot
 * serve (other algorithms, a passphrase, a signing subkey) are left to
 * gpg. */
struct native_signer;

/* Loads key_path (armored secret key export) for signing at epoch. Sets
 * *out to NULL, with AG_OK, when the key is not one this can serve or
 * its fingerprint is not want_fingerprint (hex, as gpg prints it). */
int native_signer_load(const char *key_path, const char *want_fingerprint, int64_t epoch,
                       struct native_signer **out, struct ag_error *err);
/* The armored detached signature of the file at path; *armored is
 * malloc'ed. */
int native_sign_file(const struct native_signer *signer, const char *path, char **armored,
                     size_t *len, struct ag_error *err);
/* The same from the SHA-256 state of the file's bytes, read already. */
struct digest_state;
int native_sign_state(const struct native_signer *signer, const struct digest_state *sha256,
                      char **armored, size_t *len, struct ag_error *err);
void native_signer_free(struct native_signer *signer);

#endif
