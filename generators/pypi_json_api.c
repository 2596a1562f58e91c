/* PyPI's JSON API, the upstream a PyPI proxy asks for a project's
 * releases: pypi/<project>/json and pypi/<project>/<version>/json, built
 * from the rows and their facts. */
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/units.h"
#include "common/version_rules.h"
#include "generators/pypi.h"

/* Every value of a header that may repeat (Classifier, Requires-Dist). */
static json_t *metadata_values(const char *text, const char *key)
{
    json_t *out = json_array();
    size_t klen = strlen(key);
    for (const char *line = text; line && *line && *line != '\n';) {
        const char *end = strchr(line, '\n');
        if (strncmp(line, key, klen) == 0 && line[klen] == ':' && line[klen + 1] == ' ') {
            const char *v = line + klen + 2;
            json_array_append_new(out, json_stringn(v, end ? (size_t)(end - v) : strlen(v)));
        }
        line = end ? end + 1 : NULL;
    }
    return out;
}

static json_t *string_field(const char *metadata, const char *key)
{
    char *v = metadata ? pypi_metadata_field(metadata, key) : NULL;
    json_t *out = v ? json_string(v) : json_null();
    free(v);
    return out;
}

static const char *file_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int is_mine(const struct artifact *art, const char *project)
{
    char *norm = pypi_normalize(art->name, '-');
    int mine = strcmp(norm, project) == 0;
    free(norm);
    return mine;
}

static json_t *file_entry(const struct index_request *req, const struct artifact *art)
{
    char when[32], upload[40], plain[24];
    format_iso8601(req->epoch, when, sizeof when);
    /* PyPI writes upload_time without fraction or zone, and the ISO form
     * with microseconds. */
    snprintf(upload, sizeof upload, "%.19s.000000Z", when);
    snprintf(plain, sizeof plain, "%.19s", when);
    const char *yanked = artifact_fact(art, "yanked");
    const char *requires_python = artifact_fact(art, "requires_python");
    int wheel = strcmp(art->kind, "wheel") == 0;
    char *url = xasprintf("%s%s", req->base_url, art->path);
    json_t *digests = json_pack("{s:s}", "sha256", art->sha256);
    if (art->md5[0])
        json_object_set_new(digests, "md5", json_string(art->md5));
    json_t *entry = json_pack(
        "{s:s,s:o,s:i,s:s,s:b,s:o,s:s,s:s,s:o,s:I,s:s,s:s,s:s,s:b,s:o}", "comment_text", "",
        "digests", digests, "downloads", -1, "filename", file_name(art->path), "has_sig",
        art->signature != NULL, "md5_digest", art->md5[0] ? json_string(art->md5) : json_null(),
        "packagetype", wheel ? "bdist_wheel" : "sdist", "python_version", wheel ? "py3" : "source",
        "requires_python", requires_python ? json_string(requires_python) : json_null(), "size",
        (json_int_t)art->bytes, "upload_time", plain, "upload_time_iso_8601", upload, "url", url,
        "yanked", yanked != NULL, "yanked_reason",
        yanked && yanked[0] ? json_string(yanked) : json_null());
    free(url);
    return entry;
}

/* The newest version an installer would pick by default: neither yanked
 * nor a pre-release when there is one such. */
static const char *latest_version(const struct index_request *req, const char *project)
{
    const char *best = NULL;
    int best_rank = -1;
    for (size_t i = 0; i < req->count; i++) {
        const struct artifact *art = &req->artifacts[i];
        if (!is_mine(art, project))
            continue;
        int rank = (artifact_fact(art, "yanked") ? 0 : 2) +
                   (version_is_pep440_prerelease(art->version) ? 0 : 1);
        if (rank > best_rank ||
            (rank == best_rank && version_compare_pep440(art->version, best) > 0)) {
            best = art->version;
            best_rank = rank;
        }
    }
    return best;
}

static json_t *info_of(const struct index_request *req, const char *project, const char *version)
{
    const char *metadata = NULL;
    const char *yanked = NULL;
    int any_yanked = 0;
    for (size_t i = 0; i < req->count; i++) {
        const struct artifact *art = &req->artifacts[i];
        if (!is_mine(art, project) || strcmp(art->version, version) != 0)
            continue;
        if (artifact_fact(art, "metadata"))
            metadata = artifact_fact(art, "metadata");
        if (artifact_fact(art, "yanked")) {
            yanked = artifact_fact(art, "yanked");
            any_yanked = 1;
        }
    }
    const char *body = metadata ? strstr(metadata, "\n\n") : NULL;
    json_t *requires = metadata ? metadata_values(metadata, "Requires-Dist") : json_array();
    char *project_url = xasprintf("%spypi/simple/%s/", req->base_url, project);
    char *release_url = xasprintf("%spypi/pypi/%s/%s/json", req->base_url, project, version);
    json_t *info = json_pack(
        "{s:n,s:o,s:o,s:s,s:o,s:n,s:o,s:o,s:o,s:s,s:s,s:o,s:o,s:o,s:s,s:b,s:o}", "author",
        "author_email", string_field(metadata, "Author-email"), "classifiers",
        metadata ? metadata_values(metadata, "Classifier") : json_array(), "description",
        body ? body + 2 : "", "description_content_type",
        string_field(metadata, "Description-Content-Type"), "home_page", "keywords",
        string_field(metadata, "Keywords"), "license", string_field(metadata, "License"), "name",
        string_field(metadata, "Name"), "package_url", project_url, "project_url", project_url,
        "release_url", json_string(release_url), "requires_dist",
        json_array_size(requires) ? requires : json_null(), "requires_python",
        string_field(metadata, "Requires-Python"), "version", version, "yanked", any_yanked,
        "yanked_reason", yanked && yanked[0] ? json_string(yanked) : json_null());
    if (json_array_size(requires) == 0)
        json_decref(requires);
    json_object_set_new(info, "summary", string_field(metadata, "Summary"));
    free(project_url);
    free(release_url);
    return info;
}

static json_t *files_of(const struct index_request *req, const char *project, const char *version)
{
    json_t *files = json_array();
    for (size_t i = 0; i < req->count; i++) {
        const struct artifact *art = &req->artifacts[i];
        if (is_mine(art, project) && strcmp(art->version, version) == 0)
            json_array_append_new(files, file_entry(req, art));
    }
    return files;
}

int pypi_write_json_api(const struct index_request *req, const char *project, struct ag_error *err)
{
    const char *latest = latest_version(req, project);
    if (latest == NULL)
        return AG_OK;
    json_t *releases = json_object();
    int rc = AG_OK;
    for (size_t i = 0; i < req->count && rc == AG_OK; i++) {
        const struct artifact *art = &req->artifacts[i];
        if (!is_mine(art, project) || json_object_get(releases, art->version) != NULL)
            continue;
        json_object_set_new(releases, art->version, files_of(req, project, art->version));
        json_t *doc = json_pack("{s:o,s:i,s:o,s:[]}", "info", info_of(req, project, art->version),
                                "last_serial", 1, "urls", files_of(req, project, art->version),
                                "vulnerabilities");
        char *path = xasprintf("pypi/pypi/%s/%s/json", project, art->version);
        rc = repo_stage_put_json(req->stage, path, doc, REPO_LEAF, err);
        free(path);
        json_decref(doc);
    }
    if (rc == AG_OK) {
        json_t *doc = json_pack("{s:o,s:i,s:O,s:o,s:[]}", "info", info_of(req, project, latest),
                                "last_serial", 1, "releases", releases, "urls",
                                files_of(req, project, latest), "vulnerabilities");
        char *path = xasprintf("pypi/pypi/%s/json", project);
        rc = repo_stage_put_json(req->stage, path, doc, REPO_LISTING, err);
        free(path);
        json_decref(doc);
    }
    json_decref(releases);
    return rc;
}
