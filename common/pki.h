#ifndef ASSETGEN_PKI_H
#define ASSETGEN_PKI_H

#include "common/config.h"
#include "common/error.h"
#include "common/openpgp.h"

/* The seed's PKI files, resolved against the PKI directory. */
struct pki_paths {
    char *dir;
    char *ca_key;
    char *ca_cert;
    char *server_key;
    char *server_cert;
    char *gpg_key;
    char *gpg_public;
    char *registry_key; /* ECDSA P-256, for registry signatures (npm) */
    char *registry_public;
};

/* dir overrides config->dir when not NULL. */
void pki_paths_resolve(const struct pki_config *config, const char *dir, struct pki_paths *paths);
void pki_paths_free(struct pki_paths *paths);

/* Key types `pki init --key-type` accepts, and the gpg algorithm of each. */
const char *pki_key_algorithm(const char *key_type);

/* Writes every PKI file: CA and server certificate (OpenSSL), the OpenPGP
 * signing key (GPGME), the registry signing key, and a .gitignore for the
 * private ones. Refuses to replace an existing PKI unless force. */
int pki_init(const struct pki_paths *paths, const char *key_type, int force, char *fingerprint,
             struct ag_error *err);

/* 1 when the directory holds an OpenPGP signing key. */
int pki_has_signing_key(const struct pki_paths *paths);

/* A private key is used only from a regular file that no one but its
 * owner can read (usage error otherwise, with the chmod to run). */
int pki_check_private_key(const char *path, struct ag_error *err);

#endif
