#ifndef ASSETGEN_TESTS_UNIT_SUPPORT_H
#define ASSETGEN_TESTS_UNIT_SUPPORT_H

/* Set-up shared by the unit tests. Every helper fails the running test
 * (criterion assertions) when its set-up cannot be done. */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/archive_reader.h"
#include "common/generator.h"
#include "common/pki.h"

#define BASE_URL "http://127.0.0.1:8080/"

/* A fresh directory /tmp/assetgen-<tag>-XXXXXX; the caller frees the name. */
char *make_tmpdir(const char *tag);
/* Removes path and, for a directory, everything below it. */
/* Writes text to dir/rel, creating its parent directories, with the mode. */
void write_file(const char *dir, const char *rel, const char *text, mode_t mode);
/* Names in dir (hidden ones too), joined by '|' in readdir order. */
size_t list_dir(const char *dir, char *names, size_t cap);
/* The whole file, NUL-terminated; the caller frees it. */
char *slurp(const char *path, size_t *len);

/* One file path in a fresh temporary directory; the file is not created. */
struct tmp_file {
    char *dir;
    char *path;
};

void tmp_file_make(struct tmp_file *t, const char *tag, const char *name);
/* Unlinks the file, removes the directory and frees both names; returns
 * rmdir's result, non-zero when something else was left in the directory. */
int tmp_file_free(struct tmp_file *t);

/* A PKI made by pki_init (key type rsa3072) at most once per test run and
 * shared, read-only, by every test that asks: the first one makes it under
 * a lock, the others wait for it, and the runner removes it when all tests
 * have ended. Fills paths; the caller frees them with pki_paths_free. */
void shared_pki(struct pki_paths *paths);

/* One package generated into a fresh out_root. */
struct gen_case {
    char *out_root;
    struct package_spec spec;
    struct artifact_list made;
    const struct generator *gen;
    struct package_field_value fields[16]; /* the generator's defaults */
};

/* Generates spec (its format, name, version, template_dir, data_size and
 * seed) with the test description, epoch, BASE_URL and a fresh out_root,
 * expecting count artifacts. */
void gen_case_setup(struct gen_case *c, struct package_spec spec, size_t count);
void gen_case_teardown(struct gen_case *c);
/* Scans the index-th artifact with ARCHIVE_SCAN_DIGESTS. */
void gen_case_scan(const struct gen_case *c, size_t index, struct archive_scan *out);
/* Writes the repository metadata for the generated artifacts. */
int gen_case_write_index(const struct gen_case *c, struct ag_error *err);
/* A pid no process has: a child that has exited and been reaped. */
long dead_pid(void);
/* A version range the test writes, parsed (the test fails if it does not parse). */
struct version_range test_range(const char *text);
/* The generator of a format this build has. */
const struct generator *test_generator(const char *format);
/* check_package of the format's generator for name and version alone. */
int gen_check(const char *format, const char *name, const char *version, struct ag_error *err);

#endif
