#ifndef ASSETGEN_RPM_H
#define ASSETGEN_RPM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/generator.h"
#include "common/strbuf.h"

/* The parts of the rpm format shared by its files: the package writer,
 * the yum repository, package sets. */

#define RPM_KIND "rpm"

#define RPM_BAD_SIGNATURE  "bad-signature"
#define RPM_WRONG_SIGNER   "wrong-signer"
#define RPM_UNSIGNED       "unsigned"
#define RPM_PAYLOAD_DIGEST "payload-digest-mismatch"
#define RPM_TRUNCATED      "truncated-rpm"
#define RPM_REPOMD_DIGEST  "repomd-checksum-mismatch"
#define RPM_NAME_MISMATCH  "name-mismatch"

#define RPM_LEAD_SIZE 96
#define RPM_DATA_FILE "data.bin"

/* A defect that lives in a repository's metadata gets a repository of
 * its own, rpm/defect/<defect>/, so the good one stays clean. */
int rpm_defect_has_own_repo(const char *defect);
/* The repository directory of a row, below out/<size>/: "rpm" or
 * "rpm/defect/<defect>" (a fresh string). */
char *rpm_repo_dir(const struct artifact *art);

/* ---- names and versions ---- */

/* rpm's rules: a name of ASCII letters, digits and "-._+", starting
 * with a letter or digit; a version or release of letters, digits and
 * "._+~^", starting with a letter or digit, no '-'; an epoch a decimal
 * number that fits 32 bits. what names the field in the error. */
int rpm_check_name(const char *name, struct ag_error *err);
int rpm_check_version_field(const char *value, const char *what, struct ag_error *err);
int rpm_check_epoch(const char *value, struct ag_error *err);
/* A value for a header string tag (summary, license, group, url): UTF-8,
 * no control characters but '\n' when multiline. */
int rpm_check_text(const char *value, const char *what, int multiline, struct ag_error *err);

/* The 96-byte lead for name-version-release. */
void rpm_lead(unsigned char lead[RPM_LEAD_SIZE], const char *nvr);

/* ---- the package writer (rpm_write.c) ---- */

/* The checked strings of one package's header. */
struct rpm_meta_fields {
    const char *header_name; /* the row's name, or another for name-mismatch */
    const char *release;
    const char *epoch; /* NULL for none */
    const char *arch;
    const char *summary;
    const char *description;
    const char *license;
    const char *group;
    const char *url;         /* NULL for none */
    const char *compression; /* none, gzip, xz, zstd */
};

struct template_set;
/* Writes row->path (the lead, signature header, main header, payload)
 * and fills the row's digests, data file and facts. */
int rpm_write_package(const struct package_spec *spec, const struct rpm_meta_fields *fields,
                      const struct template_set *files, struct artifact *row, struct ag_error *err);

/* ---- package sets (rpm_sets.c) ---- */

/* One dependency as rpm writes it: name, RPMSENSE flags, version. */
struct rpm_dep {
    char *name;
    uint32_t flags;
    char *version; /* "" for none */
};

/* The Requires (or Recommends) entries of a neutral range: one per
 * comparator, "< 2.0.0~" for "< 2.0.0" so a pre-release of 2.0.0
 * is excluded as SemVer does; "!=" has no rpm form and is left out. */
size_t rpm_range_deps(const char *name, const struct version_range *range, struct rpm_dep *out,
                      size_t cap);
char *rpm_native_version(const char *semver);
char *rpm_purl(const char *name, const char *version);
char *rpm_package_purl(const char *name, const char *epoch, const char *version,
                       const char *release, const char *arch);
extern const struct set_support rpm_set_support;

/* ---- the repository (rpm_repo.c) ---- */

int rpm_write_index(const struct index_request *req, struct ag_error *err);
/* The <package> entry of primary.xml.gz in the row's repository that
 * names pkgid, parsed: name, version/rel/epoch, checksum, location. */
struct rpm_primary_entry {
    char *name;
    char *epoch;
    char *version;
    char *release;
    char *arch;
    char *checksum;
    char *location;
    uint64_t size;
};
int rpm_read_primary(const char *out_root, const struct artifact *art,
                     struct rpm_primary_entry *entry, struct ag_error *err);
void rpm_primary_entry_free(struct rpm_primary_entry *entry);
/* Whether repomd.xml's checksum of primary is that of the served file. */
int rpm_repomd_primary_true(const char *out_root, const struct artifact *art, int *is_true,
                            struct ag_error *err);

#endif
