#ifndef ASSETGEN_GENERATE_PLAN_H
#define ASSETGEN_GENERATE_PLAN_H

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
    struct signer *signer;       /* NULL: unsigned */
    const char *public_key_path; /* published under keys/ when signing */
    const char *ca_cert_path;    /* the test CA, published beside it */
    uint64_t planned_bytes;      /* about what the run writes, for progress */
    unsigned lock_timeout;       /* seconds to wait for the output lock; 0: no limit */
    void **owned;                /* blocks (strings, lists) the specs point into */
    size_t owned_count;
    struct package_field_value **field_sets; /* one per generator */
    size_t field_set_count;
    /* The set's entry for the manifest (definition, per-format outcomes),
     * or NULL when no set was chosen. */
    json_t *set_entry;
    const char *set_name;
    struct signer *wrong_signer; /* signs the set's wrong-signer releases */
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
    /* --package-field values: "KEY" for every format that declares it,
     * or "FORMAT.KEY" for one. */
    const struct package_field_value *fields;
    size_t field_count;
    struct signer *signer;
    const char *public_key_path;
    /* A package set to make instead of the template's package, or NULL. */
    const struct package_set *set;
    /* Names as written: no -<tier> suffix. */
    int plain_names;
};

/* The name a package has in a tier's tree: "<name>-<tier>", so the
 * tiers of one format never share a name@version, or name itself when
 * plain. A fresh string. */
char *plan_tier_name(const char *name, const char *tier, int plain);

/* Builds and checks the plan: names, versions, sizes, output directory.
 * Writes nothing; every problem found here is a usage error. */
int generate_plan_build(const struct generate_request *req, struct generate_plan *plan,
                        struct ag_error *err);
void generate_plan_free(struct generate_plan *plan);

#endif
