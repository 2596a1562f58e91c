/* PyPI: a py3-none-any wheel, an sdist that builds offline, and the simple
 * repository API in its HTML (PEP 503) and JSON (PEP 691) forms. */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/archive_reader.h"
#include "common/fsutil.h"
#include "common/generator.h"
#include "common/json_file.h"
#include "common/package.h"
#include "generators/pypi.h"
#include "common/side_job.h"
#include "common/strbuf.h"
#include "common/version_rules.h"
#include "common/units.h"

#define PYPI_DATA_FILE         "data.bin"
#define PYPI_BAD_INDEX_HASH    "bad-index-hash"
#define PYPI_METADATA_MISMATCH "metadata-mismatch"
#define PYPI_TRUNCATED         "truncated-wheel"

/* Defect variants are wheels alone: an sdist beside them would let pip
 * fall back to building it and so hide the defect. */
static int pypi_bad_index_hash_present(const char *out_root, const char *base_url,
                                       const struct artifact *art, struct ag_error *err);
static int pypi_metadata_mismatch_present(const char *out_root, const char *base_url,
                                          const struct artifact *art, struct ag_error *err);
static int pypi_truncated_present(const char *out_root, const char *base_url,
                                  const struct artifact *art, struct ag_error *err);

static const struct defect pypi_defects[] = {
    {PYPI_BAD_INDEX_HASH, "the simple index gives the wheel a wrong #sha256",
     "pip: THESE PACKAGES DO NOT MATCH THE HASHES",
     "wheel whole and valid, listed with a sha256 that is not its bytes'",
     pypi_bad_index_hash_present},
    {PYPI_METADATA_MISMATCH, "the wheel's METADATA names another version than its file name",
     "pip discards the link as inconsistent: no matching distribution",
     "index hash true, wheel reads, METADATA names the project with another version",
     pypi_metadata_mismatch_present},
    {PYPI_TRUNCATED, "the wheel is cut to half its length (the index hash matches the cut bytes)",
     "pip: the wheel is not a valid zip file",
     "index hash is the cut bytes', the wheel does not read", pypi_truncated_present},
};

static const struct artifact_kind pypi_kinds[] = {
    {"wheel", 1, 1},
    {"sdist", 1, 1},
};

static const struct package_field pypi_fields[] = {
    {"requiresPython", "Requires-Python of the core metadata (a PEP 440 version specifier set)",
     ">=3.7"},
};

char *pypi_normalize(const char *name, char sep)
{
    char *out = xmalloc(strlen(name) + 1);
    size_t n = 0;
    for (const char *c = name; *c; c++) {
        int punct = *c == '-' || *c == '_' || *c == '.';
        if (punct) {
            if (n == 0 || out[n - 1] != sep)
                out[n++] = sep;
        } else {
            out[n++] = (char)tolower((unsigned char)*c);
        }
    }
    out[n] = '\0';
    return out;
}

/* A PEP 440 specifier set as Requires-Python takes it: clauses split by
 * ',', each an operator and a version (a '*' only after '=='/'!='). The
 * value lands in an RFC 822 header and in HTML and JSON: nothing beyond
 * these characters can reach them. */
static int pypi_check_requires_python(const char *value, struct ag_error *err)
{
    static const char *const ops[] = {"===", "~=", "==", "!=", "<=", ">=", "<", ">"};
    int valid = value != NULL && *value != '\0' && strlen(value) <= 200;
    for (const char *clause = value; valid && clause;) {
        const char *end = strchr(clause, ',');
        size_t len = end ? (size_t)(end - clause) : strlen(clause);
        while (len && *clause == ' ')
            clause++, len--;
        while (len && clause[len - 1] == ' ')
            len--;
        size_t op = 0;
        for (size_t i = 0; i < sizeof ops / sizeof ops[0] && op == 0; i++)
            if (len > strlen(ops[i]) && strncmp(clause, ops[i], strlen(ops[i])) == 0)
                op = strlen(ops[i]);
        valid = op > 0;
        for (size_t i = op; valid && i < len; i++)
            valid = isalnum((unsigned char)clause[i]) || strchr(".*+!", clause[i]) != NULL;
        clause = end ? end + 1 : NULL;
    }
    if (!valid)
        return ag_error_set(err, AG_USAGE,
                            "invalid requiresPython '%s': a PEP 440 specifier set such as "
                            "'>=3.8' or '>=3.8, <4' (operators ~= == != <= >= < > ===)",
                            value ? value : "");
    return AG_OK;
}

static int pypi_check_package(const struct package_spec *spec, struct ag_error *err)
{
    const char *requires_python = package_spec_field(spec, "requiresPython");
    if (spec->field_count > 0 && pypi_check_requires_python(requires_python, err) != AG_OK)
        return err->status;
    const char *name = spec->name;
    size_t len = strlen(name);
    int valid = len > 0 && isalnum((unsigned char)name[0]) && isalnum((unsigned char)name[len - 1]);
    for (size_t i = 0; valid && i < len; i++)
        valid =
            isalnum((unsigned char)name[i]) || name[i] == '-' || name[i] == '_' || name[i] == '.';
    if (!valid)
        return ag_error_set(err, AG_USAGE,
                            "invalid PyPI project name '%s': letters, digits, '-', '_' and '.', "
                            "starting and ending with a letter or digit (PEP 508)",
                            name);
    if (!version_is_pep440(spec->version))
        return ag_error_set(err, AG_USAGE,
                            "invalid PyPI version '%s': not a normalized PEP 440 version "
                            "([N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local], e.g. 1.0.0, 2.1rc1)",
                            spec->version);
    return AG_OK;
}

/* One file of the wheel, with the RECORD row it needs. */
struct wheel_entry {
    char *path;
    const char *content;
    size_t length;
    unsigned mode;
};

static char *record_row(const char *path, const unsigned char *sha256, uint64_t size)
{
    char b64[64];
    digest_base64url_nopad(sha256, 32, b64);
    return xasprintf("%s,sha256=%s,%llu\n", path, b64, (unsigned long long)size);
}

static int add_with_record(struct det_archive *ar, const char *path, unsigned mode,
                           const char *content, size_t length, char **record, struct ag_error *err)
{
    if (det_archive_add_buffer(ar, path, mode, content, length, err) != AG_OK)
        return err->status;
    /* The writer digested the entry on its way in (pypi_open asks it to). */
    const struct entry_digest *e = entry_digest_list_find(det_archive_entries(ar), path);
    if (e == NULL)
        return ag_error_set(err, AG_FAIL, "no digest of wheel entry %s for RECORD", path);
    char *row = record_row(path, e->value[DIGEST_SHA256], e->size);
    char *joined = xasprintf("%s%s", *record, row);
    free(row);
    free(*record);
    *record = joined;
    return AG_OK;
}

static const char WHEEL_FILE[] = "Wheel-Version: 1.0\nGenerator: assetgen\nRoot-Is-Purelib: "
                                 "true\nTag: py3-none-any\n";

static int pypi_open(const struct package_spec *spec, const char *relative,
                     enum archive_container container, enum archive_compression compression,
                     struct atomic_file *out, struct det_archive *ar, struct ag_error *err)
{
    char *path = package_output_path(spec, relative);
    int rc = atomic_file_open(
        out, path, DIGEST_BIT(DIGEST_SHA256) | DIGEST_BIT(DIGEST_SHA512) | DIGEST_BIT(DIGEST_MD5),
        err);
    free(path);
    if (rc != AG_OK)
        return rc;
    struct archive_options options = {container, compression, -1, spec->epoch};
    /* A wheel's RECORD lists the sha256 of each file in it. */
    unsigned entry_digests = container == CONTAINER_ZIP ? DIGEST_BIT(DIGEST_SHA256) : 0;
    if (det_archive_open_sink(ar, byte_sink_for_atomic_file(out), &options, entry_digests, err) !=
        AG_OK) {
        det_archive_free(ar);
        atomic_file_abort(out);
        return err->status;
    }
    return AG_OK;
}

static int pypi_write_wheel(const struct package_spec *spec, const struct template_set *files,
                            const char *module, const char *metadata, struct data_file_result *data,
                            struct artifact *art, struct ag_error *err)
{
    struct atomic_file out;
    struct det_archive ar;
    if (pypi_open(spec, art->path, CONTAINER_ZIP, COMPRESS_NONE, &out, &ar, err) != AG_OK)
        return err->status;
    char *record = xstrdup("");
    char *prefix = xasprintf("%s/", module);
    char *data_entry = xasprintf("%s/%s", module, PYPI_DATA_FILE);
    int rc = AG_OK;
    int data_written = spec->data_size == 0;
    for (size_t i = 0; rc == AG_OK && i <= files->count; i++) {
        const struct template_file *f = i < files->count ? &files->files[i] : NULL;
        /* The data file takes its sorted place among the module's files. */
        if (!data_written && (f == NULL || strcmp(f->path, data_entry) > 0)) {
            rc = package_add_data_file(&ar, data_entry, spec, data, err);
            char *row = record_row(data_entry, data->sha256, data->bytes);
            char *joined = xasprintf("%s%s", record, row);
            free(row);
            free(record);
            record = joined;
            data_written = 1;
        }
        if (rc == AG_OK && f != NULL && strncmp(f->path, prefix, strlen(prefix)) == 0)
            rc = add_with_record(&ar, f->path, f->mode, f->content, f->length, &record, err);
    }
    char *dist_info = xasprintf("%s-%s.dist-info", module, spec->version);
    char *entry = xasprintf("%s/METADATA", dist_info);
    if (rc == AG_OK)
        rc = add_with_record(&ar, entry, 0644, metadata, strlen(metadata), &record, err);
    free(entry);
    entry = xasprintf("%s/WHEEL", dist_info);
    if (rc == AG_OK)
        rc = add_with_record(&ar, entry, 0644, WHEEL_FILE, strlen(WHEEL_FILE), &record, err);
    free(entry);
    entry = xasprintf("%s/RECORD", dist_info);
    char *full_record = xasprintf("%s%s,,\n", record, entry);
    if (rc == AG_OK)
        rc = det_archive_add_buffer(&ar, entry, 0644, full_record, strlen(full_record), err);
    free(entry);
    free(full_record);
    free(dist_info);
    free(record);
    free(prefix);
    rc = package_finish_archive(&ar, &out, rc,
                                spec->defect && strcmp(spec->defect, PYPI_TRUNCATED) == 0, err);
    if (rc == AG_OK) {
        artifact_take_digests(art, &out);
        if (spec->data_size > 0)
            artifact_set_data(art, data_entry, data->bytes, data->sha256);
    }
    free(data_entry);
    return rc;
}

static int pypi_write_sdist(const struct package_spec *spec, const struct template_set *files,
                            const char *module, struct data_file_result *data, struct artifact *art,
                            struct ag_error *err)
{
    struct atomic_file out;
    struct det_archive ar;
    if (pypi_open(spec, art->path, CONTAINER_TAR_PAX, COMPRESS_GZIP, &out, &ar, err) != AG_OK)
        return err->status;
    char *top = xasprintf("%s-%s/", module, spec->version);
    char *data_entry = xasprintf("%s/%s", module, PYPI_DATA_FILE);
    int rc = AG_OK;
    int data_written = spec->data_size == 0;
    for (size_t i = 0; rc == AG_OK && i <= files->count; i++) {
        const struct template_file *f = i < files->count ? &files->files[i] : NULL;
        if (!data_written && (f == NULL || strcmp(f->path, data_entry) > 0)) {
            char *path = xasprintf("%s%s", top, data_entry);
            rc = package_add_data_file(&ar, path, spec, data, err);
            free(path);
            data_written = 1;
        }
        if (rc == AG_OK && f != NULL) {
            char *path = xasprintf("%s%s", top, f->path);
            rc = det_archive_add_buffer(&ar, path, f->mode, f->content, f->length, err);
            free(path);
        }
    }
    free(top);
    rc = package_finish_archive(&ar, &out, rc, 0, err);
    if (rc == AG_OK) {
        artifact_take_digests(art, &out);
        if (spec->data_size > 0)
            artifact_set_data(art, data_entry, data->bytes, data->sha256);
    }
    free(data_entry);
    return rc;
}

char *pypi_metadata_field(const char *text, const char *key)
{
    size_t klen = strlen(key);
    for (const char *line = text; line && *line && *line != '\n';) {
        const char *end = strchr(line, '\n');
        if (strncmp(line, key, klen) == 0 && line[klen] == ':' && line[klen + 1] == ' ') {
            const char *v = line + klen + 2;
            return xasprintf("%.*s", (int)(end ? end - v : (long)strlen(v)), v);
        }
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

/* Renders the templates ({{module}} is the import name); PKG-INFO must be
 * among them. */
static int pypi_load_templates(const struct package_spec *spec, const char *module,
                               struct template_set *files, struct ag_error *err)
{
    struct template_vars vars = {0};
    char scratch[256];
    package_template_vars(spec, &vars, scratch, sizeof scratch);
    template_vars_set(&vars, "module", module);
    /* Core metadata is RFC 822 headers: a value with a line break would
     * add a header of its own (a Requires-Dist, say). */
    static const struct template_syntax_rule syntax[] = {{"PKG-INFO", SYNTAX_RFC822}};
    if (template_load_dir_as(spec->template_dir, &vars, syntax, 1, files, err) != AG_OK)
        return err->status;
    const struct template_file *pkg_info = template_set_find(files, "PKG-INFO");
    if (pkg_info == NULL) {
        template_set_free(files);
        return ag_error_set(err, AG_USAGE,
                            "%s has no PKG-INFO template (the core metadata of wheel and sdist)",
                            spec->template_dir);
    }
    /* The index and the file names are made from the package's name and
     * version: core metadata naming others makes distributions pip and
     * verify refuse. */
    char *name = pypi_metadata_field(pkg_info->content, "Name");
    char *version = pypi_metadata_field(pkg_info->content, "Version");
    int rc = AG_OK;
    if (name == NULL || strcmp(name, spec->name) != 0 || version == NULL ||
        strcmp(version, spec->version) != 0)
        rc = ag_error_set(err, AG_USAGE,
                          "%s/PKG-INFO must give 'Name: {{name}}' and 'Version: {{version}}' (it "
                          "renders %s %s for package %s %s)",
                          spec->template_dir, name ? name : "(none)", version ? version : "(none)",
                          spec->name, spec->version);
    free(name);
    free(version);
    if (rc != AG_OK)
        template_set_free(files);
    return rc;
}

static int pypi_check_templates(const struct package_spec *spec, struct ag_error *err)
{
    char *module = pypi_normalize(spec->name, '_');
    struct template_set files;
    int rc = pypi_load_templates(spec, module, &files, err);
    if (rc == AG_OK)
        template_set_free(&files);
    free(module);
    return rc;
}

struct sdist_job {
    const struct package_spec *spec;
    const struct template_set *files;
    const char *module;
    struct data_file_result data;
    struct artifact *row;
};

static int pypi_sdist_job(void *ctx, struct ag_error *err)
{
    struct sdist_job *job = ctx;
    return pypi_write_sdist(job->spec, job->files, job->module, &job->data, job->row, err);
}

static int pypi_generate(const struct package_spec *spec, struct artifact_list *list,
                         struct ag_error *err)
{
    char *module = pypi_normalize(spec->name, '_');
    struct template_set files;
    if (pypi_load_templates(spec, module, &files, err) != AG_OK) {
        free(module);
        return err->status;
    }
    /* A set's dependencies are Requires-Dist of wheel and sdist alike. */
    if (spec->dependency_count > 0) {
        char *with =
            pypi_metadata_with_dependencies(spec, template_set_find(&files, "PKG-INFO")->content);
        template_set_replace(&files, "PKG-INFO", with, strlen(with));
    }
    const struct template_file *pkg_info = template_set_find(&files, "PKG-INFO");
    int rc = AG_OK;
    struct artifact wheel, sdist;
    package_row(&wheel, spec, "wheel",
                xasprintf("pypi/packages/%s-%s-py3-none-any.whl", module, spec->version));
    package_row(&sdist, spec, "sdist",
                xasprintf("pypi/packages/%s-%s.tar.gz", module, spec->version));
    char *metadata = xstrdup(pkg_info->content);
    if (spec->defect && strcmp(spec->defect, PYPI_METADATA_MISMATCH) == 0) {
        char *line = xasprintf("\nVersion: %s\n", spec->version);
        char *at = strstr(pkg_info->content, line);
        if (at != NULL) {
            free(metadata);
            metadata = xasprintf("%.*s\nVersion: %s.post999\n%s", (int)(at - pkg_info->content),
                                 pkg_info->content, spec->version, at + strlen(line));
        }
        free(line);
    }
    /* What the index lists for each file: the core metadata (PEP 658,
     * the wheel's METADATA) and Requires-Python, kept as the rows' facts. */
    char *requires_python = pypi_metadata_field(metadata, "Requires-Python");
    wheel.facts = json_pack("{s:s}", "metadata", metadata);
    sdist.facts = json_object();
    if (requires_python) {
        json_object_set_new(wheel.facts, "requires_python", json_string(requires_python));
        json_object_set_new(sdist.facts, "requires_python", json_string(requires_python));
    }
    free(requires_python);
    /* The sdist is written beside the wheel, on the other core. */
    struct sdist_job job = {spec, &files, module, {0}, &sdist};
    struct side_job side = {0};
    if (spec->defect == NULL)
        side_job_start(&side, pypi_sdist_job, &job);
    struct data_file_result data = {0};
    rc = pypi_write_wheel(spec, &files, module, metadata, &data, &wheel, err);
    free(metadata);
    int sdist_rc = spec->defect == NULL ? side_job_wait(&side, err) : AG_OK;
    if (rc == AG_OK)
        rc = sdist_rc;
    if (rc == AG_OK)
        artifact_list_add(list, &wheel);
    if (rc == AG_OK && spec->defect == NULL)
        artifact_list_add(list, &sdist);
    package_row_release(&wheel);
    package_row_release(&sdist);
    template_set_free(&files);
    free(module);
    return rc;
}

/* One page of the simple API in its three forms: index.html and
 * index.v1_html (PEP 503 HTML) and index.v1_json (PEP 691). */
static int pypi_write_page(struct repo_stage *stage, const char *dir, const struct strbuf *html,
                           json_t *json, enum repo_order order, struct ag_error *err)
{
    static const char *const html_names[] = {"index.html", "index.v1_html"};
    int rc = AG_OK;
    for (size_t i = 0; i < 2 && rc == AG_OK; i++) {
        char *path = xasprintf("%s/%s", dir, html_names[i]);
        rc = repo_stage_put(stage, path, html->data, html->len, order, err);
        free(path);
    }
    char *path = xasprintf("%s/index.v1_json", dir);
    if (rc == AG_OK)
        rc = repo_stage_put_json(stage, path, json, order, err);
    free(path);
    return rc;
}

static void pypi_html_head(struct strbuf *html, const char *title)
{
    strbuf_adds(html, "<!DOCTYPE html>\n<html>\n  <head>\n    <meta "
                      "name=\"pypi:repository-version\" content=\"1.1\">\n    <title>");
    strbuf_add_escaped(html, title);
    strbuf_adds(html, "</title>\n  </head>\n  <body>\n");
}

static const char *basename_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Writes the wheel's METADATA beside it (PEP 658), from the row's facts,
 * and returns its sha256. */
static int pypi_write_core_metadata(const struct index_request *req, const struct artifact *art,
                                    char *sha256, struct ag_error *err)
{
    const char *metadata = artifact_fact(art, "metadata");
    if (metadata == NULL)
        return ag_error_set(err, AG_FAIL, "%s: the manifest row has no facts.metadata", art->path);
    int rc = digest_buffer_hex(DIGEST_SHA256, metadata, strlen(metadata), sha256, err);
    char *sidecar = xasprintf("%s.metadata", art->path);
    if (rc == AG_OK)
        rc = repo_stage_put(req->stage, sidecar, metadata, strlen(metadata), REPO_LEAF, err);
    free(sidecar);
    return rc;
}

static int pypi_write_project(const struct index_request *req, const char *project,
                              json_t *projects, struct ag_error *err)
{
    char when[32];
    format_iso8601(req->epoch, when, sizeof when);
    char *title = xasprintf("Links for %s", project);
    struct strbuf html = {0};
    pypi_html_head(&html, title);
    strbuf_addf(&html, "    <h1>%s</h1>\n", title);
    free(title);
    json_t *files = json_array();
    json_t *versions = json_array();
    int rc = AG_OK;
    for (size_t i = 0; i < req->count && rc == AG_OK; i++) {
        const struct artifact *art = &req->artifacts[i];
        char *norm = pypi_normalize(art->name, '-');
        int mine = strcmp(norm, project) == 0;
        free(norm);
        if (!mine)
            continue;
        const char *file = basename_of(art->path);
        char meta_sha[2 * DIGEST_MAX_BYTES + 1] = "";
        const char *requires_python = artifact_fact(art, "requires_python");
        if (strcmp(art->kind, "wheel") == 0)
            rc = pypi_write_core_metadata(req, art, meta_sha, err);
        if (rc != AG_OK)
            break;
        char sha256[65];
        strcpy(sha256, art->sha256);
        if (artifact_has_defect(art, PYPI_BAD_INDEX_HASH))
            hex_digest_corrupt(sha256);
        strbuf_addf(&html, "    <a href=\"../../packages/%s#sha256=%s\"", file, sha256);
        if (requires_python) {
            strbuf_adds(&html, " data-requires-python=\"");
            strbuf_add_escaped(&html, requires_python);
            strbuf_adds(&html, "\"");
        }
        if (meta_sha[0])
            strbuf_addf(&html,
                        " data-dist-info-metadata=\"sha256=%s\" data-core-metadata=\"sha256=%s\"",
                        meta_sha, meta_sha);
        if (art->signature)
            strbuf_adds(&html, " data-gpg-sig=\"true\"");
        /* PEP 592: the attribute's value is the reason, maybe empty. */
        const char *yanked = artifact_fact(art, "yanked");
        if (yanked) {
            strbuf_adds(&html, " data-yanked=\"");
            strbuf_add_escaped(&html, yanked);
            strbuf_adds(&html, "\"");
        }
        strbuf_addf(&html, ">%s</a><br>\n", file);

        json_t *entry = json_object();
        char *url = xasprintf("../../packages/%s", file);
        json_object_set_new(entry, "filename", json_string(file));
        json_object_set_new(entry, "url", json_string(url));
        free(url);
        json_object_set_new(entry, "hashes", json_pack("{s:s}", "sha256", sha256));
        json_object_set_new(entry, "size", json_integer((json_int_t)art->bytes));
        json_object_set_new(entry, "upload-time", json_string(when));
        if (requires_python)
            json_object_set_new(entry, "requires-python", json_string(requires_python));
        if (yanked)
            json_object_set_new(entry, "yanked", yanked[0] ? json_string(yanked) : json_true());
        /* The JSON form says what the HTML's data-gpg-sig says. */
        if (art->signature)
            json_object_set_new(entry, "gpg-sig", json_true());
        if (meta_sha[0]) {
            json_object_set_new(entry, "core-metadata", json_pack("{s:s}", "sha256", meta_sha));
            json_object_set_new(entry, "dist-info-metadata",
                                json_pack("{s:s}", "sha256", meta_sha));
        }
        json_array_append_new(files, entry);
        int known = 0;
        for (size_t v = 0; v < json_array_size(versions); v++)
            known =
                known || strcmp(json_string_value(json_array_get(versions, v)), art->version) == 0;
        if (!known)
            json_array_append_new(versions, json_string(art->version));
    }
    strbuf_adds(&html, "  </body>\n</html>\n");
    json_t *doc = json_pack("{s:{s:s},s:s,s:o,s:o}", "meta", "api-version", "1.1", "name", project,
                            "versions", versions, "files", files);
    char *dir = xasprintf("pypi/simple/%s", project);
    if (rc == AG_OK)
        rc = pypi_write_page(req->stage, dir, &html, doc, REPO_LISTING, err);
    free(dir);
    json_decref(doc);
    strbuf_free(&html);
    json_array_append_new(projects, json_pack("{s:s}", "name", project));
    return rc;
}

static int pypi_write_root(const struct index_request *req, json_t *projects, struct ag_error *err)
{
    struct strbuf html = {0};
    pypi_html_head(&html, "Simple index");
    for (size_t i = 0; i < json_array_size(projects); i++) {
        const char *p = json_string_value(json_object_get(json_array_get(projects, i), "name"));
        strbuf_addf(&html, "    <a href=\"%s/\">%s</a><br>\n", p, p);
    }
    strbuf_adds(&html, "  </body>\n</html>\n");
    json_t *doc = json_pack("{s:{s:s},s:O}", "meta", "api-version", "1.1", "projects", projects);
    int rc = pypi_write_page(req->stage, "pypi/simple", &html, doc, REPO_ROOT, err);
    json_decref(doc);
    strbuf_free(&html);
    return rc;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int pypi_write_index(const struct index_request *req, struct ag_error *err)
{
    char **projects = xmalloc((req->count + 1) * sizeof *projects);
    size_t n = 0;
    for (size_t i = 0; i < req->count; i++) {
        char *norm = pypi_normalize(req->artifacts[i].name, '-');
        int seen = 0;
        for (size_t j = 0; j < n && !seen; j++)
            seen = strcmp(projects[j], norm) == 0;
        if (seen)
            free(norm);
        else
            projects[n++] = norm;
    }
    qsort(projects, n, sizeof *projects, compare_strings);
    json_t *listed = json_array();
    int rc = AG_OK;
    for (size_t i = 0; i < n && rc == AG_OK; i++) {
        rc = pypi_write_project(req, projects[i], listed, err);
        if (rc == AG_OK)
            rc = pypi_write_json_api(req, projects[i], err);
    }
    if (rc == AG_OK)
        rc = pypi_write_root(req, listed, err);
    json_decref(listed);
    for (size_t i = 0; i < n; i++)
        free(projects[i]);
    free(projects);
    if (rc != AG_OK)
        return rc;
    /* pip takes the CA only as a file: the published one, where the tree
     * lands. An INI value ends at a line break and loses its outer blanks:
     * a path that holds them cannot be written. */
    int https = req->ca_pem && strncmp(req->base_url, "https:", 6) == 0;
    for (const char *c = req->published_root; https && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return ag_error_set(err, AG_USAGE,
                                "clients/pip.conf cannot name the CA: the output path holds a "
                                "control character; use an --out without one");
    size_t root_len = https ? strlen(req->published_root) : 0;
    if (https && (root_len == 0 || req->published_root[root_len - 1] == ' ' ||
                  req->published_root[0] == ' '))
        return ag_error_set(err, AG_USAGE,
                            "clients/pip.conf cannot name the CA under '%s': the path ends in a "
                            "blank",
                            req->published_root);
    char *cert = https ? xasprintf("cert = %s/keys/ca.crt\n", req->published_root) : xstrdup("");
    char *conf = xasprintf("[global]\nindex-url = %spypi/simple/\n%s", req->base_url, cert);
    free(cert);
    rc = repo_stage_put(req->stage, "clients/pip.conf", conf, strlen(conf), REPO_LEAF, err);
    free(conf);
    return rc;
}

static int check_name_version(const struct artifact *art, const char *text, const char *what,
                              struct ag_error *err)
{
    char *name = text ? pypi_metadata_field(text, "Name") : NULL;
    char *version = text ? pypi_metadata_field(text, "Version") : NULL;
    char *want = pypi_normalize(art->name, '-');
    char *got = name ? pypi_normalize(name, '-') : NULL;
    int rc = AG_OK;
    if (text == NULL)
        rc = ag_error_set(err, AG_FAIL, "%s: %s missing", art->path, what);
    else if (!got || strcmp(got, want) != 0 || !version || strcmp(version, art->version) != 0)
        rc = ag_error_set(err, AG_FAIL, "%s: %s says %s %s, the manifest %s %s", art->path, what,
                          name ? name : "?", version ? version : "?", art->name, art->version);
    free(name);
    free(version);
    free(want);
    free(got);
    return rc;
}

/* Every RECORD row matches its entry, and every entry has a row. */
static int check_record(const struct artifact *art, const struct archive_scan *scan,
                        const char *record, struct ag_error *err)
{
    size_t rows = 0;
    for (const char *line = record; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *row = xasprintf("%.*s", (int)len, line);
        line += len + (end ? 1 : 0);
        char *c1 = strchr(row, ',');
        char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (!c1 || !c2) {
            free(row);
            return ag_error_set(err, AG_FAIL, "%s: malformed RECORD row", art->path);
        }
        *c1 = *c2 = '\0';
        rows++;
        const struct archive_member *m = archive_scan_find(scan, row);
        int rc = AG_OK;
        if (m == NULL) {
            rc = ag_error_set(err, AG_FAIL, "%s: RECORD lists %s, absent from the wheel", art->path,
                              row);
        } else if (c1[1] != '\0') {
            char b64[64], size[32];
            digest_base64url_nopad(m->sha256, 32, b64);
            snprintf(size, sizeof size, "%llu", (unsigned long long)m->size);
            if (strncmp(c1 + 1, "sha256=", 7) != 0 || strcmp(c1 + 8, b64) != 0 ||
                strcmp(c2 + 1, size) != 0)
                rc = ag_error_set(err, AG_FAIL, "%s: RECORD hash or size of %s is wrong", art->path,
                                  row);
        }
        free(row);
        if (rc != AG_OK)
            return rc;
    }
    size_t files = 0;
    for (size_t i = 0; i < scan->count; i++)
        files += !scan->members[i].is_dir;
    if (rows != files)
        return ag_error_set(err, AG_FAIL, "%s: RECORD has %zu rows for %zu files", art->path, rows,
                            files);
    return AG_OK;
}

static int pypi_verify_index(const char *out_root, const struct artifact *art, struct ag_error *err)
{
    char *project = pypi_normalize(art->name, '-');
    char *path = xasprintf("%s/pypi/simple/%s/index.html", out_root, project);
    char *html = NULL;
    int rc = read_file(path, &html, NULL, err);
    char *href =
        xasprintf("href=\"../../packages/%s#sha256=%s\"", basename_of(art->path), art->sha256);
    if (rc == AG_OK && strstr(html, href) == NULL)
        rc = ag_error_set(err, AG_FAIL, "%s does not link %s with its sha256", path,
                          basename_of(art->path));
    free(href);
    free(html);
    free(path);
    json_t *doc = NULL;
    path = xasprintf("%s/pypi/simple/%s/index.v1_json", out_root, project);
    if (rc == AG_OK)
        rc = json_read_file(path, &doc, err);
    int found = 0;
    json_t *files = json_object_get(doc, "files");
    for (size_t i = 0; rc == AG_OK && i < json_array_size(files); i++) {
        json_t *f = json_array_get(files, i);
        const char *sha =
            json_string_value(json_object_get(json_object_get(f, "hashes"), "sha256"));
        const char *name = json_string_value(json_object_get(f, "filename"));
        found = found || (name && sha && strcmp(name, basename_of(art->path)) == 0 &&
                          strcmp(sha, art->sha256) == 0);
    }
    if (rc == AG_OK && !found)
        rc = ag_error_set(err, AG_FAIL, "%s does not list %s with its sha256", path,
                          basename_of(art->path));
    json_decref(doc);
    free(path);
    free(project);
    return rc;
}

/* The distribution alone: its core metadata naming the row, the wheel's
 * WHEEL and RECORD, the sdist's layout, the data file's digest. */
static int pypi_verify_archive(const char *out_root, const struct artifact *art,
                               struct ag_error *err)
{
    char *path = xasprintf("%s/%s", out_root, art->path);
    struct archive_scan scan;
    int rc = archive_scan_file(path, ARCHIVE_SCAN_DIGESTS, &scan, err);
    free(path);
    if (rc != AG_OK)
        return rc;
    char *module = pypi_normalize(art->name, '_');
    char *prefix = strcmp(art->kind, "wheel") == 0
                       ? xasprintf("%s-%s.dist-info/", module, art->version)
                       : xasprintf("%s-%s/", module, art->version);
    char *meta_path =
        xasprintf("%s%s", prefix, strcmp(art->kind, "wheel") == 0 ? "METADATA" : "PKG-INFO");
    const struct archive_member *meta = archive_scan_find(&scan, meta_path);
    rc = check_name_version(art, meta ? meta->content : NULL, meta_path, err);
    if (rc == AG_OK && strcmp(art->kind, "wheel") == 0) {
        char *wheel_path = xasprintf("%sWHEEL", prefix);
        char *record_path = xasprintf("%sRECORD", prefix);
        const struct archive_member *wheel = archive_scan_find(&scan, wheel_path);
        const struct archive_member *record = archive_scan_find(&scan, record_path);
        if (!wheel || !wheel->content || strncmp(wheel->content, "Wheel-Version: 1.", 17) != 0)
            rc = ag_error_set(err, AG_FAIL, "%s: %s missing or not Wheel-Version 1.x", art->path,
                              wheel_path);
        else if (!record || !record->content)
            rc = ag_error_set(err, AG_FAIL, "%s: %s missing", art->path, record_path);
        else
            rc = check_record(art, &scan, record->content, err);
        free(wheel_path);
        free(record_path);
    } else if (rc == AG_OK) {
        char *pyproject = xasprintf("%spyproject.toml", prefix);
        if (archive_scan_find(&scan, pyproject) == NULL)
            rc = ag_error_set(err, AG_FAIL, "%s: %s missing", art->path, pyproject);
        for (size_t i = 0; rc == AG_OK && i < scan.count; i++)
            if (strncmp(scan.members[i].path, prefix, strlen(prefix)) != 0)
                rc = ag_error_set(err, AG_FAIL, "%s: entry %s is outside %s", art->path,
                                  scan.members[i].path, prefix);
        free(pyproject);
    }
    if (rc == AG_OK && art->data_path) {
        char *entry = strcmp(art->kind, "wheel") == 0 ? xstrdup(art->data_path)
                                                      : xasprintf("%s%s", prefix, art->data_path);
        rc = archive_scan_check_entry(&scan, entry, art->data_sha256, art->path, err);
        free(entry);
    }
    free(meta_path);
    free(prefix);
    free(module);
    archive_scan_free(&scan);
    return rc;
}

static int pypi_verify_artifact(const char *out_root, const char *base_url,
                                const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    if (pypi_verify_archive(out_root, art, err) != AG_OK)
        return err->status;
    /* A republished copy is listed nowhere. */
    return art->unlisted ? AG_OK : pypi_verify_index(out_root, art, err);
}

/* The sha256 the JSON project page gives the row's file, read from the
 * page (NULL with err set when the page does not list it). */
static char *pypi_listed_sha256(const char *out_root, const struct artifact *art,
                                struct ag_error *err)
{
    char *project = pypi_normalize(art->name, '-');
    char *path = xasprintf("%s/pypi/simple/%s/index.v1_json", out_root, project);
    free(project);
    json_t *doc = NULL;
    char *sha = NULL;
    if (json_read_file(path, &doc, err) == AG_OK) {
        json_t *files = json_object_get(doc, "files");
        for (size_t i = 0; sha == NULL && i < json_array_size(files); i++) {
            json_t *f = json_array_get(files, i);
            const char *name = json_string_value(json_object_get(f, "filename"));
            const char *h =
                json_string_value(json_object_get(json_object_get(f, "hashes"), "sha256"));
            if (name && h && strcmp(name, basename_of(art->path)) == 0)
                sha = xstrdup(h);
        }
        if (sha == NULL)
            ag_error_set(err, AG_FAIL, "%s does not list %s", path, basename_of(art->path));
    }
    json_decref(doc);
    free(path);
    return sha;
}

/* Whether the index gives the file its own sha256 (want 1) or another. */
static int pypi_index_hash_is(const char *out_root, const struct artifact *art, int want_true,
                              struct ag_error *err)
{
    char *listed = pypi_listed_sha256(out_root, art, err);
    if (listed == NULL)
        return err->status;
    int is_true = strcmp(listed, art->sha256) == 0;
    free(listed);
    if (want_true && !is_true)
        return ag_error_set(err, AG_FAIL,
                            "the index gives another sha256, so a client would refuse the hash, "
                            "not this defect");
    if (!want_true && is_true)
        return ag_error_set(err, AG_FAIL, "the index gives the file's own sha256");
    return AG_OK;
}

/* bad-index-hash: the wheel is whole and valid, the index lists it with
 * a sha256 that is not its bytes'. */
static int pypi_bad_index_hash_present(const char *out_root, const char *base_url,
                                       const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    if (pypi_verify_archive(out_root, art, err) != AG_OK)
        return ag_error_prefix(err, "the wheel itself is broken, not only its index hash: ");
    return pypi_index_hash_is(out_root, art, 0, err);
}

/* metadata-mismatch: the index hash is true, the wheel reads, and its
 * METADATA names the project but another version than its file name. */
static int pypi_metadata_mismatch_present(const char *out_root, const char *base_url,
                                          const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    if (pypi_index_hash_is(out_root, art, 1, err) != AG_OK)
        return err->status;
    char *path = xasprintf("%s/%s", out_root, art->path);
    struct archive_scan scan;
    int rc = archive_scan_file(path, ARCHIVE_SCAN_SMALL, &scan, err);
    free(path);
    if (rc != AG_OK)
        return ag_error_prefix(err, "the wheel does not read: ");
    const char *metadata = NULL;
    for (size_t i = 0; i < scan.count && metadata == NULL; i++)
        if (strstr(scan.members[i].path, ".dist-info/METADATA") != NULL)
            metadata = scan.members[i].content;
    char *name = metadata ? pypi_metadata_field(metadata, "Name") : NULL;
    char *version = metadata ? pypi_metadata_field(metadata, "Version") : NULL;
    char *want = pypi_normalize(art->name, '-');
    char *got = name ? pypi_normalize(name, '-') : NULL;
    if (metadata == NULL)
        rc = ag_error_set(err, AG_FAIL, "no .dist-info/METADATA in the wheel");
    else if (got == NULL || strcmp(got, want) != 0)
        rc = ag_error_set(err, AG_FAIL, "METADATA names another project (%s)", name ? name : "?");
    else if (version == NULL || strcmp(version, art->version) == 0)
        rc = ag_error_set(err, AG_FAIL, "METADATA's Version is the file name's (%s)", art->version);
    free(name);
    free(version);
    free(want);
    free(got);
    archive_scan_free(&scan);
    return rc;
}

/* truncated-wheel: the index hash is the cut bytes', and the cut wheel
 * does not read as a zip. */
static int pypi_truncated_present(const char *out_root, const char *base_url,
                                  const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    if (pypi_index_hash_is(out_root, art, 1, err) != AG_OK)
        return err->status;
    struct ag_error whole = {0};
    if (pypi_verify_archive(out_root, art, &whole) == AG_OK)
        return ag_error_set(err, AG_FAIL, "the wheel reads whole");
    return AG_OK;
}

const struct generator pypi_generator = {
    .name = "pypi",
    .summary = "wheel (py3-none-any), sdist, PEP 503/691 simple index",
    .container_overhead = 64 * 1024,
    .kinds = pypi_kinds,
    .kind_count = sizeof pypi_kinds / sizeof pypi_kinds[0],
    .sign_modes = SIGN_DETACHED,
    .detached_suffix = ".asc",
    .fields = pypi_fields,
    .field_count = sizeof pypi_fields / sizeof pypi_fields[0],
    .defects = pypi_defects,
    .defect_count = sizeof pypi_defects / sizeof pypi_defects[0],
    .sets = &pypi_set_support,
    .purl = pypi_purl,
    .check_package = pypi_check_package,
    .check_templates = pypi_check_templates,
    .generate = pypi_generate,
    .write_index = pypi_write_index,
    .verify_artifact = pypi_verify_artifact,
};
