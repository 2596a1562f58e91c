#ifndef ASSETGEN_PACKAGE_H
#define ASSETGEN_PACKAGE_H

#include <stdint.h>

#include "common/archive_writer.h"
#include "common/generator.h"
#include "common/template.h"

/* Shared steps of turning a package_spec into an archive. */

/* The placeholders every template may use: name, version, description,
 * seed, epoch, date (ISO-8601 UTC of epoch), data_file, data_bytes. */
void package_template_vars(const struct package_spec *spec, struct template_vars *vars,
                           char *scratch, size_t scratch_len);

struct data_file_result {
    uint64_t bytes;
    unsigned char sha256[32];
    int known; /* set by the first call: the same spec's data needs no second digest */
};

/* Streams the spec's seeded data file into the archive as one entry and
 * fills result. Pass the same result again for another archive of the
 * same spec (a wheel and its sdist): the stream is the same, so its
 * digest is not computed twice. */
int package_add_data_file(struct det_archive *ar, const char *entry_path,
                          const struct package_spec *spec, struct data_file_result *result,
                          struct ag_error *err);

/* Adds every rendered template file under prefix ("package/"). */
int package_add_templates(struct det_archive *ar, const char *prefix,
                          const struct template_set *set, struct ag_error *err);

/* Closes the archive and commits its file when rc is AG_OK (cut to half
 * its length first when truncate is set: a broken-download defect);
 * otherwise discards both. Returns the final status. */
int package_finish_archive(struct det_archive *ar, struct atomic_file *out, int rc, int truncate,
                           struct ag_error *err);

/* A row for one file of spec, to fill in and hand to artifact_list_add:
 * format, name and version point into spec, kind is kept as given,
 * path is taken (the caller frees it) and placed by package_path, expect
 * is "accept". */
void package_row(struct artifact *row, const struct package_spec *spec, const char *kind,
                 char *path);

/* Frees what a package_row owns once it has been added: path, data
 * path, facts and the SHA-256 state. */
void package_row_release(struct artifact *row);

/* Where a file of spec lives, relative to out/<size>/: relative itself
 * (taken), or for a later copy of a republished version
 * <format>/_republish/<n>/<rest>, which no index lists and no package
 * name can reach ('_' starts none). */
char *package_path(const struct package_spec *spec, char *relative);

/* out_root/relative as a fresh string. */
char *package_output_path(const struct package_spec *spec, const char *relative);

#endif
