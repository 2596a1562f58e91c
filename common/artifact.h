#ifndef ASSETGEN_ARTIFACT_H
#define ASSETGEN_ARTIFACT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/atomic_file.h"

/* One file a client consumes: a row of manifest.json. */
struct artifact {
    char *format;
    char *kind;
    char *name;
    char *version;
    char *path; /* relative to out/<size>/ */
    char *signature;
    char *defect;
    char *expect;
    /* The package set the row was made from, or NULL. */
    char *set;
    /* Its package URL, for SBOM checks. */
    char *purl;
    /* Who signed it, for a set's signer persona: NULL for the project
     * key, else "wrong-signer", "unsigned" or "other-bytes". */
    char *signer;
    /* 0 for a republished copy the index does not list. */
    int unlisted;
    uint64_t bytes;
    char sha256[65];
    char sha512[129];
    char sha1[41];
    char md5[33];
    /* The seeded data file inside the package, when the tier has one. */
    char *data_path;
    uint64_t data_bytes;
    char data_sha256[65];
    /* The format's own fields the index step reads instead of reopening
     * the artifact (a JSON object, owned by the row), or NULL. */
    json_t *facts;
    /* The SHA-256 state of the file's bytes, for a signature made from it
     * without reading the file again (this run's rows only), or NULL. */
    struct digest_state *sha256_state;
};

struct artifact_list {
    struct artifact *items;
    size_t count;
};

/* Copies size and digests of a committed file into art, and takes the
 * file's SHA-256 state when it kept one. */
void artifact_take_digests(struct artifact *art, struct atomic_file *file);
void artifact_set_data(struct artifact *art, const char *path, uint64_t bytes,
                       const unsigned char *sha256);
/* Appends a copy of art (strings duplicated). */
/* Hands facts (a JSON object) to art, replacing any it had. */
void artifact_set_facts(struct artifact *art, json_t *facts);
/* A string member of the row's facts, or NULL. */
const char *artifact_fact(const struct artifact *art, const char *key);
void artifact_list_add(struct artifact_list *list, const struct artifact *art);
void artifact_list_free(struct artifact_list *list);
void artifact_free(struct artifact *art);
void artifact_copy(struct artifact *dst, const struct artifact *src);

#endif
