#ifndef ASSETGEN_DEB_H
#define ASSETGEN_DEB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/generator.h"
#include "common/strbuf.h"

/* The parts of the deb format shared by its files: Debian names and
 * versions, control paragraphs, the .deb read back, the apt repository
 * and package sets. */

#define DEB_KIND  "deb"
#define DEB_SUITE "assetgen" /* the suite (and codename) of the clean repository */
/* Pre-releases, as Debian's experimental: NotAutomatic, so apt takes one
 * only when it is pinned, asked for with -t, or all a package has. */
#define DEB_EXPERIMENTAL DEB_SUITE "-experimental"
#define DEB_COMPONENT    "main"
#define DEB_KEYRING      "keys/assetgen-archive-keyring.gpg"

#define DEB_RELEASE_HASH   "release-hash-mismatch"
#define DEB_BAD_SIGNATURE  "inrelease-bad-signature"
#define DEB_WRONG_SIGNER   "wrong-signer"
#define DEB_MD5SUMS        "md5sums-mismatch"
#define DEB_TRUNCATED      "truncated-deb"
#define DEB_NAME_MISMATCH  "control-name-mismatch"
#define DEB_PATH_TRAVERSAL "path-traversal"

/* ---- names, versions, control paragraphs (deb_control.c) ---- */

/* Policy 5.6.1: at least two characters of [a-z0-9+.-], starting with a
 * letter or digit. */
int deb_check_name(const char *name, const char *what, struct ag_error *err);
/* Policy 5.6.12: [epoch:]upstream[-revision]; epoch digits, upstream
 * starting with a digit of [A-Za-z0-9.+~-] ('-' only with a revision),
 * revision [A-Za-z0-9.+~]. */
int deb_check_version(const char *version, const char *what, struct ag_error *err);
/* An architecture name: "all", "any"-free [a-z0-9-]+. */
int deb_check_architecture(const char *arch, struct ag_error *err);
/* Whether a valid version is a pre-release: its upstream part (between
 * epoch and revision) holds a '~', as native_version writes SemVer's. */
int deb_version_is_prerelease(const char *version);
/* dpkg's order of two valid versions (deb-version(7)): <0, 0, >0. */
int deb_version_compare(const char *a, const char *b);

/* Appends "Key: value\n". A value must be UTF-8 without control
 * characters; a multi-line one (Description) continues each further
 * line with a space and writes an empty line as " ."; a line break in a
 * single-line field is refused (AG_USAGE naming the field). */
int deb_control_field(struct strbuf *out, const char *key, const char *value, int multiline,
                      struct ag_error *err);

/* The fields a control paragraph holds, in the order they are written
 * (control and Packages alike). */
extern const char *const deb_control_keys[];
extern const size_t deb_control_key_count;
/* Whether key is one of them written multi-line (Description). */
int deb_control_key_multiline(const char *key);

/* A control paragraph from a JSON object of field -> string, written in
 * deb_control_keys order; a key outside that list is refused. */
int deb_control_paragraph(struct strbuf *out, const json_t *fields, struct ag_error *err);

/* A paragraph read back: field names as written, values with
 * continuation lines joined by '\n' and " ." made empty. */
struct deb_paragraph {
    char **key;
    char **value;
    size_t count;
};
/* Parses the first paragraph of text; *end (optional) gets where the next
 * begins. */
int deb_paragraph_parse(const char *text, size_t len, const char *source, struct deb_paragraph *p,
                        size_t *end, struct ag_error *err);
const char *deb_paragraph_get(const struct deb_paragraph *p, const char *key);
void deb_paragraph_free(struct deb_paragraph *p);

/* "pool/main/<initial>/<name>/<name>_<version without epoch>_<arch>.deb",
 * initial the first letter, or "libx" for a lib* name. */
char *deb_pool_path(const char *name, const char *version, const char *arch);
/* The suite a row is listed in: "defect-<name>" for a defect row, else
 * DEB_EXPERIMENTAL for a pre-release, else DEB_SUITE. */
char *deb_suite_of(const struct artifact *art);
/* "Sat, 01 Jan 2000 00:00:00 UTC" for epoch. */
void deb_rfc2822_date(int64_t epoch, char *out, size_t cap);

/* ---- reading a .deb back (deb_read.c), independently of the writer ---- */

struct deb_view {
    char *control_member; /* "control.tar.xz" */
    char *data_member;
    char *control_filter; /* what libarchive found: "none", "gzip", "xz", "zstd" */
    char *data_filter;
    char *debian_binary;
    char *control;    /* ./control text */
    char *md5sums;    /* ./md5sums text, or NULL */
    char *traversal;  /* the first data entry with a ".." component, or NULL */
    char *irregular;  /* the first data entry neither file nor directory, or NULL */
    char *md5_wrong;  /* the first file whose md5 is not the md5sums line's, or NULL */
    char *md5_absent; /* the first file md5sums does not list, or a line without a file */
    int data_found;
    char data_sha256[65];
    uint64_t files;
};

/* Reads path: the ar members by hand, the tars with libarchive; data_path
 * ("usr/share/...", no "./") is the data file to digest, or NULL. */
int deb_read(const char *path, const char *data_path, struct deb_view *view, struct ag_error *err);
void deb_view_free(struct deb_view *view);
/* Whether a path has a ".." component. */
int deb_has_dotdot(const char *path);

/* ---- verify and the defect predicates (deb_verify.c) ---- */

int deb_verify_artifact(const char *out_root, const char *base_url, const struct artifact *art,
                        struct ag_error *err);
int deb_release_hash_present(const char *out_root, const char *base_url, const struct artifact *art,
                             struct ag_error *err);
int deb_bad_signature_present(const char *out_root, const char *base_url,
                              const struct artifact *art, struct ag_error *err);
int deb_wrong_signer_present(const char *out_root, const char *base_url, const struct artifact *art,
                             struct ag_error *err);
int deb_md5sums_present(const char *out_root, const char *base_url, const struct artifact *art,
                        struct ag_error *err);
int deb_truncated_present(const char *out_root, const char *base_url, const struct artifact *art,
                          struct ag_error *err);
int deb_name_mismatch_present(const char *out_root, const char *base_url,
                              const struct artifact *art, struct ag_error *err);
int deb_traversal_present(const char *out_root, const char *base_url, const struct artifact *art,
                          struct ag_error *err);

/* ---- the repository (deb_index.c) ---- */

int deb_write_index(const struct index_request *req, struct ag_error *err);
/* The architectures a suite's Release lists for rows of these archs. */
extern const char *const deb_default_archs[];
extern const size_t deb_default_arch_count;

/* ---- package sets (deb_sets.c) ---- */

extern const struct set_support deb_set_support;
char *deb_native_version(const char *semver);
/* A neutral range as relations on name: "ag-lib (>= 1.0.0), ag-lib (<< 2.0.0~)"
 * (a fresh string; "!=" has no Debian relation and is left out). */
char *deb_relation_text(const char *name, const struct version_range *range);
char *deb_purl(const char *name, const char *version);
char *deb_package_purl(const char *name, const char *version, const char *arch);

#endif
