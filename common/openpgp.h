#ifndef ASSETGEN_OPENPGP_H
#define ASSETGEN_OPENPGP_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* OpenPGP through GPGME, always in a private GnuPG home: never the user's. */

#define OPENPGP_FPR_MAX 41

/* The moment every assetgen key claims to have been created: before any
 * plausible SOURCE_DATE_EPOCH, so reproducible signatures made "at" that
 * epoch are never older than their key. */
#define OPENPGP_KEY_CREATION_EPOCH 946684800 /* 2000-01-01T00:00:00Z */

/* Creates a never-expiring, unprotected signing key of algo ("rsa3072",
 * "rsa4096", "ed25519") in a temporary home and writes its armored public
 * and secret exports to pub_path (0644) and key_path (0600). */
int openpgp_create_key(const char *algo, const char *user_id, const char *pub_path,
                       const char *key_path, char *fingerprint, struct ag_error *err);

/* A signer: a temporary home holding the key imported from key_path, its
 * clock frozen at epoch, so the same key, data and epoch give the same
 * signature bytes. Files can be signed from several threads at once;
 * clear-signing serves one at a time. */
struct signer;

int signer_open(struct signer **out, const char *key_path, int64_t epoch, struct ag_error *err);
const char *signer_fingerprint(const struct signer *signer);
/* Writes an armored detached signature of path to sig_path, atomically. */
int signer_sign_file(struct signer *signer, const char *path, const char *sig_path,
                     struct ag_error *err);
/* The same, given the SHA-256 state of the file's bytes (or NULL): a key
 * signed in-process then needs no second read of the file. */
struct digest_state;
int signer_sign_hashed(struct signer *signer, const char *path, const struct digest_state *sha256,
                       const char *sig_path, struct ag_error *err);
/* Clear-signs text (InRelease, .prov); *out is malloc'ed. */
int signer_clearsign(struct signer *signer, const char *text, size_t len, char **out,
                     size_t *out_len, struct ag_error *err);
/* A detached signature of the bytes data[0..len), binary (an OpenPGP
 * signature packet, as rpm's RSAHEADER holds) or armored; *out is
 * malloc'ed. */
int signer_sign_buffer(struct signer *signer, const void *data, size_t len, int armored, char **out,
                       size_t *out_len, struct ag_error *err);
/* The signing key's public half, binary (a keyring apt's Signed-By
 * takes) or armored; *out is malloc'ed. */
int signer_export_public(struct signer *signer, int armored, char **out, size_t *out_len,
                         struct ag_error *err);
/* The same signer also holds the registry's ECDSA P-256 key, for formats
 * whose registry signs its metadata (SIGN_REGISTRY). A key that is not
 * P-256 is a usage error, found before anything is generated. */
struct ecdsa_key;
int signer_use_registry_key(struct signer *signer, const char *key_path, struct ag_error *err);
/* The public key that will be published must be the signing key's
 * (usage error otherwise). */
int signer_check_public_key(struct signer *signer, const char *pub_path, struct ag_error *err);
/* The registry key, or NULL when there is none (or no signer). */
const struct ecdsa_key *signer_registry_key(const struct signer *signer);
void signer_close(struct signer *signer);

/* Checks detached signatures against one public key (armored or binary). */
struct verifier;

int verifier_open(struct verifier **out, const char *pub_path, struct ag_error *err);
const char *verifier_fingerprint(const struct verifier *verifier);
int verifier_check_file(struct verifier *verifier, const char *path, const char *sig_path,
                        struct ag_error *err);
void verifier_close(struct verifier *verifier);

#endif
