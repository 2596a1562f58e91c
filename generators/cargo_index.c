/* cargo's sparse registry: config.json, one index file per crate with a
 * JSON line per version, and the client settings naming the registry. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/json_file.h"
#include "common/strbuf.h"
#include "common/version_rules.h"
#include "generators/cargo.h"

char *cargo_index_path(const char *name)
{
    char *lower = xstrdup(name);
    for (char *c = lower; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    size_t len = strlen(lower);
    char *path = len == 1   ? xasprintf("1/%s", lower)
                 : len == 2 ? xasprintf("2/%s", lower)
                 : len == 3 ? xasprintf("3/%c/%s", lower[0], lower)
                            : xasprintf("%.2s/%.2s/%s", lower, lower + 2, lower);
    free(lower);
    return path;
}

char *cargo_crate_path(const char *name, const char *version)
{
    return xasprintf("cargo/crates/%s/%s-%s.crate", name, name, version);
}

char *cargo_publish_path(const char *name, const char *version)
{
    return xasprintf("cargo/publish/%s-%s.body", name, version);
}

/* A requirement as the facts may hold it: what cargo_requirement_text
 * writes (operators, versions, ", "), nothing an index line could not
 * carry as it is. */
static int requirement_plausible(const char *req)
{
    if (*req == '\0' || strlen(req) > 512)
        return 0;
    for (const char *c = req; *c; c++)
        if (!isalnum((unsigned char)*c) && strchr("<>=^~*., -+", *c) == NULL)
            return 0;
    return 1;
}

/* The dependency objects of a row's facts, checked field by field and
 * rebuilt in the index's key order: facts are read back from the tree
 * and are input like any other. */
static json_t *checked_deps(const struct artifact *art, struct ag_error *err)
{
    json_t *deps = json_object_get(art->facts, "deps");
    if (!json_is_array(deps)) {
        ag_error_set(err, AG_FAIL, "%s: the manifest row has no facts.deps array", art->path);
        return NULL;
    }
    json_t *out = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(deps, i, d)
    {
        const char *name = json_string_value(json_object_get(d, "name"));
        const char *req = json_string_value(json_object_get(d, "req"));
        const char *kind = json_string_value(json_object_get(d, "kind"));
        json_t *features = json_object_get(d, "features");
        struct ag_error why = {0};
        int ok = name && cargo_check_name(name, &why) == AG_OK && req &&
                 requirement_plausible(req) && kind &&
                 (strcmp(kind, "normal") == 0 || strcmp(kind, "dev") == 0 ||
                  strcmp(kind, "build") == 0) &&
                 json_is_boolean(json_object_get(d, "optional")) &&
                 json_is_boolean(json_object_get(d, "default_features")) &&
                 json_is_array(features) && json_array_size(features) == 0 &&
                 json_is_null(json_object_get(d, "target"));
        if (!ok) {
            json_decref(out);
            ag_error_set(err, AG_FAIL,
                         "%s: facts.deps[%zu] is not a dependency assetgen writes (name, req, "
                         "kind, optional, default_features, features [], target null)",
                         art->path, i);
            return NULL;
        }
        json_t *c = json_object();
        json_object_set_new(c, "name", json_string(name));
        json_object_set_new(c, "req", json_string(req));
        json_object_set_new(c, "features", json_array());
        json_object_set(c, "optional", json_object_get(d, "optional"));
        json_object_set(c, "default_features", json_object_get(d, "default_features"));
        json_object_set_new(c, "target", json_null());
        json_object_set_new(c, "kind", json_string(kind));
        json_array_append_new(out, c);
    }
    return out;
}

/* One index line: name, vers, deps, cksum, features, yanked, links, in
 * the order crates.io writes them, compact. */
static char *index_line(const struct artifact *art, json_t *deps)
{
    char cksum[65];
    strcpy(cksum, art->sha256);
    if (artifact_has_defect(art, CARGO_BAD_CKSUM))
        hex_digest_corrupt(cksum);
    json_t *line = json_object();
    json_object_set_new(line, "name", json_string(art->name));
    json_object_set_new(line, "vers", json_string(art->version));
    json_object_set(line, "deps", deps);
    json_object_set_new(line, "cksum", json_string(cksum));
    json_object_set_new(line, "features", json_object());
    json_object_set_new(line, "yanked", json_boolean(artifact_fact(art, "yanked") != NULL));
    json_object_set_new(line, "links", json_null());
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    return text;
}

static char *lower_copy(const char *s)
{
    char *out = xstrdup(s);
    for (char *c = out; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return out;
}

struct crate_row {
    const struct artifact *art;
    char *lower;
};

static int compare_crate_rows(const void *a, const void *b)
{
    const struct crate_row *x = a, *y = b;
    int c = strcmp(x->lower, y->lower);
    if (c == 0)
        c = version_compare_semver(x->art->version, y->art->version);
    return c != 0 ? c : strcmp(x->art->name, y->art->name);
}

/* One index file per lower-cased name, its lines in version order. */
static int write_index_files(const struct index_request *req, struct ag_error *err)
{
    struct crate_row *rows = xcalloc(req->count + 1, sizeof *rows);
    size_t n = 0;
    for (size_t i = 0; i < req->count; i++)
        if (strcmp(req->artifacts[i].kind, CARGO_KIND_CRATE) == 0) {
            rows[n].art = &req->artifacts[i];
            rows[n++].lower = lower_copy(req->artifacts[i].name);
        }
    qsort(rows, n, sizeof *rows, compare_crate_rows);
    int rc = AG_OK;
    struct strbuf file = {0};
    for (size_t i = 0; i < n && rc == AG_OK; i++) {
        json_t *deps = checked_deps(rows[i].art, err);
        if (deps == NULL) {
            rc = err->status;
            break;
        }
        char *line = index_line(rows[i].art, deps);
        json_decref(deps);
        strbuf_addf(&file, "%s\n", line);
        free(line);
        if (i + 1 < n && strcmp(rows[i + 1].lower, rows[i].lower) == 0)
            continue;
        char *rel = cargo_index_path(rows[i].art->name);
        char *path = xasprintf("cargo/index/%s", rel);
        rc = repo_stage_put(req->stage, path, file.data, file.len, REPO_LISTING, err);
        free(path);
        free(rel);
        strbuf_free(&file);
    }
    strbuf_free(&file);
    for (size_t i = 0; i < n; i++)
        free(rows[i].lower);
    free(rows);
    return rc;
}

/* clients/cargo-config.toml: the registry as a sparse index, and over
 * HTTPS the test CA where the tree lands (cargo takes it as a file). */
static int write_client_config(const struct index_request *req, struct ag_error *err)
{
    struct strbuf out = {0};
    char *index = xasprintf("sparse+%scargo/index/", req->base_url);
    strbuf_addf(&out, "[registries.%s]\nindex = ", CARGO_REGISTRY);
    int rc = cargo_toml_string(&out, index, "the index URL", err);
    free(index);
    if (rc == AG_OK && req->ca_pem != NULL && strncmp(req->base_url, "https:", 6) == 0) {
        char *ca = xasprintf("%s/keys/ca.crt", req->published_root);
        strbuf_adds(&out, "\n\n[http]\ncainfo = ");
        rc = cargo_toml_string(&out, ca, "the output path (naming the test CA)", err);
        free(ca);
    }
    strbuf_adds(&out, "\n");
    if (rc == AG_OK)
        rc = repo_stage_put(req->stage, "clients/cargo-config.toml", out.data, out.len, REPO_LEAF,
                            err);
    strbuf_free(&out);
    return rc;
}

int cargo_write_index(const struct index_request *req, struct ag_error *err)
{
    if (write_client_config(req, err) != AG_OK || write_index_files(req, err) != AG_OK)
        return err->status;
    /* No "api": the tree is served read-only; a push target adds one. */
    char *dl = xasprintf("%scargo/crates/{crate}/{crate}-{version}.crate", req->base_url);
    json_t *config = json_pack("{s:s}", "dl", dl);
    free(dl);
    int rc = repo_stage_put_json(req->stage, "cargo/index/config.json", config, REPO_ROOT, err);
    json_decref(config);
    return rc;
}

json_t *cargo_read_index_line(const char *out_root, const struct artifact *art, json_t **lines,
                              struct ag_error *err)
{
    char *rel = cargo_index_path(art->name);
    char *path = xasprintf("%s/cargo/index/%s", out_root, rel);
    free(rel);
    char *text = NULL;
    size_t len = 0;
    *lines = NULL;
    if (read_file(path, &text, &len, err) != AG_OK) {
        free(path);
        return NULL;
    }
    json_t *all = json_array();
    json_t *found = NULL;
    unsigned lineno = 0;
    int rc = AG_OK;
    for (char *line = text; rc == AG_OK && line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        json_error_t jerr;
        json_t *obj = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(obj)) {
            rc = ag_error_set(err, AG_FAIL, "%s:%u: not a JSON object (%s)", path, lineno,
                              obj ? "another JSON value" : jerr.text);
            json_decref(obj);
            break;
        }
        json_array_append_new(all, obj);
        const char *name = json_string_value(json_object_get(obj, "name"));
        const char *vers = json_string_value(json_object_get(obj, "vers"));
        if (name && vers && strcmp(name, art->name) == 0 && strcmp(vers, art->version) == 0) {
            if (found != NULL)
                rc = ag_error_set(err, AG_FAIL, "%s lists %s %s twice", path, art->name,
                                  art->version);
            found = obj;
        }
        line = nl ? nl + 1 : NULL;
    }
    if (rc == AG_OK && found == NULL)
        rc = ag_error_set(err, AG_FAIL, "%s does not list %s %s", path, art->name, art->version);
    free(text);
    free(path);
    if (rc != AG_OK) {
        json_decref(all);
        return NULL;
    }
    *lines = all;
    return found;
}
