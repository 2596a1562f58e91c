#ifndef ASSETGEN_CARGO_H
#define ASSETGEN_CARGO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/generator.h"
#include "common/strbuf.h"

/* The parts of the cargo format shared by its files: crate names, the
 * sparse index, Cargo.toml, the publish request and package sets. */

#define CARGO_KIND_CRATE   "crate"
#define CARGO_KIND_PUBLISH "publish-body"
#define CARGO_REGISTRY     "assetgen" /* the registry's name in clients/cargo-config.toml */

#define CARGO_BAD_CKSUM     "bad-cksum"
#define CARGO_TRUNCATED     "truncated-crate"
#define CARGO_NAME_MISMATCH "name-mismatch"
#define CARGO_OUTSIDE       "path-outside-prefix"

/* cargo's rules for a new package name: ASCII letters, digits, '-' and
 * '_', starting with a letter, at most 64 characters, not a reserved
 * name (std, core, test, a Rust keyword, a Windows device name). */
int cargo_check_name(const char *name, struct ag_error *err);

/* Where the sparse index keeps a crate's lines, below cargo/index/:
 * 1/<n>, 2/<n>, 3/<c>/<n>, <ab>/<cd>/<n>, lower-cased (a fresh string). */
char *cargo_index_path(const char *name);

/* "cargo/crates/<n>/<n>-<v>.crate" and "cargo/publish/<n>-<v>.body". */
char *cargo_crate_path(const char *name, const char *version);
char *cargo_publish_path(const char *name, const char *version);

/* ---- TOML (cargo_toml.c) ---- */

/* Appends value as a TOML basic string, quotes included: '"' and '\\'
 * escaped, control characters as \uXXXX. TOML is UTF-8: a value that is
 * not is refused (AG_USAGE, naming what). */
int cargo_toml_string(struct strbuf *out, const char *value, const char *what,
                      struct ag_error *err);

/* The [package] table of a Cargo.toml, read by a small reader of the
 * TOML cargo writes: tables, comments, `key = "basic"` or `'literal'`
 * strings. strict (a template): any other table or value is refused,
 * naming the line; else other tables and values are skipped. */
#define CARGO_PACKAGE_KEYS 10
struct cargo_package_table {
    char *key[CARGO_PACKAGE_KEYS];
    char *value[CARGO_PACKAGE_KEYS];
    size_t count;
};

int cargo_read_package_table(const char *text, size_t len, const char *source, int strict,
                             struct cargo_package_table *table, struct ag_error *err);
const char *cargo_package_value(const struct cargo_package_table *table, const char *key);
void cargo_package_table_free(struct cargo_package_table *table);

/* The keys of [package] a template may set (and the normalized
 * Cargo.toml carries), in the order cargo writes them. */
extern const char *const cargo_package_keys[];
extern const size_t cargo_package_key_count;

/* The Cargo.toml `cargo package` writes from the original: its header
 * comment, [package] with cargo's normalised keys, [lib], and the
 * dependency tables. index_url is the registry a dependency comes from
 * ("sparse+<base>cargo/index/"). A fresh string, or NULL with err. */
char *cargo_normalized_manifest(const struct cargo_package_table *package, const char *lib_name,
                                const struct package_spec *spec, const char *index_url,
                                struct ag_error *err);
/* The original with the set's dependencies as cargo reads them from a
 * project that names the registry (`registry = "assetgen"`). */
char *cargo_original_with_dependencies(const char *original, const struct package_spec *spec,
                                       struct ag_error *err);

/* ---- package sets (cargo_sets.c) ---- */

/* A neutral range as a cargo version requirement: ">=1.0.0, <2.0.0",
 * "=1.2.0" for ==, "*" for any (a fresh string). cargo has no '!=':
 * such a comparator is left out (the requirement is wider). */
char *cargo_requirement_text(const struct version_range *range);
/* The dependency objects of the index line ("req") or of the publish
 * request ("version_req"), in cargo's key order. */
json_t *cargo_index_deps(const struct package_spec *spec);
json_t *cargo_publish_deps(json_t *index_deps);
extern const struct set_support cargo_set_support;
char *cargo_purl(const char *name, const char *version);

/* ---- the publish request (cargo_publish.c) ---- */

/* The bytes before the .crate in a PUT /api/v1/crates/new body: the JSON
 * metadata's length (u32 little-endian), the metadata, the .crate's
 * length (u32 little-endian). NULL with err when a length does not fit
 * in 32 bits (a crate of 4 GiB or more cannot be published this way). */
unsigned char *cargo_publish_head(const char *json, size_t json_len, uint64_t crate_len,
                                  size_t *head_len, struct ag_error *err);

/* A publish body read back: the metadata and where the .crate lies. */
struct cargo_publish_view {
    json_t *metadata;
    uint64_t crate_offset;
    uint64_t crate_len;
    unsigned char crate_sha256[32];
};

/* Reads a body from a file, checking its framing (the lengths add up to
 * the file's size) and digesting the .crate it carries. */
int cargo_publish_read(const char *path, struct cargo_publish_view *view, struct ag_error *err);
/* The same over bytes in memory (the crate is digested, not kept). */
int cargo_publish_parse(const unsigned char *data, size_t len, struct cargo_publish_view *view,
                        struct ag_error *err);
void cargo_publish_view_free(struct cargo_publish_view *view);

/* The metadata object of the publish request, in cargo's key order. */
json_t *cargo_publish_metadata(const struct cargo_package_table *package, json_t *index_deps);

/* ---- the registry (cargo_index.c) ---- */

int cargo_write_index(const struct index_request *req, struct ag_error *err);
/* The sparse index line of a row's crate (a reference into *lines, the
 * file's lines parsed, for the caller to json_decref), or NULL with err. */
json_t *cargo_read_index_line(const char *out_root, const struct artifact *art, json_t **lines,
                              struct ag_error *err);

#endif
