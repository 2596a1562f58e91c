#ifndef ASSETGEN_GENERATOR_H
#define ASSETGEN_GENERATOR_H

#include <stddef.h>
#include <stdint.h>

#include "common/artifact.h"
#include "common/config.h"
#include "common/error.h"

struct signer;

/* The description of one package that a generator turns into bytes. */
struct package_spec {
    const char *format;
    const char *name;
    const char *version;
    const char *description;
    const char *template_dir;
    const struct size_tier *size;
    uint64_t data_size; /* bytes of the seeded data file; 0 for none */
    uint64_t seed;
    int64_t epoch;         /* SOURCE_DATE_EPOCH for every timestamp */
    const char *base_url;  /* where out/<size>/ is served; ends in '/' */
    const char *out_root;  /* out/<size> */
    struct signer *signer; /* NULL when unsigned; for formats that embed signatures */
    const char *defect;    /* NULL, or the known-bad variant to make (a defect's name) */
};

/* A known-bad variant a generator can make, so a registry's rejection
 * paths get tested: its name, what is broken, and how the client refuses. */
struct defect {
    const char *name;
    const char *summary;
    const char *client_refusal;
};

/* What a generator needs to write its repository metadata: every row of
 * the (merged) manifest that belongs to its format. The metadata is
 * written under out_root (the run's staging directory, moved into place
 * with the run); an artifact is read from out_root when this run made it,
 * else from served_root (see package_index_source). */
struct index_request {
    const char *out_root;
    const char *served_root;
    const char *base_url;
    int64_t epoch;
    const struct artifact *artifacts;
    size_t count;
    const char *registry_key_path; /* P-256 key for registry signatures, or NULL */
    struct signer *signer;         /* for signed repository metadata, or NULL */
};

/* One package format, as libarchive has one writer per archive format:
 * generators/<format>.c fills one of these and generators/registry.c
 * lists it. Nothing outside that file knows the format's rules. */
struct generator {
    const char *name;
    const char *summary;
    /* Bytes kept below a tier's maxSize for the container's own headers,
     * so the artifact lands in [95%, 100%] of the tier. */
    uint64_t container_overhead;
    /* Files one package makes (a wheel and an sdist: 2), each holding the
     * data file: what a run needs on disk is reckoned from it. */
    unsigned artifacts_per_package;
    /* 1 when each artifact gets a detached armored signature (<file>.asc). */
    int sign_detached;
    /* The known-bad variants `generate --defects` makes. */
    const struct defect *defects;
    size_t defect_count;
    /* Name and version rules of the ecosystem (usage errors). */
    int (*check_package)(const struct package_spec *spec, struct ag_error *err);
    /* Renders the package's templates and checks them, writing nothing, so
     * a broken template is a usage error before any file or key is made
     * (optional). */
    int (*check_templates)(const struct package_spec *spec, struct ag_error *err);
    /* Writes the package's files and appends one row per file. */
    int (*generate)(const struct package_spec *spec, struct artifact_list *out,
                    struct ag_error *err);
    /* Rewrites the repository metadata and client settings from rows. */
    int (*write_index)(const struct index_request *request, struct ag_error *err);
    /* Re-reads one artifact with independent readers and checks it
     * against its row and the repository metadata. */
    int (*verify_artifact)(const char *out_root, const char *base_url, const struct artifact *art,
                           struct ag_error *err);
};

/* generators/registry.c */
extern const struct generator *const generator_registry[];
extern const size_t generator_registry_count;
const struct generator *generator_find(const char *name);
/* 1 when art is the named defect variant. */
int artifact_has_defect(const struct artifact *art, const char *defect);

#endif
