#ifndef ASSETGEN_GENERATE_RUN_H
#define ASSETGEN_GENERATE_RUN_H

#include <stdint.h>

#include "common/artifact.h"
#include "common/config.h"
#include "common/error.h"
#include "common/generator.h"

/* One package to make: a generator and the description it turns into
 * bytes. The strings are owned by the plan. */
struct planned_package {
    const struct generator *generator;
    struct package_spec spec;
};

struct generate_plan {
    struct planned_package *packages;
    size_t count;
    const struct generator **generators; /* distinct, in plan order */
    size_t generator_count;
    char *out_root;
    char *base_url;
    const struct size_tier *size;
    uint64_t seed;
    int64_t epoch;
    struct signer *signer;         /* NULL: unsigned */
    const char *public_key_path;   /* published under keys/ when signing */
    const char *ca_cert_path;      /* the test CA, published beside it */
    const char *registry_key_path; /* registry signatures (npm), or NULL */
    uint64_t planned_bytes;        /* about what the run writes, for progress */
    char **owned;                  /* strings the specs point into */
    size_t owned_count;
};

struct generate_request {
    const struct config *config;
    const char *out_dir;
    const struct size_tier *size;
    const struct generator *const *generators;
    size_t generator_count;
    uint64_t seed;
    int64_t epoch;
    const char *base_url;
    const char *name;    /* overrides the template's package name */
    const char *version; /* overrides the template's version */
    unsigned count;      /* packages per format */
    int defects;         /* also make every known-bad variant */
    struct signer *signer;
    const char *public_key_path;
    const char *registry_key_path;
};

/* Builds and checks the plan: names, versions, sizes, output directory.
 * Writes nothing; every problem found here is a usage error. */
int generate_plan_build(const struct generate_request *req, struct generate_plan *plan,
                        struct ag_error *err);
void generate_plan_free(struct generate_plan *plan);

/* What a run reports while it works; any callback may be NULL. */
struct generate_progress {
    /* From a worker thread as each package finishes. */
    void (*package_done)(void *ctx, const struct planned_package *pkg,
                         const struct artifact_list *made, size_t done, size_t total);
    /* About four times a second while packages are written: the bytes
     * written so far and the bytes the plan expects in all. */
    void (*bytes_written)(void *ctx, uint64_t written, uint64_t planned);
    void *ctx;
};

/* Generates every package with up to jobs threads into a staging
 * directory, then under the output lock merges the manifest, writes each
 * format's index there and moves the lot into place. On failure nothing
 * visible has changed: out/ and its manifest are as they were. */
int generate_plan_run(const struct generate_plan *plan, unsigned jobs, const char *tool,
                      const struct generate_progress *progress, struct artifact_list *made,
                      struct ag_error *err);

#endif
