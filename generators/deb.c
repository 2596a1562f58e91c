/* deb: a .deb (an ar archive of debian-binary, control.tar and data.tar,
 * as dpkg-deb --build writes it) and a signed apt repository. */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/generator.h"
#include "common/gzip_buffer.h"
#include "common/package.h"
#include "common/spool.h"
#include "common/strbuf.h"
#include "generators/deb.h"

/* Each repository-level defect has a suite of its own (dists/defect-<name>/),
 * so the clean suite's Release never lists a broken file. */
static const struct defect deb_defects[] = {
    {DEB_RELEASE_HASH,
     "the suite's Release lists the SHA256 of clean Packages files, the served ones are tampered",
     "apt-get update: File has unexpected size (<served> != <listed>). Mirror sync in progress? "
     "(Hash Sum mismatch when the sizes agree)",
     "the .deb whole and listed; the Packages file served differs from the digest Release gives",
     deb_release_hash_present},
    {DEB_BAD_SIGNATURE, "the suite's InRelease is changed by one byte after it was clear-signed",
     "apt-get update: The following signatures were invalid: BADSIG <key id>",
     "Release.gpg verifies Release; InRelease's signed text is not Release's",
     deb_bad_signature_present},
    {DEB_WRONG_SIGNER,
     "the suite's InRelease and Release.gpg are signed by a key keys/ does not "
     "publish",
     "apt-get update: The following signatures couldn't be verified because the public key is "
     "not available: NO_PUBKEY <key id>",
     "Release lists the true digests; Release.gpg does not verify with the published keyring",
     deb_wrong_signer_present},
    {DEB_MD5SUMS, "control.tar's md5sums gives a wrong MD5 for a file of data.tar",
     "dpkg --verify: ??5?????? /usr/share/doc/<name>/README (apt and dpkg -i do not read "
     "md5sums)",
     "the .deb reads whole and is listed truly; one md5sums line is not its file's MD5",
     deb_md5sums_present},
    {DEB_TRUNCATED, "the .deb is cut to half its length (Packages lists the cut bytes)",
     "dpkg -i: dpkg-deb (subprocess): cannot copy archive member from '...' to decompressor "
     "pipe: unexpected end of file or stream (apt fetches it: Packages lists the cut bytes)",
     "Packages' Size and SHA256 are the cut file's; the .deb does not read", deb_truncated_present},
    {DEB_NAME_MISMATCH, "control's Package names another package than Packages does",
     "not refused by apt or dpkg -i: dpkg installs <name>-other, so <name> is not installed "
     "(the case checks dpkg's database)",
     "the .deb reads whole; its control names another valid package, same version; Packages "
     "names the row's",
     deb_name_mismatch_present},
    {DEB_PATH_TRAVERSAL, "data.tar holds an entry with a '..' component",
     "not refused: dpkg 1.21 -i unpacks the entry and writes beside its --root; a registry "
     "or scanner must refuse it",
     "the .deb reads whole, md5sums true; a data.tar entry has a '..' component",
     deb_traversal_present},
};

static const struct artifact_kind deb_kinds[] = {
    {DEB_KIND, 1, 0},
};

static const struct package_field deb_fields[] = {
    {"architecture", "the control Architecture: all, or one such as amd64", "all"},
    {"compression",
     "control.tar and data.tar compression: none, gzip, xz or zstd (gzip is written as stored "
     "deflate blocks, as cheap as none for incompressible data; lintian flags none and zstd "
     "as errors, dpkg 1.21.18+ reads all four)",
     "gzip"},
    {"maintainer", "the control Maintainer: 'Full Name <address>'",
     "assetgen <assetgen@example.org>"},
    {"section", "the control Section", "misc"},
    {"priority", "the control Priority: required, important, standard or optional", "optional"},
};

struct deb_compression {
    const char *name;
    enum archive_compression compression;
    const char *suffix;
};

static const struct deb_compression deb_compressions[] = {
    {"none", COMPRESS_NONE, ""},
    {"gzip", COMPRESS_GZIP, ".gz"},
    {"xz", COMPRESS_XZ, ".xz"},
    {"zstd", COMPRESS_ZSTD, ".zst"},
};

static const struct deb_compression *compression_of(const char *name)
{
    for (size_t i = 0; i < sizeof deb_compressions / sizeof deb_compressions[0]; i++)
        if (name && strcmp(name, deb_compressions[i].name) == 0)
            return &deb_compressions[i];
    return NULL;
}

/* ---- the package's rules ---- */

static int check_maintainer(const char *value, struct ag_error *err)
{
    const char *lt = value ? strchr(value, '<') : NULL;
    const char *gt = lt ? strchr(lt, '>') : NULL;
    int valid = lt && gt && lt > value && gt[1] == '\0' && strchr(lt + 1, '@') != NULL &&
                strchr(lt + 1, '@') < gt && strchr(value, ',') == NULL;
    struct strbuf probe = {0};
    if (valid && deb_control_field(&probe, "Maintainer", value, 0, err) != AG_OK) {
        strbuf_free(&probe);
        return err->status;
    }
    strbuf_free(&probe);
    if (!valid)
        return ag_error_set(err, AG_USAGE,
                            "invalid deb maintainer '%s': 'Full Name <address@domain>' on one "
                            "line, no ',' (Debian policy 5.6.2)",
                            value ? value : "");
    return AG_OK;
}

static int check_section(const char *value, struct ag_error *err)
{
    int valid = value && *value && strlen(value) <= 64;
    for (const char *c = value; valid && *c; c++)
        valid = islower((unsigned char)*c) || isdigit((unsigned char)*c) || strchr("/+-.", *c);
    if (!valid)
        return ag_error_set(err, AG_USAGE,
                            "invalid deb section '%s': lower-case letters, digits, '/', '+', '-', "
                            "'.' (e.g. misc, libs, contrib/utils)",
                            value ? value : "");
    return AG_OK;
}

static int check_priority(const char *value, struct ag_error *err)
{
    static const char *const valid[] = {"required", "important", "standard", "optional"};
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        if (value && strcmp(value, valid[i]) == 0)
            return AG_OK;
    return ag_error_set(err, AG_USAGE,
                        "invalid deb priority '%s': required, important, standard or optional "
                        "(Debian policy 2.5)",
                        value ? value : "");
}

static int deb_check_package(const struct package_spec *spec, struct ag_error *err)
{
    if (spec->field_count > 0) {
        if (deb_check_architecture(package_spec_field(spec, "architecture"), err) != AG_OK ||
            check_maintainer(package_spec_field(spec, "maintainer"), err) != AG_OK ||
            check_section(package_spec_field(spec, "section"), err) != AG_OK ||
            check_priority(package_spec_field(spec, "priority"), err) != AG_OK)
            return err->status;
        if (compression_of(package_spec_field(spec, "compression")) == NULL)
            return ag_error_set(err, AG_USAGE,
                                "invalid deb compression '%s': none, gzip, xz or zstd",
                                package_spec_field(spec, "compression"));
    }
    if (deb_check_name(spec->name, "package name", err) != AG_OK ||
        deb_check_version(spec->version, "version", err) != AG_OK)
        return err->status;
    if (spec->description && *spec->description) {
        struct strbuf probe = {0};
        int rc = deb_control_field(&probe, "Description", spec->description, 0, err);
        strbuf_free(&probe);
        if (rc != AG_OK)
            return ag_error_prefix(err, "the package description: ");
    }
    for (size_t i = 0; i < spec->dependency_count; i++)
        if (deb_check_name(spec->dependencies[i].name, "dependency name", err) != AG_OK)
            return ag_error_prefix(err, "%s %s: ", spec->name, spec->version);
    for (size_t i = 0; i < spec->provide_count; i++)
        if (deb_check_name(spec->provides[i], "provided name", err) != AG_OK)
            return ag_error_prefix(err, "%s %s: ", spec->name, spec->version);
    for (size_t i = 0; i < spec->conflict_count; i++) {
        const struct spec_dependency *c = &spec->conflicts[i];
        if (deb_check_name(c->name, "conflict name", err) != AG_OK)
            return ag_error_prefix(err, "%s %s: ", spec->name, spec->version);
        /* Each relation of a Conflicts field is a conflict of its own, so
         * "a (>= 1), a (<< 2)" conflicts with every a: only a range of one
         * bound is what the set means, and "!=" has no relation at all. */
        if (!version_range_one_bound(c->range))
            return ag_error_set(err, AG_USAGE,
                                "%s %s: conflicts with %s %s, which a Debian Conflicts field "
                                "cannot say (each relation conflicts on its own: one bound, "
                                "no '!=')",
                                spec->name, spec->version, c->name,
                                c->range->text ? c->range->text : "");
    }
    return AG_OK;
}

/* ---- templates ---- */

static int deb_load_templates(const struct package_spec *spec, struct template_set *files,
                              struct ag_error *err)
{
    struct template_vars vars = {0};
    char scratch[256];
    package_template_vars(spec, &vars, scratch, sizeof scratch);
    template_vars_set(&vars, "maintainer", package_spec_field(spec, "maintainer"));
    /* The copyright notice's year, which lintian looks for. */
    char date[64], year[8];
    deb_rfc2822_date(spec->epoch, date, sizeof date);
    snprintf(year, sizeof year, "%.4s", date + 12);
    template_vars_set(&vars, "year", year);
    if (template_load_dir_as(spec->template_dir, &vars, NULL, 0, files, err) != AG_OK)
        return err->status;
    for (size_t i = 0; i < files->count; i++) {
        const char *p = files->files[i].path;
        if (strncmp(p, "DEBIAN/", 7) == 0 || strcmp(p, "DEBIAN") == 0) {
            template_set_free(files);
            return ag_error_set(err, AG_USAGE,
                                "%s/%s: control files are written by assetgen, not templated "
                                "(templates give the files of data.tar)",
                                spec->template_dir, p);
        }
    }
    return AG_OK;
}

static int deb_check_templates(const struct package_spec *spec, struct ag_error *err)
{
    struct template_set files;
    if (deb_load_templates(spec, &files, err) != AG_OK)
        return err->status;
    template_set_free(&files);
    return AG_OK;
}

/* ---- data.tar ---- */

struct data_entry {
    char *path; /* "./usr/share/..", a directory ending in '/' */
    const struct template_file *file;
    int is_data;
};

static int compare_data_entries(const void *a, const void *b)
{
    return strcmp(((const struct data_entry *)a)->path, ((const struct data_entry *)b)->path);
}

struct data_entries {
    struct data_entry *items;
    size_t count, cap;
};

static void add_entry(struct data_entries *list, char *path, const struct template_file *file,
                      int is_data)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i].path, path) == 0) {
            free(path);
            return;
        }
    if (list->count == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 32;
        list->items = realloc(list->items, list->cap * sizeof *list->items);
        if (list->items == NULL)
            abort();
    }
    list->items[list->count++] = (struct data_entry){path, file, is_data};
}

/* A file and every directory above it, as dpkg-deb lists them. */
static void add_with_parents(struct data_entries *list, const char *relative,
                             const struct template_file *file, int is_data)
{
    add_entry(list, xstrdup("./"), NULL, 0);
    for (const char *slash = strchr(relative, '/'); slash; slash = strchr(slash + 1, '/'))
        add_entry(list, xasprintf("./%.*s/", (int)(slash - relative), relative), NULL, 0);
    add_entry(list, xasprintf("./%s", relative), file, is_data);
}

static char *data_file_path(const struct package_spec *spec)
{
    return xasprintf("usr/share/%s/data.bin", spec->name);
}

struct built_tars {
    struct spool control, data;
    uint64_t installed_kib;
    struct data_file_result data_result;
};

/* Policy 12.7: every binary package has a changelog under its doc
 * directory, gzip -9n; changelog.Debian.gz when the version has a
 * Debian revision, changelog.gz for a native one. */
static int changelog_file(const struct package_spec *spec, struct template_file *out,
                          struct ag_error *err)
{
    char date[64];
    deb_rfc2822_date(spec->epoch, date, sizeof date);
    char *at = strstr(date, " UTC");
    if (at)
        strcpy(at, " +0000");
    char *text = xasprintf("%s (%s) unstable; urgency=medium\n\n  * Generated by assetgen as a "
                           "test asset.\n\n -- %s  %s\n",
                           spec->name, spec->version, package_spec_field(spec, "maintainer"), date);
    struct strbuf gz = {0};
    int rc = gzip_buffer(text, strlen(text), &gz, err);
    free(text);
    if (rc != AG_OK) {
        strbuf_free(&gz);
        return rc;
    }
    int native = strchr(strchr(spec->version, ':') ? strchr(spec->version, ':') : spec->version,
                        '-') == NULL;
    out->path = xasprintf("usr/share/doc/%s/changelog%s.gz", spec->name, native ? "" : ".Debian");
    out->length = gz.len;
    out->content = strbuf_detach(&gz, NULL);
    out->mode = 0644;
    return AG_OK;
}

static int write_data_tar(const struct package_spec *spec, const struct template_set *files,
                          const struct deb_compression *comp, struct built_tars *t,
                          struct entry_digest_list *md5s, struct ag_error *err)
{
    struct data_entries list = {0};
    struct template_file changelog = {0};
    if (changelog_file(spec, &changelog, err) != AG_OK)
        return err->status;
    add_with_parents(&list, changelog.path, &changelog, 0);
    for (size_t i = 0; i < files->count; i++)
        add_with_parents(&list, files->files[i].path, &files->files[i], 0);
    char *data_rel = data_file_path(spec);
    if (spec->data_size > 0)
        add_with_parents(&list, data_rel, NULL, 1);
    free(data_rel);
    qsort(list.items, list.count, sizeof *list.items, compare_data_entries);

    struct det_archive ar;
    struct archive_options options = {CONTAINER_TAR_GNU, comp->compression, -1, spec->epoch};
    int rc = det_archive_open_sink(&ar, byte_sink_for_spool(&t->data), &options,
                                   DIGEST_BIT(DIGEST_MD5), err);
    uint64_t kib = 0;
    for (size_t i = 0; rc == AG_OK && i < list.count; i++) {
        const struct data_entry *e = &list.items[i];
        if (e->is_data) {
            rc = package_add_data_file(&ar, e->path, spec, &t->data_result, err);
            kib += (spec->data_size + 1023) / 1024;
        } else if (e->file) {
            rc = det_archive_add_buffer(&ar, e->path, e->file->mode, e->file->content,
                                        e->file->length, err);
            kib += (e->file->length + 1023) / 1024;
        } else {
            rc = det_archive_add_dir(&ar, e->path, err);
            kib += 1;
        }
    }
    /* path-traversal: through a directory the package has, one ".." more
     * than its depth, so an extractor that follows it writes beside its
     * root (dpkg --root=R: R/../assetgen-escape.txt). */
    if (rc == AG_OK && spec->defect && strcmp(spec->defect, DEB_PATH_TRAVERSAL) == 0) {
        static const char note[] = "written outside the package's root\n";
        char *entry =
            xasprintf("./usr/share/doc/%s/../../../../../assetgen-escape.txt", spec->name);
        rc = det_archive_add_buffer(&ar, entry, 0644, note, strlen(note), err);
        free(entry);
    }
    if (rc == AG_OK)
        rc = det_archive_close(&ar, err);
    if (rc == AG_OK) {
        const struct entry_digest_list *entries = det_archive_entries(&ar);
        for (size_t i = 0; i < entries->count; i++) {
            struct digest_set d = {0};
            d.mask = DIGEST_BIT(DIGEST_MD5);
            memcpy(d.value[DIGEST_MD5], entries->items[i].value[DIGEST_MD5], 16);
            d.length[DIGEST_MD5] = 16;
            entry_digest_list_add_final(md5s, entries->items[i].path, entries->items[i].size,
                                        DIGEST_BIT(DIGEST_MD5), &d);
        }
    }
    det_archive_free(&ar);
    for (size_t i = 0; i < list.count; i++)
        free(list.items[i].path);
    free(list.items);
    free(changelog.path);
    free(changelog.content);
    t->installed_kib = kib;
    return rc == AG_OK ? spool_finish(&t->data, err) : rc;
}

/* ---- control.tar ---- */

/* The control fields as both control and Packages write them. */
static json_t *control_fields(const struct package_spec *spec, const char *package_name,
                              uint64_t installed_kib)
{
    json_t *f = json_object();
    json_object_set_new(f, "Package", json_string(package_name));
    json_object_set_new(f, "Version", json_string(spec->version));
    json_object_set_new(f, "Architecture", json_string(package_spec_field(spec, "architecture")));
    json_object_set_new(f, "Maintainer", json_string(package_spec_field(spec, "maintainer")));
    char kib[32];
    snprintf(kib, sizeof kib, "%llu", (unsigned long long)installed_kib);
    json_object_set_new(f, "Installed-Size", json_string(kib));
    struct strbuf depends = {0}, recommends = {0};
    for (size_t i = 0; i < spec->dependency_count; i++) {
        const struct spec_dependency *dep = &spec->dependencies[i];
        struct strbuf *into = dep->kind == DEPENDENCY_RUNTIME    ? &depends
                              : dep->kind == DEPENDENCY_OPTIONAL ? &recommends
                                                                 : NULL;
        if (into == NULL)
            continue;
        char *rel = deb_relation_text(dep->name, dep->range);
        strbuf_addf(into, "%s%s", into->len ? ", " : "", rel);
        free(rel);
    }
    if (depends.len)
        json_object_set_new(f, "Depends", json_string(depends.data));
    if (recommends.len)
        json_object_set_new(f, "Recommends", json_string(recommends.data));
    strbuf_free(&depends);
    strbuf_free(&recommends);
    /* A versioned Provides (policy 7.5), so a dependency with a range on
     * the virtual name is met by it as by a package of that version. */
    struct strbuf provides = {0}, conflicts = {0};
    for (size_t i = 0; i < spec->provide_count; i++)
        strbuf_addf(&provides, "%s%s (= %s)", provides.len ? ", " : "", spec->provides[i],
                    spec->version);
    for (size_t i = 0; i < spec->conflict_count; i++) {
        char *rel = deb_relation_text(spec->conflicts[i].name, spec->conflicts[i].range);
        strbuf_addf(&conflicts, "%s%s", conflicts.len ? ", " : "", rel);
        free(rel);
    }
    if (provides.len)
        json_object_set_new(f, "Provides", json_string(provides.data));
    if (conflicts.len)
        json_object_set_new(f, "Conflicts", json_string(conflicts.data));
    strbuf_free(&provides);
    strbuf_free(&conflicts);
    json_object_set_new(f, "Section", json_string(package_spec_field(spec, "section")));
    json_object_set_new(f, "Priority", json_string(package_spec_field(spec, "priority")));
    const char *synopsis =
        spec->description && *spec->description ? spec->description : "assetgen test package";
    char *description = xasprintf("%s\nA package generated by assetgen as a test asset for "
                                  "registries and package\ntooling.\n\nIts content is seeded "
                                  "data; it installs nothing that runs.",
                                  synopsis);
    json_object_set_new(f, "Description", json_string(description));
    free(description);
    return f;
}

static int write_control_tar(const struct package_spec *spec, const struct template_set *files,
                             const struct deb_compression *comp, const json_t *fields,
                             const struct entry_digest_list *md5s, struct built_tars *t,
                             struct ag_error *err)
{
    struct strbuf control = {0}, sums = {0}, conffiles = {0};
    int rc = deb_control_paragraph(&control, fields, err);
    for (size_t i = 0; i < md5s->count; i++) {
        const char *p = md5s->items[i].path;
        char hex[33];
        digest_hex(md5s->items[i].value[DIGEST_MD5], 16, hex);
        if (i == 0 && spec->defect && strcmp(spec->defect, DEB_MD5SUMS) == 0)
            hex_digest_corrupt(hex);
        /* deb-md5sums(5): the path without its leading "./". */
        strbuf_addf(&sums, "%s  %s\n", hex, strncmp(p, "./", 2) == 0 ? p + 2 : p);
    }
    /* A template under etc/ is configuration the admin may edit. */
    for (size_t i = 0; i < files->count; i++)
        if (strncmp(files->files[i].path, "etc/", 4) == 0)
            strbuf_addf(&conffiles, "/%s\n", files->files[i].path);
    struct det_archive ar;
    struct archive_options options = {CONTAINER_TAR_GNU, comp->compression, -1, spec->epoch};
    if (rc == AG_OK)
        rc = det_archive_open_sink(&ar, byte_sink_for_spool(&t->control), &options, 0, err);
    if (rc == AG_OK) {
        rc = det_archive_add_dir(&ar, "./", err);
        if (rc == AG_OK && conffiles.len)
            rc = det_archive_add_buffer(&ar, "./conffiles", 0644, conffiles.data, conffiles.len,
                                        err);
        if (rc == AG_OK)
            rc = det_archive_add_buffer(&ar, "./control", 0644, control.data, control.len, err);
        if (rc == AG_OK && sums.len)
            rc = det_archive_add_buffer(&ar, "./md5sums", 0644, sums.data, sums.len, err);
        if (rc == AG_OK)
            rc = det_archive_close(&ar, err);
        det_archive_free(&ar);
    }
    strbuf_free(&control);
    strbuf_free(&sums);
    strbuf_free(&conffiles);
    return rc == AG_OK ? spool_finish(&t->control, err) : rc;
}

/* ---- the .deb ---- */

static char *inner_name(const struct package_spec *spec)
{
    if (spec->defect == NULL || strcmp(spec->defect, DEB_NAME_MISMATCH) != 0)
        return xstrdup(spec->name);
    return xasprintf("%s-other", spec->name);
}

static int deb_generate(const struct package_spec *spec, struct artifact_list *list,
                        struct ag_error *err)
{
    const struct deb_compression *comp = compression_of(package_spec_field(spec, "compression"));
    if (comp == NULL)
        return ag_error_set(err, AG_USAGE, "deb compression: none, gzip, xz or zstd");
    struct template_set files;
    if (deb_load_templates(spec, &files, err) != AG_OK)
        return err->status;
    const char *arch = package_spec_field(spec, "architecture");
    struct artifact row;
    package_row(&row, spec, DEB_KIND, deb_pool_path(spec->name, spec->version, arch));

    struct built_tars t;
    memset(&t, 0, sizeof t);
    struct entry_digest_list md5s = {0};
    int rc = spool_open(&t.data, spec->out_root, 0, err);
    int data_open = rc == AG_OK, control_open = 0;
    if (rc == AG_OK)
        rc = write_data_tar(spec, &files, comp, &t, &md5s, err);
    char *inner = inner_name(spec);
    json_t *fields = control_fields(spec, spec->name, t.installed_kib);
    json_t *inner_fields = json_deep_copy(fields);
    json_object_set_new(inner_fields, "Package", json_string(inner));
    if (rc == AG_OK) {
        rc = spool_open(&t.control, spec->out_root, 0, err);
        control_open = rc == AG_OK;
    }
    if (rc == AG_OK)
        rc = write_control_tar(spec, &files, comp, inner_fields, &md5s, &t, err);

    char *path = package_output_path(spec, row.path);
    struct atomic_file out;
    if (rc == AG_OK)
        rc = atomic_file_open(
            &out, path,
            DIGEST_BIT(DIGEST_MD5) | DIGEST_BIT(DIGEST_SHA256) | DIGEST_BIT(DIGEST_SHA512), err);
    free(path);
    if (rc == AG_OK) {
        struct det_archive ar;
        struct archive_options options = {CONTAINER_AR, COMPRESS_NONE, -1, spec->epoch};
        rc = det_archive_open(&ar, &out, &options, err);
        char *control_name = xasprintf("control.tar%s", comp->suffix);
        char *data_name = xasprintf("data.tar%s", comp->suffix);
        if (rc == AG_OK)
            rc = det_archive_add_buffer(&ar, "debian-binary", 0644, "2.0\n", 4, err);
        if (rc == AG_OK)
            rc = det_archive_add_spool(&ar, control_name, 0644, &t.control, err);
        if (rc == AG_OK)
            rc = det_archive_add_spool(&ar, data_name, 0644, &t.data, err);
        free(control_name);
        free(data_name);
        rc = package_finish_archive(&ar, &out, rc,
                                    spec->defect && strcmp(spec->defect, DEB_TRUNCATED) == 0, err);
    }
    if (rc == AG_OK) {
        artifact_take_digests(&row, &out);
        char *data_rel = data_file_path(spec);
        if (spec->data_size > 0)
            artifact_set_data(&row, data_rel, t.data_result.bytes, t.data_result.sha256);
        /* What Packages lists beyond the row's digests: the index never
         * reopens the .deb. */
        json_t *facts = json_object();
        json_object_set(facts, "control", fields);
        json_object_set_new(facts, "architecture", json_string(arch));
        json_object_set_new(facts, "data_member",
                            json_string(comp->suffix[0] ? comp->suffix : "(none)"));
        artifact_set_facts(&row, facts);
        free(data_rel);
        row.purl = deb_package_purl(spec->name, spec->version, arch);
        artifact_list_add(list, &row);
    }
    json_decref(fields);
    json_decref(inner_fields);
    free(inner);
    entry_digest_list_free(&md5s);
    if (data_open)
        spool_free(&t.data);
    if (control_open)
        spool_free(&t.control);
    package_row_release(&row);
    template_set_free(&files);
    return rc;
}

const struct generator deb_generator = {
    .name = "deb",
    .summary = ".deb (ar of control.tar and data.tar), signed apt repository",
    .container_overhead = 64 * 1024,
    .kinds = deb_kinds,
    .kind_count = sizeof deb_kinds / sizeof deb_kinds[0],
    .sign_modes = SIGN_METADATA,
    .fields = deb_fields,
    .field_count = sizeof deb_fields / sizeof deb_fields[0],
    .defects = deb_defects,
    .defect_count = sizeof deb_defects / sizeof deb_defects[0],
    .sets = &deb_set_support,
    .purl = deb_purl,
    .check_package = deb_check_package,
    .check_templates = deb_check_templates,
    .generate = deb_generate,
    .write_index = deb_write_index,
    .verify_artifact = deb_verify_artifact,
};
