#ifndef ASSETGEN_CONFIG_H
#define ASSETGEN_CONFIG_H

/* The latest timestamp every format can carry: 9999-12-31T23:59:59Z. */
#define AG_EPOCH_MAX 253402300799ULL

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/package_set.h"

/* The seed's size tier: small {maxSize: 1MiB, dataFile: null}, ... */
struct size_tier {
    char *name;
    uint64_t max_size;
    uint64_t data_size; /* 0 when the tier has no data file */
    int random;
    char *source; /* file that defined it */
};

/* The seed's Docker Compose profile, plus the formats it generates. */
struct profile {
    char *name;
    char **services;
    size_t service_count;
    int is_smoke;
    char **dependencies;
    size_t dependency_count;
    char **formats;
    size_t format_count;
};

/* The seed's Test Asset Template, with the package it describes. */
/* A package option given in the configuration, with where it was given,
 * for the generator that declares it to check. */
struct config_field {
    char *key;
    char *value;
    char *where; /* "file:line:col" */
};

struct asset_template {
    char *format;
    char *template_dir; /* resolved against the configuration's directory */
    char *generator;
    char **size_tiers;
    size_t size_tier_count;
    char *output_pattern;
    char *package_name;
    char *package_version;
    char *description;
    /* Keys of package beyond name, version and description. */
    struct config_field *fields;
    size_t field_count;
};

/* The seed's Test Tier. */
struct test_tier {
    char *name;
    char *display_name;
    char *trigger;
    uint64_t target_seconds;
    char **tests;
    size_t test_count;
};

/* The seed's PKI Configuration; paths relative to dir unless absolute. */
struct pki_config {
    char *dir;
    char *ca_key_path;
    char *ca_cert_path;
    char *server_key_path;
    char *server_cert_path;
    char *gpg_key_id;
    char *gpg_public_key_path;
};

struct config {
    char *path;
    char *base_dir;
    uint64_t seed;
    int64_t source_date_epoch;
    char *base_url;
    char *default_size;
    struct size_tier *sizes;
    size_t size_count;
    struct profile *profiles;
    size_t profile_count;
    struct asset_template *templates;
    size_t template_count;
    struct test_tier *tiers;
    size_t tier_count;
    struct pki_config pki;
    /* The built-in package sets, then those of packageSets. */
    struct package_set_list sets;
};

/* Loads path and every *.yaml in the sizes directory it names. */
int config_load(struct config *config, const char *path, struct ag_error *err);
void config_free(struct config *config);

/* Checks one document given as text against the schema: the main
 * configuration, or a sizes file. No file is read (the fuzzer's entry). */
enum config_text { CONFIG_TEXT_MAIN, CONFIG_TEXT_SIZES };
int config_parse_text(struct config *config, const char *name, const char *text, size_t len,
                      enum config_text kind, struct ag_error *err);

const struct size_tier *config_find_size(const struct config *config, const char *name);
const struct profile *config_find_profile(const struct config *config, const char *name);
const struct asset_template *config_find_template(const struct config *config, const char *format);

#endif
