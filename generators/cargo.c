/* cargo: a .crate (gzipped tar under <name>-<version>/, as `cargo package`
 * writes it), the body of a registry publish request, and a sparse
 * registry index. */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/generator.h"
#include "common/json_file.h"
#include "common/package.h"
#include "common/strbuf.h"
#include "common/version_rules.h"
#include "generators/cargo.h"

#define CARGO_DATA_FILE "data.bin"

static int cargo_bad_cksum_present(const char *out_root, const char *base_url,
                                   const struct artifact *art, struct ag_error *err);
static int cargo_truncated_present(const char *out_root, const char *base_url,
                                   const struct artifact *art, struct ag_error *err);
static int cargo_name_mismatch_present(const char *out_root, const char *base_url,
                                       const struct artifact *art, struct ag_error *err);
static int cargo_outside_present(const char *out_root, const char *base_url,
                                 const struct artifact *art, struct ag_error *err);

static const struct defect cargo_defects[] = {
    {CARGO_BAD_CKSUM, "the index line's cksum is not the .crate's sha256",
     "cargo fetch: failed to verify the checksum of `<name> v<version> (registry `assetgen`)`",
     "crate whole and valid, listed by the index, cksum not its bytes' sha256",
     cargo_bad_cksum_present},
    {CARGO_TRUNCATED, "the .crate is cut to half its length (cksum matches the cut bytes)",
     "cargo fetch: failed to unpack package `<name> v<version> (registry `assetgen`)`: failed to "
     "iterate over archive: unexpected end of file",
     "index cksum is the cut bytes', the crate does not read", cargo_truncated_present},
    {CARGO_NAME_MISMATCH, "the Cargo.toml inside the .crate names another crate than the index",
     "cargo fetch: failed to find <name> v<version> (registry `assetgen`) in path source",
     "cksum true, every entry under <name>-<version>/, Cargo.toml names another crate with the "
     "same version",
     cargo_name_mismatch_present},
    {CARGO_OUTSIDE, "the .crate holds an entry outside its <name>-<version>/ prefix",
     "cargo fetch: failed to unpack package: invalid tarball downloaded, contains a file at "
     "\"<name>-<version>.outside/escape.txt\" which isn't under \"<name>-<version>\"",
     "cksum true, Cargo.toml names the crate, an entry lies outside <name>-<version>/",
     cargo_outside_present},
};

static const struct artifact_kind cargo_kinds[] = {
    {CARGO_KIND_CRATE, 1, 0},
    {CARGO_KIND_PUBLISH, 1, 0},
};

static const struct package_field cargo_fields[] = {
    {"license", "the Cargo.toml license (an SPDX expression)", "MIT"},
};

/* ---- names and versions ---- */

int cargo_check_name(const char *name, struct ag_error *err)
{
    static const char *const reserved[] = {
        /* the standard library, and cargo's own directories */
        "std", "core", "alloc", "test", "proc_macro", "proc-macro", "deps", "examples", "build",
        "incremental",
        /* Windows device names */
        "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
        "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
        /* Rust keywords, strict and reserved */
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
        "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type",
        "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen",
        "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield"};
    size_t len = strlen(name);
    if (len == 0)
        return ag_error_set(err, AG_USAGE, "invalid cargo crate name '': empty");
    if (len > 64)
        return ag_error_set(err, AG_USAGE,
                            "invalid cargo crate name '%s': longer than 64 characters", name);
    if (!isalpha((unsigned char)name[0]) || (unsigned char)name[0] >= 0x80)
        return ag_error_set(err, AG_USAGE,
                            "invalid cargo crate name '%s': must start with an ASCII letter", name);
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_'))
            return ag_error_set(err, AG_USAGE,
                                "invalid cargo crate name '%s': character '%c' not allowed (valid: "
                                "ASCII letters, digits, '-' and '_')",
                                name, *c);
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcasecmp(name, reserved[i]) == 0)
            return ag_error_set(err, AG_USAGE, "invalid cargo crate name '%s': a reserved name",
                                name);
    return AG_OK;
}

/* An SPDX expression: it lands in TOML and JSON strings, so nothing
 * either would have to escape gets in. */
static int cargo_check_license(const char *value, struct ag_error *err)
{
    int valid = value != NULL && *value != '\0' && strlen(value) <= 128;
    for (const char *c = value; valid && *c; c++)
        valid = isalnum((unsigned char)*c) || strchr(".+-() /:", *c) != NULL;
    if (!valid)
        return ag_error_set(err, AG_USAGE,
                            "invalid cargo license '%s': an SPDX expression such as MIT or "
                            "MIT OR Apache-2.0: letters, digits, '.', '+', '-', '(', ')', '/', "
                            "':' and spaces",
                            value ? value : "");
    return AG_OK;
}

static int cargo_check_package(const struct package_spec *spec, struct ag_error *err)
{
    if (spec->field_count > 0 &&
        cargo_check_license(package_spec_field(spec, "license"), err) != AG_OK)
        return err->status;
    if (cargo_check_name(spec->name, err) != AG_OK)
        return err->status;
    if (!version_is_semver(spec->version))
        return ag_error_set(err, AG_USAGE,
                            "invalid cargo version '%s': cargo requires semantic versioning "
                            "(MAJOR.MINOR.PATCH[-prerelease][+build], e.g. 1.0.0)",
                            spec->version);
    for (size_t i = 0; i < spec->dependency_count; i++) {
        const struct spec_dependency *dep = &spec->dependencies[i];
        if (cargo_check_name(dep->name, err) != AG_OK)
            return ag_error_prefix(err, "%s %s: dependency: ", spec->name, spec->version);
        /* One table entry per name: runtime and optional ones share
         * [dependencies], dev ones have [dev-dependencies]. */
        for (size_t j = 0; j < i; j++)
            if (strcmp(spec->dependencies[j].name, dep->name) == 0 &&
                (spec->dependencies[j].kind == DEPENDENCY_DEV) == (dep->kind == DEPENDENCY_DEV))
                return ag_error_set(err, AG_USAGE,
                                    "%s %s: dependency %s is given twice in [%s]; cargo takes "
                                    "one entry per name in a table",
                                    spec->name, spec->version, dep->name,
                                    dep->kind == DEPENDENCY_DEV ? "dev-dependencies"
                                                                : "dependencies");
    }
    return AG_OK;
}

/* ---- templates ---- */

/* What the Cargo.toml names: the row's crate, or for name-mismatch one
 * of another name (a fresh string). */
static char *cargo_inner_name(const struct package_spec *spec)
{
    if (spec->defect == NULL || strcmp(spec->defect, CARGO_NAME_MISMATCH) != 0)
        return xstrdup(spec->name);
    size_t len = strlen(spec->name);
    return len + 6 <= 64 ? xasprintf("%s-other", spec->name)
                         : xasprintf("%.*sx", (int)(len - 1), spec->name);
}

static const char *const cargo_generated_files[] = {"Cargo.toml.orig", "Cargo.lock",
                                                    CARGO_DATA_FILE};

/* Renders the templates for the crate named inner: Cargo.toml (its
 * [package] giving name and version) and src/lib.rs must be there. */
static int cargo_load_templates(const struct package_spec *spec, const char *inner,
                                struct template_set *files, struct cargo_package_table *package,
                                struct ag_error *err)
{
    struct template_vars vars = {0};
    char scratch[256];
    /* Freed on every failure below, read or not. */
    memset(package, 0, sizeof *package);
    package_template_vars(spec, &vars, scratch, sizeof scratch);
    template_vars_set(&vars, "name", inner);
    if (template_load_dir_as(spec->template_dir, &vars, NULL, 0, files, err) != AG_OK)
        return err->status;
    const struct template_file *manifest = template_set_find(files, "Cargo.toml");
    int rc = AG_OK;
    if (manifest == NULL)
        rc = ag_error_set(err, AG_USAGE, "%s has no Cargo.toml template", spec->template_dir);
    else if (template_set_find(files, "src/lib.rs") == NULL)
        rc = ag_error_set(err, AG_USAGE,
                          "%s has no src/lib.rs template (the crate's library target)",
                          spec->template_dir);
    for (size_t i = 0; rc == AG_OK && i < sizeof cargo_generated_files / sizeof(char *); i++)
        if (template_set_find(files, cargo_generated_files[i]) != NULL)
            rc = ag_error_set(err, AG_USAGE,
                              "%s/%s: assetgen writes this file of the crate itself; remove it "
                              "from the templates",
                              spec->template_dir, cargo_generated_files[i]);
    char *source = xasprintf("%s/Cargo.toml", spec->template_dir);
    if (rc == AG_OK)
        rc = cargo_read_package_table(manifest->content, manifest->length, source, 1, package, err);
    const char *name = rc == AG_OK ? cargo_package_value(package, "name") : NULL;
    const char *version = rc == AG_OK ? cargo_package_value(package, "version") : NULL;
    /* The index and the file names are made from the package's name and
     * version: a template that renders others makes a crate cargo and
     * verify refuse. */
    if (rc == AG_OK && (name == NULL || strcmp(name, inner) != 0 || version == NULL ||
                        strcmp(version, spec->version) != 0))
        rc = ag_error_set(err, AG_USAGE,
                          "%s must give name = \"{{name}}\" and version = \"{{version}}\" in "
                          "[package] (it renders %s %s for package %s %s)",
                          source, name ? name : "(none)", version ? version : "(none)", inner,
                          spec->version);
    free(source);
    if (rc != AG_OK) {
        cargo_package_table_free(package);
        template_set_free(files);
    }
    return rc;
}

static int cargo_check_templates(const struct package_spec *spec, struct ag_error *err)
{
    char *inner = cargo_inner_name(spec);
    struct template_set files;
    struct cargo_package_table package;
    int rc = cargo_load_templates(spec, inner, &files, &package, err);
    if (rc == AG_OK) {
        template_set_free(&files);
        cargo_package_table_free(&package);
    }
    free(inner);
    return rc;
}

/* ---- the .crate ---- */

struct crate_entry {
    char *path; /* relative to <name>-<version>/ */
    const char *content;
    size_t length;
    unsigned mode;
    int is_data;
};

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const struct crate_entry *)a)->path, ((const struct crate_entry *)b)->path);
}

/* What goes into the crate besides the templates. */
struct crate_texts {
    char *normalized;
    char *original;
    char *lock; /* NULL: none */
};

/* Cargo.lock as `cargo package` writes it for a crate without
 * dependencies. One with dependencies would pin the versions cargo
 * resolved when it packaged, which a generator cannot know without
 * resolving against the registry: such a crate gets none (cargo never
 * reads the lock of a dependency). */
static char *cargo_lock(const char *name, const char *version)
{
    return xasprintf("# This file is automatically @generated by Cargo.\n# It is not intended for "
                     "manual editing.\nversion = 4\n\n[[package]]\nname = \"%s\"\nversion = "
                     "\"%s\"\n",
                     name, version);
}

static int cargo_write_crate(const struct package_spec *spec, const struct template_set *files,
                             const struct crate_texts *texts, struct artifact *art,
                             struct ag_error *err)
{
    struct crate_entry *entries = xcalloc(files->count + 4, sizeof *entries);
    size_t n = 0;
    entries[n++] = (struct crate_entry){xstrdup("Cargo.toml"), texts->normalized,
                                        strlen(texts->normalized), 0644, 0};
    entries[n++] = (struct crate_entry){xstrdup("Cargo.toml.orig"), texts->original,
                                        strlen(texts->original), 0644, 0};
    if (texts->lock)
        entries[n++] =
            (struct crate_entry){xstrdup("Cargo.lock"), texts->lock, strlen(texts->lock), 0644, 0};
    for (size_t i = 0; i < files->count; i++)
        if (strcmp(files->files[i].path, "Cargo.toml") != 0)
            entries[n++] =
                (struct crate_entry){xstrdup(files->files[i].path), files->files[i].content,
                                     files->files[i].length, files->files[i].mode, 0};
    if (spec->data_size > 0)
        entries[n++] = (struct crate_entry){xstrdup(CARGO_DATA_FILE), NULL, 0, 0644, 1};
    /* cargo writes the entries sorted by path. */
    qsort(entries, n, sizeof *entries, compare_entries);

    char *path = package_output_path(spec, art->path);
    struct atomic_file out;
    struct det_archive ar;
    /* GNU tar headers, as cargo's tar writer makes them. */
    struct archive_options options = {CONTAINER_TAR_GNU, COMPRESS_GZIP, -1, spec->epoch};
    int rc =
        atomic_file_open(&out, path, DIGEST_BIT(DIGEST_SHA256) | DIGEST_BIT(DIGEST_SHA512), err);
    free(path);
    if (rc == AG_OK) {
        rc = det_archive_open(&ar, &out, &options, err);
        struct data_file_result data = {0};
        char *prefix = xasprintf("%s-%s/", spec->name, spec->version);
        for (size_t i = 0; rc == AG_OK && i < n; i++) {
            char *entry = xasprintf("%s%s", prefix, entries[i].path);
            rc = entries[i].is_data
                     ? package_add_data_file(&ar, entry, spec, &data, err)
                     : det_archive_add_buffer(&ar, entry, entries[i].mode, entries[i].content,
                                              entries[i].length, err);
            free(entry);
        }
        /* path-outside-prefix: beside the prefix, not under it, as a
         * naive prefix test on the string would let through. */
        if (rc == AG_OK && spec->defect && strcmp(spec->defect, CARGO_OUTSIDE) == 0) {
            static const char note[] = "outside the crate's directory\n";
            char *entry = xasprintf("%s-%s.outside/escape.txt", spec->name, spec->version);
            rc = det_archive_add_buffer(&ar, entry, 0644, note, strlen(note), err);
            free(entry);
        }
        free(prefix);
        rc = package_finish_archive(
            &ar, &out, rc, spec->defect && strcmp(spec->defect, CARGO_TRUNCATED) == 0, err);
        if (rc == AG_OK) {
            artifact_take_digests(art, &out);
            if (spec->data_size > 0)
                artifact_set_data(art, CARGO_DATA_FILE, data.bytes, data.sha256);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(entries[i].path);
    free(entries);
    return rc;
}

/* The publish body: the metadata framed ahead of the .crate's bytes,
 * copied from the committed crate file. */
static int cargo_write_publish_body(const struct package_spec *spec, const struct artifact *crate,
                                    json_t *metadata, struct artifact *art, struct ag_error *err)
{
    char *json = json_dumps(metadata, JSON_COMPACT | JSON_PRESERVE_ORDER);
    size_t head_len = 0;
    unsigned char *head = cargo_publish_head(json, strlen(json), crate->bytes, &head_len, err);
    free(json);
    if (head == NULL)
        return err->status;
    char *crate_path = package_output_path(spec, crate->path);
    char *path = package_output_path(spec, art->path);
    struct atomic_file out;
    int rc =
        atomic_file_open(&out, path, DIGEST_BIT(DIGEST_SHA256) | DIGEST_BIT(DIGEST_SHA512), err);
    free(path);
    int fd = -1;
    if (rc == AG_OK)
        rc = atomic_file_write(&out, head, head_len, err);
    if (rc == AG_OK && (fd = open(crate_path, O_RDONLY | O_CLOEXEC)) < 0)
        rc = ag_error_set(err, ag_status_for_errno(errno), "%s: %s", crate_path, strerror(errno));
    unsigned char *buf = fd >= 0 ? xmalloc(1u << 20) : NULL;
    uint64_t copied = 0;
    while (rc == AG_OK && fd >= 0) {
        ssize_t got = read(fd, buf, 1u << 20);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = ag_error_set(err, ag_status_for_errno(errno), "%s: %s", crate_path,
                              strerror(errno));
        if (got <= 0)
            break;
        rc = atomic_file_write(&out, buf, (size_t)got, err);
        copied += (uint64_t)got;
    }
    if (rc == AG_OK && copied != crate->bytes)
        rc = ag_error_set(err, AG_FAIL, "%s changed while it was copied into the publish body",
                          crate_path);
    free(buf);
    if (fd >= 0)
        close(fd);
    free(crate_path);
    free(head);
    out.keep_sha256_state = 1;
    if (rc == AG_OK)
        rc = atomic_file_commit(&out, err);
    else
        atomic_file_abort(&out);
    if (rc == AG_OK)
        artifact_take_digests(art, &out);
    return rc;
}

static char *lib_name_of(const char *name)
{
    char *lib = xstrdup(name);
    for (char *c = lib; *c; c++)
        if (*c == '-')
            *c = '_';
    return lib;
}

static int cargo_generate(const struct package_spec *spec, struct artifact_list *list,
                          struct ag_error *err)
{
    char *inner = cargo_inner_name(spec);
    struct template_set files;
    struct cargo_package_table package;
    if (cargo_load_templates(spec, inner, &files, &package, err) != AG_OK) {
        free(inner);
        return err->status;
    }
    char *lib = lib_name_of(inner);
    char *index_url = xasprintf("sparse+%scargo/index/", spec->base_url);
    const struct template_file *manifest = template_set_find(&files, "Cargo.toml");
    struct crate_texts texts = {0};
    texts.normalized = cargo_normalized_manifest(&package, lib, spec, index_url, err);
    texts.original = texts.normalized == NULL ? NULL
                     : spec->dependency_count > 0
                         ? cargo_original_with_dependencies(manifest->content, spec, err)
                         : xstrdup(manifest->content);
    texts.lock = spec->dependency_count == 0 ? cargo_lock(inner, spec->version) : NULL;
    int rc = texts.original != NULL ? AG_OK : err->status;

    struct artifact crate, body;
    package_row(&crate, spec, CARGO_KIND_CRATE, cargo_crate_path(spec->name, spec->version));
    package_row(&body, spec, CARGO_KIND_PUBLISH, cargo_publish_path(spec->name, spec->version));
    /* What the index line says beyond the row: kept as the facts, so the
     * index never reopens the crate. */
    json_t *deps = cargo_index_deps(spec);
    crate.facts = json_pack("{s:O,s:{}}", "deps", deps, "features");
    if (rc == AG_OK)
        rc = cargo_write_crate(spec, &files, &texts, &crate, err);
    /* A defect variant is a crate alone (its defect is in the crate or
     * its index line); a .crate of 4 GiB or more cannot be framed. */
    int with_body = spec->defect == NULL && crate.bytes <= UINT32_MAX;
    if (rc == AG_OK && !with_body && spec->defect == NULL)
        json_object_set_new(crate.facts, "publish_body",
                            json_string("none: a .crate of 4 GiB or more cannot be published "
                                        "through the registry API (u32 length)"));
    if (rc == AG_OK && with_body) {
        json_t *metadata = cargo_publish_metadata(&package, deps);
        rc = cargo_write_publish_body(spec, &crate, metadata, &body, err);
        json_decref(metadata);
        /* The body carries the crate, and so its data file. */
        unsigned char data_sha[32];
        if (rc == AG_OK && crate.data_path != NULL &&
            hex_decode(crate.data_sha256, data_sha, sizeof data_sha) == 32)
            artifact_set_data(&body, crate.data_path, crate.data_bytes, data_sha);
    }
    if (rc == AG_OK) {
        artifact_list_add(list, &crate);
        if (with_body)
            artifact_list_add(list, &body);
    }
    json_decref(deps);
    package_row_release(&crate);
    package_row_release(&body);
    free(texts.normalized);
    free(texts.original);
    free(texts.lock);
    free(index_url);
    free(lib);
    free(inner);
    cargo_package_table_free(&package);
    template_set_free(&files);
    return rc;
}

/* ---- reading a .crate back ---- */

/* One pass over a .crate with libarchive: entry types and paths, the
 * Cargo.toml text, the data file's digest. */
struct crate_scan {
    char filter[32];
    char *manifest;       /* <prefix>Cargo.toml, NUL-terminated, or NULL */
    int has_orig;         /* <prefix>Cargo.toml.orig */
    int has_lib;          /* <prefix>src/lib.rs */
    char *outside;        /* the first entry not under the prefix, or NULL */
    char *irregular;      /* the first entry neither a file nor a directory, or NULL */
    int data_found;       /* <prefix><data_path> */
    char data_sha256[65]; /* its sha256 */
};

static void crate_scan_free(struct crate_scan *s)
{
    free(s->manifest);
    free(s->outside);
    free(s->irregular);
    memset(s, 0, sizeof *s);
}

static int scan_entry_data(struct archive *a, const char *path, const char *entry, int keep,
                           char **content, int digest, char *sha_hex, struct ag_error *err)
{
    struct digest_set d;
    if (digest && digest_set_init(&d, DIGEST_BIT(DIGEST_SHA256), err) != AG_OK)
        return err->status;
    struct strbuf text = {0};
    const void *block;
    size_t len;
    la_int64_t offset;
    int status;
    while ((status = archive_read_data_block(a, &block, &len, &offset)) == ARCHIVE_OK) {
        if (digest)
            digest_set_update(&d, block, len);
        if (keep && len > 0 && text.len < (1u << 20))
            strbuf_add(&text, block, len);
    }
    int rc = AG_OK;
    if (status != ARCHIVE_EOF)
        rc = ag_error_set(err, AG_FAIL, "%s: reading entry %s: %s", path, entry,
                          archive_error_string(a));
    if (digest && rc == AG_OK && digest_set_final(&d, err) == AG_OK)
        digest_hex(d.value[DIGEST_SHA256], 32, sha_hex);
    if (digest)
        digest_set_free(&d);
    if (keep && rc == AG_OK)
        *content = text.data ? strbuf_detach(&text, NULL) : xstrdup("");
    strbuf_free(&text);
    return rc != AG_OK ? rc : err->status;
}

static int crate_scan_file(const char *path, const char *prefix, const char *data_path,
                           struct crate_scan *s, struct ag_error *err)
{
    memset(s, 0, sizeof *s);
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    if (archive_read_open_filename(a, path, 1 << 20) != ARCHIVE_OK) {
        ag_error_set(err, AG_FAIL, "%s: cannot open as a tar: %s", path, archive_error_string(a));
        archive_read_free(a);
        return err->status;
    }
    size_t plen = strlen(prefix);
    char *manifest_entry = xasprintf("%sCargo.toml", prefix);
    char *data_entry = data_path ? xasprintf("%s%s", prefix, data_path) : NULL;
    struct archive_entry *entry;
    int rc = AG_OK, status;
    while (rc == AG_OK && (status = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(entry);
        name = name ? name : "";
        mode_t type = archive_entry_filetype(entry);
        if (type != AE_IFREG && type != AE_IFDIR && s->irregular == NULL)
            s->irregular = xstrdup(name);
        if (strncmp(name, prefix, plen) != 0 && s->outside == NULL)
            s->outside = xstrdup(name);
        int is_manifest = strcmp(name, manifest_entry) == 0 && type == AE_IFREG;
        int is_data = data_entry && strcmp(name, data_entry) == 0 && type == AE_IFREG;
        if (strncmp(name, prefix, plen) == 0 && type == AE_IFREG) {
            s->has_orig = s->has_orig || strcmp(name + plen, "Cargo.toml.orig") == 0;
            s->has_lib = s->has_lib || strcmp(name + plen, "src/lib.rs") == 0;
        }
        if (is_manifest && s->manifest != NULL)
            rc = ag_error_set(err, AG_FAIL, "%s: %s appears twice", path, manifest_entry);
        else if (is_manifest || is_data)
            rc = scan_entry_data(a, path, name, is_manifest, &s->manifest, is_data, s->data_sha256,
                                 err);
        else
            rc = scan_entry_data(a, path, name, 0, NULL, 0, NULL, err);
        s->data_found = s->data_found || (is_data && rc == AG_OK);
    }
    if (rc == AG_OK && status != ARCHIVE_EOF)
        rc = ag_error_set(err, AG_FAIL, "%s: corrupt archive: %s", path, archive_error_string(a));
    if (rc == AG_OK) {
        const char *filter = archive_filter_count(a) > 1 ? archive_filter_name(a, 0) : "none";
        snprintf(s->filter, sizeof s->filter, "%s", filter ? filter : "none");
    }
    archive_read_free(a);
    free(manifest_entry);
    free(data_entry);
    if (rc != AG_OK)
        crate_scan_free(s);
    return rc;
}

/* The name and version the crate's Cargo.toml gives (fresh strings). */
static int crate_manifest_names(const struct crate_scan *s, const struct artifact *art, char **name,
                                char **version, struct ag_error *err)
{
    *name = *version = NULL;
    if (s->manifest == NULL)
        return ag_error_set(err, AG_FAIL, "%s: no %s-%s/Cargo.toml", art->path, art->name,
                            art->version);
    struct cargo_package_table t;
    char *source = xasprintf("%s: Cargo.toml", art->path);
    int rc = cargo_read_package_table(s->manifest, strlen(s->manifest), source, 0, &t, err);
    free(source);
    if (rc != AG_OK) {
        err->status = AG_FAIL;
        return rc;
    }
    const char *n = cargo_package_value(&t, "name");
    const char *v = cargo_package_value(&t, "version");
    *name = n ? xstrdup(n) : NULL;
    *version = v ? xstrdup(v) : NULL;
    cargo_package_table_free(&t);
    return AG_OK;
}

/* The crate alone: gzip, only files and directories, every entry under
 * <name>-<version>/, Cargo.toml naming the row, Cargo.toml.orig and
 * src/lib.rs there, the data file's digest. */
static int cargo_verify_crate(const char *out_root, const struct artifact *art,
                              struct ag_error *err)
{
    char *path = xasprintf("%s/%s", out_root, art->path);
    char *prefix = xasprintf("%s-%s/", art->name, art->version);
    struct crate_scan s;
    int rc = crate_scan_file(path, prefix, art->data_path, &s, err);
    free(path);
    char *name = NULL, *version = NULL;
    if (rc == AG_OK && strcmp(s.filter, "gzip") != 0)
        rc = ag_error_set(err, AG_FAIL, "%s is not gzip-compressed (%s)", art->path, s.filter);
    else if (rc == AG_OK && s.irregular)
        rc = ag_error_set(err, AG_FAIL,
                          "%s: entry %s is neither a file nor a directory (cargo refuses it)",
                          art->path, s.irregular);
    else if (rc == AG_OK && s.outside)
        rc = ag_error_set(err, AG_FAIL, "%s: entry %s is outside %s", art->path, s.outside, prefix);
    if (rc == AG_OK)
        rc = crate_manifest_names(&s, art, &name, &version, err);
    if (rc == AG_OK &&
        (!name || strcmp(name, art->name) != 0 || !version || strcmp(version, art->version) != 0))
        rc = ag_error_set(err, AG_FAIL, "%s: Cargo.toml says %s %s, the manifest %s %s", art->path,
                          name ? name : "?", version ? version : "?", art->name, art->version);
    if (rc == AG_OK && (!s.has_orig || !s.has_lib))
        rc = ag_error_set(err, AG_FAIL, "%s: %s%s missing", art->path, prefix,
                          s.has_orig ? "src/lib.rs" : "Cargo.toml.orig");
    if (rc == AG_OK && art->data_path && !s.data_found)
        rc = ag_error_set(err, AG_FAIL, "%s: data file %s%s missing", art->path, prefix,
                          art->data_path);
    if (rc == AG_OK && art->data_path && strcmp(s.data_sha256, art->data_sha256) != 0)
        rc = ag_error_set(err, AG_FAIL, "%s: data file %s%s has sha256 %s, the manifest %s",
                          art->path, prefix, art->data_path, s.data_sha256, art->data_sha256);
    free(name);
    free(version);
    free(prefix);
    crate_scan_free(&s);
    return rc;
}

/* ---- the listing ---- */

static int file_sha256(const char *out_root, const char *relative, char *hex, uint64_t *bytes,
                       struct ag_error *err)
{
    char *path = xasprintf("%s/%s", out_root, relative);
    struct digest_set d;
    int rc = digest_file(path, DIGEST_BIT(DIGEST_SHA256), &d, bytes, err);
    free(path);
    if (rc != AG_OK)
        return rc;
    digest_hex(d.value[DIGEST_SHA256], 32, hex);
    digest_set_free(&d);
    return AG_OK;
}

/* Whether the index line's cksum is the sha256 of the crate's bytes. */
static int cargo_cksum_is(const char *out_root, const struct artifact *art, int *is_true,
                          struct ag_error *err)
{
    char sha[65];
    uint64_t bytes = 0;
    if (file_sha256(out_root, art->path, sha, &bytes, err) != AG_OK)
        return err->status;
    json_t *lines = NULL;
    json_t *line = cargo_read_index_line(out_root, art, &lines, err);
    if (line == NULL)
        return err->status;
    const char *cksum = json_string_value(json_object_get(line, "cksum"));
    int rc = AG_OK;
    if (cksum == NULL || strlen(cksum) != 64)
        rc = ag_error_set(err, AG_FAIL, "index line of %s %s has no 64-digit cksum", art->name,
                          art->version);
    *is_true = cksum != NULL && strcmp(cksum, sha) == 0;
    json_decref(lines);
    return rc;
}

/* config.json's dl template, expanded for the row, names its file. */
static int cargo_verify_dl(const char *out_root, const char *base_url, const struct artifact *art,
                           struct ag_error *err)
{
    char *path = xasprintf("%s/cargo/index/config.json", out_root);
    json_t *config = NULL;
    int rc = json_read_file(path, &config, err);
    free(path);
    if (rc != AG_OK)
        return rc;
    const char *dl = json_string_value(json_object_get(config, "dl"));
    struct strbuf url = {0};
    for (const char *c = dl; c && *c;) {
        if (strncmp(c, "{crate}", 7) == 0) {
            strbuf_adds(&url, art->name);
            c += 7;
        } else if (strncmp(c, "{version}", 9) == 0) {
            strbuf_adds(&url, art->version);
            c += 9;
        } else {
            strbuf_add(&url, c, 1);
            c++;
        }
    }
    char *want = xasprintf("%s%s", base_url, art->path);
    if (dl == NULL || strstr(dl, "{crate}") == NULL || url.data == NULL ||
        strcmp(url.data, want) != 0)
        rc = ag_error_set(err, AG_FAIL,
                          "cargo/index/config.json: dl %s does not lead to %s for %s %s",
                          dl ? dl : "(none)", want, art->name, art->version);
    free(want);
    strbuf_free(&url);
    json_decref(config);
    return rc;
}

/* The index line against the bytes and the row: cksum, yanked, deps. */
static int cargo_verify_listing(const char *out_root, const char *base_url,
                                const struct artifact *art, struct ag_error *err)
{
    int cksum_true = 0;
    if (cargo_cksum_is(out_root, art, &cksum_true, err) != AG_OK)
        return err->status;
    if (!cksum_true)
        return ag_error_set(err, AG_FAIL, "index cksum of %s %s is not the crate's sha256",
                            art->name, art->version);
    json_t *lines = NULL;
    json_t *line = cargo_read_index_line(out_root, art, &lines, err);
    if (line == NULL)
        return err->status;
    int rc = AG_OK;
    json_t *yanked = json_object_get(line, "yanked");
    int want_yanked = artifact_fact(art, "yanked") != NULL;
    if (!json_is_boolean(yanked) || json_is_true(yanked) != want_yanked)
        rc = ag_error_set(err, AG_FAIL, "index line of %s %s: yanked should be %s", art->name,
                          art->version, want_yanked ? "true" : "false");
    else if (!json_equal(json_object_get(line, "deps"), json_object_get(art->facts, "deps")))
        rc = ag_error_set(err, AG_FAIL, "index line of %s %s: deps differ from the row's facts",
                          art->name, art->version);
    json_decref(lines);
    return rc == AG_OK ? cargo_verify_dl(out_root, base_url, art, err) : rc;
}

/* ---- the publish body ---- */

/* The crate a body carries: its sibling under the same root
 * (cargo/ or cargo/_republish/<n>/). */
static char *sibling_crate_path(const struct artifact *art)
{
    const char *at = NULL;
    for (const char *c = strstr(art->path, "/publish/"); c; c = strstr(c + 1, "/publish/"))
        at = c + 1;
    char *crate = cargo_crate_path(art->name, art->version);
    if (at == NULL)
        return crate;
    size_t head = (size_t)(at - art->path);
    char *out = xasprintf("%.*s%s", (int)head, art->path, crate + strlen("cargo/"));
    free(crate);
    return out;
}

static int cargo_verify_publish_body(const char *out_root, const struct artifact *art,
                                     struct ag_error *err)
{
    char *path = xasprintf("%s/%s", out_root, art->path);
    struct cargo_publish_view view;
    int rc = cargo_publish_read(path, &view, err);
    free(path);
    if (rc != AG_OK)
        return ag_error_prefix(err, "publish body: ");
    const char *name = json_string_value(json_object_get(view.metadata, "name"));
    const char *vers = json_string_value(json_object_get(view.metadata, "vers"));
    char *crate = sibling_crate_path(art);
    char sha[65], carried[65];
    uint64_t bytes = 0;
    digest_hex(view.crate_sha256, 32, carried);
    if (!name || strcmp(name, art->name) != 0 || !vers || strcmp(vers, art->version) != 0)
        rc = ag_error_set(err, AG_FAIL, "%s: the metadata names %s %s, the manifest %s %s",
                          art->path, name ? name : "?", vers ? vers : "?", art->name, art->version);
    else if (!json_is_array(json_object_get(view.metadata, "deps")))
        rc = ag_error_set(err, AG_FAIL, "%s: the metadata has no deps array", art->path);
    else if (file_sha256(out_root, crate, sha, &bytes, err) != AG_OK)
        rc = ag_error_prefix(err, "%s carries the .crate of ", art->path);
    else if (bytes != view.crate_len || strcmp(sha, carried) != 0)
        rc = ag_error_set(err, AG_FAIL, "%s: the .crate it carries is not %s", art->path, crate);
    free(crate);
    cargo_publish_view_free(&view);
    return rc;
}

static int cargo_verify_artifact(const char *out_root, const char *base_url,
                                 const struct artifact *art, struct ag_error *err)
{
    if (strcmp(art->kind, CARGO_KIND_PUBLISH) == 0)
        return cargo_verify_publish_body(out_root, art, err);
    if (strcmp(art->kind, CARGO_KIND_CRATE) != 0)
        return ag_error_set(err, AG_FAIL, "%s: cargo has no kind '%s'", art->path, art->kind);
    if (cargo_verify_crate(out_root, art, err) != AG_OK)
        return err->status;
    /* A republished copy is listed nowhere. */
    return art->unlisted ? AG_OK : cargo_verify_listing(out_root, base_url, art, err);
}

/* ---- the defects ---- */

static int cargo_cksum_wanted(const char *out_root, const struct artifact *art, int want_true,
                              struct ag_error *err)
{
    int is_true = 0;
    if (cargo_cksum_is(out_root, art, &is_true, err) != AG_OK)
        return err->status;
    if (want_true && !is_true)
        return ag_error_set(err, AG_FAIL,
                            "the index cksum is not the crate's sha256, so cargo would refuse the "
                            "checksum, not this defect");
    if (!want_true && is_true)
        return ag_error_set(err, AG_FAIL, "the index cksum is the crate's own sha256");
    return AG_OK;
}

/* bad-cksum: the crate is whole and valid, the index lists it with a
 * cksum that is not its sha256. */
static int cargo_bad_cksum_present(const char *out_root, const char *base_url,
                                   const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    if (cargo_verify_crate(out_root, art, err) != AG_OK)
        return ag_error_prefix(err, "the crate itself is broken, not only its cksum: ");
    return cargo_cksum_wanted(out_root, art, 0, err);
}

/* truncated-crate: the index cksum is the cut bytes', and the cut crate
 * does not read. */
static int cargo_truncated_present(const char *out_root, const char *base_url,
                                   const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    if (cargo_cksum_wanted(out_root, art, 1, err) != AG_OK)
        return err->status;
    struct ag_error whole = {0};
    if (cargo_verify_crate(out_root, art, &whole) == AG_OK)
        return ag_error_set(err, AG_FAIL, "the crate reads whole");
    return AG_OK;
}

/* Scans a defect variant's crate, which must read to its end. */
static int cargo_scan_variant(const char *out_root, const struct artifact *art,
                              struct crate_scan *s, struct ag_error *err)
{
    char *path = xasprintf("%s/%s", out_root, art->path);
    char *prefix = xasprintf("%s-%s/", art->name, art->version);
    int rc = crate_scan_file(path, prefix, art->data_path, s, err);
    free(path);
    free(prefix);
    if (rc != AG_OK)
        return ag_error_prefix(err, "the crate does not read: ");
    if (s->irregular)
        rc = ag_error_set(err, AG_FAIL, "entry %s is neither a file nor a directory", s->irregular);
    if (rc != AG_OK)
        crate_scan_free(s);
    return rc;
}

/* name-mismatch: cksum true, every entry under <name>-<version>/, and the
 * Cargo.toml names another valid crate with the same version. */
static int cargo_name_mismatch_present(const char *out_root, const char *base_url,
                                       const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    if (cargo_cksum_wanted(out_root, art, 1, err) != AG_OK)
        return err->status;
    struct crate_scan s;
    if (cargo_scan_variant(out_root, art, &s, err) != AG_OK)
        return err->status;
    char *name = NULL, *version = NULL;
    int rc = AG_OK;
    if (s.outside)
        rc = ag_error_set(err, AG_FAIL, "entry %s is outside the prefix", s.outside);
    if (rc == AG_OK)
        rc = crate_manifest_names(&s, art, &name, &version, err);
    struct ag_error why = {0};
    if (rc == AG_OK && (name == NULL || cargo_check_name(name, &why) != AG_OK))
        rc = ag_error_set(err, AG_FAIL, "Cargo.toml names no valid crate (%s)",
                          name ? why.message : "no name");
    else if (rc == AG_OK && strcmp(name, art->name) == 0)
        rc = ag_error_set(err, AG_FAIL, "Cargo.toml names the crate the index names (%s)", name);
    else if (rc == AG_OK && (version == NULL || strcmp(version, art->version) != 0))
        rc = ag_error_set(err, AG_FAIL, "Cargo.toml's version is %s, not %s",
                          version ? version : "(none)", art->version);
    free(name);
    free(version);
    crate_scan_free(&s);
    return rc;
}

/* path-outside-prefix: cksum true, Cargo.toml names the crate, and an
 * entry lies outside <name>-<version>/. */
static int cargo_outside_present(const char *out_root, const char *base_url,
                                 const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    if (cargo_cksum_wanted(out_root, art, 1, err) != AG_OK)
        return err->status;
    struct crate_scan s;
    if (cargo_scan_variant(out_root, art, &s, err) != AG_OK)
        return err->status;
    char *name = NULL, *version = NULL;
    int rc = crate_manifest_names(&s, art, &name, &version, err);
    if (rc == AG_OK &&
        (!name || strcmp(name, art->name) != 0 || !version || strcmp(version, art->version) != 0))
        rc = ag_error_set(err, AG_FAIL, "Cargo.toml says %s %s, not the index's %s %s",
                          name ? name : "?", version ? version : "?", art->name, art->version);
    else if (rc == AG_OK && s.outside == NULL)
        rc = ag_error_set(err, AG_FAIL, "every entry is under %s-%s/", art->name, art->version);
    free(name);
    free(version);
    crate_scan_free(&s);
    return rc;
}

const struct generator cargo_generator = {
    .name = "cargo",
    .summary = ".crate, registry publish body, sparse registry index",
    .container_overhead = 64 * 1024,
    .kinds = cargo_kinds,
    .kind_count = sizeof cargo_kinds / sizeof cargo_kinds[0],
    .sign_modes = 0,
    .fields = cargo_fields,
    .field_count = sizeof cargo_fields / sizeof cargo_fields[0],
    .defects = cargo_defects,
    .defect_count = sizeof cargo_defects / sizeof cargo_defects[0],
    .sets = &cargo_set_support,
    .purl = cargo_purl,
    .check_package = cargo_check_package,
    .check_templates = cargo_check_templates,
    .generate = cargo_generate,
    .write_index = cargo_write_index,
    .verify_artifact = cargo_verify_artifact,
};
