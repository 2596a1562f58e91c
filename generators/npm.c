/* npm: a gzipped tarball under package/ and the registry's packument. */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "common/archive_reader.h"
#include "common/ecdsa.h"
#include "common/fsutil.h"
#include "common/generator.h"
#include "common/json_file.h"
#include "common/openpgp.h"
#include "common/package.h"
#include "common/strbuf.h"
#include "common/version_rules.h"
#include "common/units.h"
#include "generators/npm_sets.h"

#define NPM_DATA_FILE     "data.bin"
#define NPM_BAD_INTEGRITY "bad-integrity"
#define NPM_TRUNCATED     "truncated-tarball"

static int npm_bad_integrity_present(const char *out_root, const char *base_url,
                                     const struct artifact *art, struct ag_error *err);
static int npm_truncated_present(const char *out_root, const char *base_url,
                                 const struct artifact *art, struct ag_error *err);

static const struct defect npm_defects[] = {
    {NPM_BAD_INTEGRITY, "the packument's dist.integrity and shasum describe other bytes",
     "npm install fails with EINTEGRITY",
     "tarball whole and valid, listed by the packument, integrity and shasum both not its bytes'",
     npm_bad_integrity_present},
    {NPM_TRUNCATED, "the tarball is cut to half its length (integrity matches the cut bytes)",
     "npm install fails extracting: unexpected end of file",
     "packument integrity and shasum are the cut bytes', the tarball does not read",
     npm_truncated_present},
};

static const struct artifact_kind npm_kinds[] = {
    {"tgz", 1, 0},
};

static const struct package_field npm_fields[] = {
    {"license", "the package.json license (an SPDX identifier or expression)", "MIT"},
};

/* The rules of validate-npm-package-name for new packages. */
static int npm_check_name_part(const char *part, const char *name, struct ag_error *err)
{
    if (*part == '\0')
        return ag_error_set(err, AG_USAGE, "invalid npm name '%s': empty name or scope", name);
    if (*part == '.' || *part == '_')
        return ag_error_set(err, AG_USAGE, "invalid npm name '%s': may not start with '.' or '_'",
                            name);
    for (const char *c = part; *c; c++) {
        int ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' ||
                 *c == '_' || *c == '~';
        if (!ok)
            return ag_error_set(err, AG_USAGE,
                                "invalid npm name '%s': character '%c' not allowed (valid: "
                                "lowercase a-z, 0-9, '-', '.', '_', '~'; scoped as @scope/name)",
                                name, *c);
    }
    return AG_OK;
}

/* An SPDX license identifier or expression; it lands in package.json
 * and the packument, so nothing JSON would have to escape gets in. */
static int npm_check_license(const char *value, struct ag_error *err)
{
    int valid = value != NULL && *value != '\0' && strlen(value) <= 128;
    for (const char *c = value; valid && *c; c++)
        valid = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                strchr(".+-() :", *c) != NULL;
    if (!valid)
        return ag_error_set(err, AG_USAGE,
                            "invalid npm license '%s': an SPDX identifier or expression such as "
                            "MIT or (MIT OR Apache-2.0): letters, digits, '.', '+', '-', '(', "
                            "')', ':' and spaces",
                            value ? value : "");
    return AG_OK;
}

static int npm_check_package(const struct package_spec *spec, struct ag_error *err)
{
    if (spec->field_count > 0 &&
        npm_check_license(package_spec_field(spec, "license"), err) != AG_OK)
        return err->status;
    const char *name = spec->name;
    if (strlen(name) > 214)
        return ag_error_set(err, AG_USAGE, "invalid npm name '%s': longer than 214 characters",
                            name);
    if (strcmp(name, "node_modules") == 0 || strcmp(name, "favicon.ico") == 0)
        return ag_error_set(err, AG_USAGE, "invalid npm name '%s': a reserved name", name);
    if (name[0] == '@') {
        const char *slash = strchr(name, '/');
        if (slash == NULL || strchr(slash + 1, '/') != NULL)
            return ag_error_set(err, AG_USAGE,
                                "invalid npm name '%s': a scoped name is @scope/name", name);
        char *scope = xasprintf("%.*s", (int)(slash - name - 1), name + 1);
        int rc = npm_check_name_part(scope, name, err);
        free(scope);
        if (rc != AG_OK)
            return rc;
        if (npm_check_name_part(slash + 1, name, err) != AG_OK)
            return err->status;
    } else if (npm_check_name_part(name, name, err) != AG_OK) {
        return err->status;
    }
    if (!version_is_semver(spec->version))
        return ag_error_set(err, AG_USAGE,
                            "invalid npm version '%s': npm requires semantic versioning "
                            "(MAJOR.MINOR.PATCH[-prerelease][+build], e.g. 1.0.0)",
                            spec->version);
    return AG_OK;
}

/* "@scope/name" -> "name": the tarball's file name leaves the scope out. */
static const char *npm_basename(const char *name)
{
    const char *slash = strchr(name, '/');
    return slash ? slash + 1 : name;
}

static char *npm_tarball_path(const char *name, const char *version)
{
    return xasprintf("npm/%s/-/%s-%s.tgz", name, npm_basename(name), version);
}

static int npm_write_tarball(const struct package_spec *spec, const struct template_set *files,
                             struct artifact *art, struct ag_error *err)
{
    char *path = package_output_path(spec, art->path);
    struct atomic_file out;
    struct det_archive ar;
    struct archive_options options = {CONTAINER_TAR_PAX, COMPRESS_GZIP, -1, spec->epoch};
    unsigned mask = DIGEST_BIT(DIGEST_SHA256) | DIGEST_BIT(DIGEST_SHA512) | DIGEST_BIT(DIGEST_SHA1);
    int rc = atomic_file_open(&out, path, mask, err);
    free(path);
    if (rc != AG_OK)
        return rc;
    rc = det_archive_open(&ar, &out, &options, err);
    /* package.json leads, as npm pack writes it. */
    const struct template_file *manifest = template_set_find(files, "package.json");
    if (rc == AG_OK)
        rc = det_archive_add_buffer(&ar, "package/package.json", 0644, manifest->content,
                                    manifest->length, err);
    for (size_t i = 0; rc == AG_OK && i < files->count; i++) {
        if (&files->files[i] == manifest)
            continue;
        char *entry = xasprintf("package/%s", files->files[i].path);
        rc = det_archive_add_buffer(&ar, entry, files->files[i].mode, files->files[i].content,
                                    files->files[i].length, err);
        free(entry);
    }
    struct data_file_result data = {0};
    if (rc == AG_OK && spec->data_size > 0)
        rc = package_add_data_file(&ar, "package/" NPM_DATA_FILE, spec, &data, err);
    rc = package_finish_archive(&ar, &out, rc,
                                spec->defect && strcmp(spec->defect, NPM_TRUNCATED) == 0, err);
    if (rc != AG_OK)
        return rc;
    artifact_take_digests(art, &out);
    if (spec->data_size > 0)
        artifact_set_data(art, NPM_DATA_FILE, data.bytes, data.sha256);
    return AG_OK;
}

/* Renders the templates; package.json must be there and be JSON. */
static int npm_load_templates(const struct package_spec *spec, struct template_set *files,
                              struct ag_error *err)
{
    struct template_vars vars = {0};
    char scratch[256];
    package_template_vars(spec, &vars, scratch, sizeof scratch);
    if (template_load_dir(spec->template_dir, &vars, files, err) != AG_OK)
        return err->status;
    const struct template_file *manifest = template_set_find(files, "package.json");
    json_error_t jerr;
    json_t *parsed =
        manifest ? json_loadb(manifest->content, manifest->length, JSON_REJECT_DUPLICATES, &jerr)
                 : NULL;
    if (parsed == NULL) {
        template_set_free(files);
        if (manifest == NULL)
            return ag_error_set(err, AG_USAGE, "%s has no package.json template",
                                spec->template_dir);
        return ag_error_set(err, AG_USAGE, "%s/package.json renders to invalid JSON (%d:%d: %s)",
                            spec->template_dir, jerr.line, jerr.column, jerr.text);
    }
    /* The packument is built from the package's name and version: a
     * template that renders other ones makes a tarball its own verify
     * rejects. */
    const char *name = json_string_value(json_object_get(parsed, "name"));
    const char *version = json_string_value(json_object_get(parsed, "version"));
    int rc = AG_OK;
    if (name == NULL || strcmp(name, spec->name) != 0 || version == NULL ||
        strcmp(version, spec->version) != 0)
        rc = ag_error_set(err, AG_USAGE,
                          "%s/package.json must give \"name\": \"{{name}}\" and \"version\": "
                          "\"{{version}}\" (it renders %s@%s for package %s@%s)",
                          spec->template_dir, name ? name : "(not a string)",
                          version ? version : "(not a string)", spec->name, spec->version);
    json_decref(parsed);
    if (rc != AG_OK)
        template_set_free(files);
    return rc;
}

static int npm_check_templates(const struct package_spec *spec, struct ag_error *err)
{
    struct template_set files;
    if (npm_load_templates(spec, &files, err) != AG_OK)
        return err->status;
    template_set_free(&files);
    return AG_OK;
}

static int npm_generate(const struct package_spec *spec, struct artifact_list *list,
                        struct ag_error *err)
{
    struct template_set files;
    if (npm_load_templates(spec, &files, err) != AG_OK)
        return err->status;
    struct artifact art;
    package_row(&art, spec, "tgz", npm_tarball_path(spec->name, spec->version));
    /* The packument's version object is the tarball's package.json: kept
     * as the row's facts, so the index never reopens the tarball. */
    const struct template_file *manifest = template_set_find(&files, "package.json");
    json_t *package_json = json_loadb(manifest->content, manifest->length, 0, NULL);
    /* A set's dependencies go into the package.json the tarball holds. */
    if (spec->dependency_count > 0) {
        npm_add_dependencies(spec, package_json);
        char *text = json_dumps(package_json, JSON_INDENT(2));
        size_t len = strlen(text);
        char *with_newline = xasprintf("%s\n", text);
        free(text);
        template_set_replace(&files, "package.json", with_newline, len + 1);
    }
    art.facts = json_pack("{s:o}", "manifest", package_json);
    int rc = npm_write_tarball(spec, &files, &art, err);
    if (rc == AG_OK)
        artifact_list_add(list, &art);
    package_row_release(&art);
    template_set_free(&files);
    return rc;
}

/* The integrity string npm checks for bytes of this sha512 (hex):
 * "sha512-" and padded base64. */
static void npm_integrity_of(const char *sha512_hex, char *out)
{
    unsigned char sha512[64];
    strcpy(out, "sha512-");
    if (hex_decode(sha512_hex, sha512, sizeof sha512) == 64)
        digest_base64(sha512, sizeof sha512, out + 7);
}

/* What the packument says of a row's bytes: the truth, except in the
 * bad-integrity defect, whose integrity and shasum name other bytes. */
static void npm_integrity(const struct artifact *art, char *out)
{
    char sha512[129];
    strcpy(sha512, art->sha512);
    if (artifact_has_defect(art, NPM_BAD_INTEGRITY))
        hex_digest_corrupt(sha512);
    npm_integrity_of(sha512, out);
}

static void npm_shasum(const struct artifact *art, char *out)
{
    strcpy(out, art->sha1);
    if (artifact_has_defect(art, NPM_BAD_INTEGRITY))
        hex_digest_corrupt(out);
}

#define NPM_INTEGRITY_MAX (8 + 89)

/* "SHA256:" and unpadded base64 of the key's SHA-256, as the public
 * registry names its keys. */
static int npm_keyid(const unsigned char *der, size_t len, char *out, struct ag_error *err)
{
    unsigned char sha[DIGEST_MAX_BYTES];
    size_t n = 0;
    if (digest_buffer(DIGEST_SHA256, der, len, sha, &n, err) != AG_OK)
        return err->status;
    strcpy(out, "SHA256:");
    digest_base64(sha, n, out + 7);
    char *pad = strchr(out, '=');
    if (pad)
        *pad = '\0';
    return AG_OK;
}

/* dist.signatures: ECDSA P-256 over "<name>@<version>:<integrity>", as
 * `npm audit signatures` checks them against <registry>/-/npm/v1/keys. */
static json_t *npm_signatures(const struct ecdsa_key *key, const char *keyid,
                              const struct artifact *art, const char *integrity,
                              struct ag_error *err)
{
    char *message = xasprintf("%s@%s:%s", art->name, art->version, integrity);
    unsigned char der[128];
    size_t der_len = 0;
    int rc = ecdsa_sign(key, message, strlen(message), der, &der_len, err);
    free(message);
    if (rc != AG_OK)
        return NULL;
    char sig[256];
    digest_base64(der, der_len, sig);
    return json_pack("[{s:s,s:s}]", "keyid", keyid, "sig", sig);
}

/* The registry keys a packument is signed with: the published one, and
 * for a set's wrong-signer persona one that -/npm/v1/keys does not list. */
struct npm_keys {
    const struct ecdsa_key *project;
    char project_id[64];
    const struct ecdsa_key *wrong;
    char wrong_id[64];
};

static int npm_version_object(const struct index_request *req, const struct artifact *art,
                              const struct npm_keys *keys, json_t **out, struct ag_error *err)
{
    json_t *manifest = json_object_get(art->facts, "manifest");
    if (!json_is_object(manifest))
        return ag_error_set(err, AG_FAIL, "%s: the manifest row has no facts.manifest object",
                            art->path);
    json_t *version = json_deep_copy(manifest);
    char integrity[NPM_INTEGRITY_MAX];
    npm_integrity(art, integrity);
    json_t *dist = json_object();
    /* A set's signer personas: no signature, the unpublished key's, or
     * the project key's over another integrity. */
    const char *persona = art->signer ? art->signer : "";
    const struct ecdsa_key *key = keys->project;
    const char *keyid = keys->project_id;
    if (strcmp(persona, "unsigned") == 0)
        key = NULL;
    if (strcmp(persona, "wrong-signer") == 0) {
        key = keys->wrong;
        keyid = keys->wrong_id;
    }
    char signed_integrity[NPM_INTEGRITY_MAX];
    strcpy(signed_integrity, integrity);
    if (strcmp(persona, "other-bytes") == 0) {
        char sha512[129];
        strcpy(sha512, art->sha512);
        hex_digest_corrupt(sha512);
        npm_integrity_of(sha512, signed_integrity);
    }
    const char *yanked = artifact_fact(art, "yanked");
    if (yanked != NULL)
        json_object_set_new(version, "deprecated",
                            json_string(yanked[0] ? yanked : "this version is deprecated"));
    if (key != NULL) {
        json_t *signatures = npm_signatures(key, keyid, art, signed_integrity, err);
        if (signatures == NULL) {
            json_decref(version);
            json_decref(dist);
            return err->status;
        }
        json_object_set_new(dist, "signatures", signatures);
    }
    char *url = xasprintf("%s%s", req->base_url, art->path);
    json_object_set_new(dist, "tarball", json_string(url));
    free(url);
    json_object_set_new(dist, "integrity", json_string(integrity));
    char shasum[41];
    npm_shasum(art, shasum);
    json_object_set_new(dist, "shasum", json_string(shasum));
    json_object_set_new(version, "dist", dist);
    char *id = xasprintf("%s@%s", art->name, art->version);
    json_object_set_new(version, "_id", json_string(id));
    free(id);
    *out = version;
    return AG_OK;
}

/* Which version "latest" names: the newest neither a pre-release nor
 * deprecated, else the newest release, else the newest of all. */
static int npm_latest_rank(const struct artifact *art)
{
    int pre = version_is_prerelease(art->version);
    return pre ? 0 : artifact_fact(art, "yanked") ? 1 : 2;
}

/* The members of a version object that the abbreviated packument
 * (application/vnd.npm.install-v1+json) keeps. */
static json_t *npm_abbreviated_version(json_t *version)
{
    static const char *const keys[] = {
        "name",
        "version",
        "dependencies",
        "optionalDependencies",
        "devDependencies",
        "peerDependencies",
        "bundleDependencies",
        "bin",
        "directories",
        "dist",
        "engines",
        "deprecated",
        "os",
        "cpu",
    };
    json_t *out = json_object();
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        json_t *v = json_object_get(version, keys[k]);
        if (v != NULL)
            json_object_set(out, keys[k], v);
    }
    return out;
}

static int npm_write_packument(const struct index_request *req, const char *name,
                               const struct npm_keys *keys, struct ag_error *err)
{
    char when[32];
    format_iso8601(req->epoch, when, sizeof when);
    json_t *doc = json_object();
    json_t *versions = json_object();
    json_t *abbreviated = json_object();
    json_t *times = json_object();
    json_t *tags = json_object();
    const struct artifact *latest = NULL;
    int rc = AG_OK;
    for (size_t i = 0; i < req->count && rc == AG_OK; i++) {
        const struct artifact *art = &req->artifacts[i];
        if (strcmp(art->name, name) != 0 || strcmp(art->kind, "tgz") != 0)
            continue;
        json_t *version = NULL;
        rc = npm_version_object(req, art, keys, &version, err);
        if (rc != AG_OK)
            break;
        json_object_set_new(abbreviated, art->version, npm_abbreviated_version(version));
        json_object_set_new(versions, art->version, version);
        json_object_set_new(times, art->version, json_string(when));
        int rank = npm_latest_rank(art);
        int best = latest ? npm_latest_rank(latest) : -1;
        if (rank > best ||
            (rank == best && version_compare_semver(art->version, latest->version) > 0))
            latest = art;
        json_t *own = json_object_get(art->facts, "dist_tags");
        for (size_t t = 0; t < json_array_size(own); t++)
            if (json_is_string(json_array_get(own, t)))
                json_object_set_new(tags, json_string_value(json_array_get(own, t)),
                                    json_string(art->version));
    }
    if (rc == AG_OK) {
        if (latest && json_object_get(tags, "latest") == NULL)
            json_object_set_new(tags, "latest", json_string(latest->version));
        json_object_set_new(times, "created", json_string(when));
        json_object_set_new(times, "modified", json_string(when));
        json_object_set_new(doc, "_id", json_string(name));
        json_object_set_new(doc, "name", json_string(name));
        json_object_set(doc, "dist-tags", tags);
        json_object_set(doc, "versions", versions);
        json_object_set(doc, "time", times);
        json_object_set_new(doc, "modified", json_string(when));
        char *path = xasprintf("npm/%s/index.json", name);
        rc = repo_stage_put_json(req->stage, path, doc, REPO_LISTING, err);
        free(path);
    }
    if (rc == AG_OK) {
        json_t *corgi = json_pack("{s:s,s:s,s:O,s:O}", "name", name, "modified", when, "dist-tags",
                                  tags, "versions", abbreviated);
        char *path = xasprintf("npm/%s/install-v1.json", name);
        rc = repo_stage_put_json(req->stage, path, corgi, REPO_LISTING, err);
        free(path);
        json_decref(corgi);
    }
    if (rc == AG_OK) {
        char *path = xasprintf("npm/-/package/%s/dist-tags", name);
        rc = repo_stage_put_json(req->stage, path, tags, REPO_LISTING, err);
        free(path);
    }
    json_decref(versions);
    json_decref(abbreviated);
    json_decref(times);
    json_decref(tags);
    json_decref(doc);
    return rc;
}

/* <registry>/-/npm/v1/keys: the key list npm audit signatures fetches. */
static int npm_key_id(const struct ecdsa_key *key, char *keyid, unsigned char **der, size_t *len,
                      struct ag_error *err)
{
    if (ecdsa_public_der(key, der, len, err) != AG_OK)
        return err->status;
    if (npm_keyid(*der, *len, keyid, err) != AG_OK) {
        free(*der);
        *der = NULL;
        return err->status;
    }
    return AG_OK;
}

static int npm_write_keys(const struct index_request *req, const struct ecdsa_key *key, char *keyid,
                          struct ag_error *err)
{
    unsigned char *der = NULL;
    size_t len = 0;
    if (npm_key_id(key, keyid, &der, &len, err) != AG_OK)
        return err->status;
    char *b64 = xmalloc(base64_len(len) + 1);
    digest_base64(der, len, b64);
    json_t *doc =
        json_pack("{s:[{s:n,s:s,s:s,s:s,s:s}]}", "keys", "expires", "keyid", keyid, "keytype",
                  "ecdsa-sha2-nistp256", "scheme", "ecdsa-sha2-nistp256", "key", b64);
    int rc = repo_stage_put_json(req->stage, "npm/-/npm/v1/keys", doc, REPO_LEAF, err);
    json_decref(doc);
    free(b64);
    free(der);
    return rc;
}

/* clients/.npmrc: the registry, and over HTTPS the test CA itself (npm
 * takes the certificate inline, so the file works wherever it is). */
static int npm_write_npmrc(const struct index_request *req, struct ag_error *err)
{
    struct strbuf rc_text = {0};
    strbuf_addf(&rc_text, "registry=%snpm/\naudit=false\nfund=false\nupdate-notifier=false\n",
                req->base_url);
    if (req->ca_pem != NULL && strncmp(req->base_url, "https:", 6) == 0) {
        strbuf_adds(&rc_text, "ca=\"");
        for (const char *c = req->ca_pem; *c; c++) {
            if (*c == '\n' && c[1] != '\0')
                strbuf_adds(&rc_text, "\\n");
            else if (*c != '\n' && *c != '\r')
                strbuf_add(&rc_text, c, 1);
        }
        strbuf_adds(&rc_text, "\"\n");
    }
    size_t len = 0;
    char *text = strbuf_detach(&rc_text, &len);
    int rc = repo_stage_put(req->stage, "clients/.npmrc", text, len, REPO_LEAF, err);
    free(text);
    return rc;
}

static int npm_write_index(const struct index_request *req, struct ag_error *err)
{
    struct npm_keys keys = {.project = signer_registry_key(req->signer),
                            .wrong = signer_registry_key(req->wrong_signer)};
    if (keys.project != NULL && npm_write_keys(req, keys.project, keys.project_id, err) != AG_OK)
        return err->status;
    if (keys.wrong != NULL) {
        unsigned char *der = NULL;
        size_t len = 0;
        if (npm_key_id(keys.wrong, keys.wrong_id, &der, &len, err) != AG_OK)
            return err->status;
        free(der);
    }
    for (size_t i = 0; i < req->count; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(req->artifacts[j].name, req->artifacts[i].name) == 0;
        if (!seen && npm_write_packument(req, req->artifacts[i].name, &keys, err) != AG_OK)
            return err->status;
    }
    /* What `npm ping` and a proxy's health check ask. */
    if (req->count > 0 &&
        repo_stage_put(req->stage, "npm/-/ping", "{}\n", 3, REPO_LEAF, err) != AG_OK)
        return err->status;
    return npm_write_npmrc(req, err);
}

static int npm_verify_signature(const char *out_root, const struct artifact *art,
                                const char *integrity, json_t *signatures, struct ag_error *err);

/* A set's signer persona holds: no signature for unsigned, one by a key
 * the key list does not hold for wrong-signer, one by the listed key
 * that does not verify for other-bytes. */
static int npm_check_persona(const char *out_root, const struct artifact *art,
                             const char *integrity, json_t *signatures, struct ag_error *err)
{
    const char *persona = art->signer;
    if (strcmp(persona, "unsigned") == 0)
        return signatures == NULL ? AG_OK
                                  : ag_error_set(err, AG_FAIL,
                                                 "signer persona unsigned, but the packument "
                                                 "signs %s@%s",
                                                 art->name, art->version);
    if (signatures == NULL)
        return ag_error_set(err, AG_FAIL, "signer persona %s, but %s@%s has no dist.signatures",
                            persona, art->name, art->version);
    struct ag_error why = {0};
    int rc = npm_verify_signature(out_root, art, integrity, signatures, &why);
    int unknown_key = strstr(why.message, "not in the key list") != NULL;
    if (rc == AG_OK)
        return ag_error_set(err, AG_FAIL,
                            "signer persona %s, but the registry signature of %s@%s verifies",
                            persona, art->name, art->version);
    if (strcmp(persona, "wrong-signer") == 0 && !unknown_key)
        return ag_error_set(err, AG_FAIL,
                            "signer persona wrong-signer: the signature should name a key the "
                            "key list does not hold, but: %s",
                            why.message);
    if (strcmp(persona, "other-bytes") == 0 && unknown_key)
        return ag_error_set(err, AG_FAIL,
                            "signer persona other-bytes: the signature should be the listed "
                            "key's, but: %s",
                            why.message);
    return AG_OK;
}

/* Checks dist.signatures against the published key list. */
static int npm_verify_signature(const char *out_root, const struct artifact *art,
                                const char *integrity, json_t *signatures, struct ag_error *err)
{
    char *path = xasprintf("%s/npm/-/npm/v1/keys", out_root);
    json_t *keys = NULL;
    int rc = json_read_file(path, &keys, err);
    free(path);
    if (rc != AG_OK)
        return ag_error_prefix(err, "packument of %s is signed but: ", art->name);
    json_t *sig = json_array_get(signatures, 0);
    const char *keyid = json_string_value(json_object_get(sig, "keyid"));
    const char *sig_b64 = json_string_value(json_object_get(sig, "sig"));
    const char *key_b64 = NULL;
    json_t *k;
    size_t i;
    json_array_foreach(json_object_get(keys, "keys"), i, k)
    {
        const char *id = json_string_value(json_object_get(k, "keyid"));
        if (id && keyid && strcmp(id, keyid) == 0)
            key_b64 = json_string_value(json_object_get(k, "key"));
    }
    unsigned char der[512], raw[256];
    int der_len = key_b64 && strlen(key_b64) < 680
                      ? EVP_DecodeBlock(der, (const unsigned char *)key_b64, (int)strlen(key_b64))
                      : -1;
    int raw_len = sig_b64 && strlen(sig_b64) < 340
                      ? EVP_DecodeBlock(raw, (const unsigned char *)sig_b64, (int)strlen(sig_b64))
                      : -1;
    if (key_b64 == NULL || der_len <= 0 || raw_len <= 0) {
        rc =
            ag_error_set(err, AG_FAIL, "packument of %s@%s: signature keyid %s not in the key list",
                         art->name, art->version, keyid ? keyid : "(none)");
    } else {
        /* Base64 decoding pads to whole groups: drop the '=' bytes. */
        der_len -= (int)(strlen(key_b64) - strcspn(key_b64, "="));
        raw_len -= (int)(strlen(sig_b64) - strcspn(sig_b64, "="));
        char *message = xasprintf("%s@%s:%s", art->name, art->version, integrity);
        rc =
            ecdsa_verify(der, (size_t)der_len, message, strlen(message), raw, (size_t)raw_len, err);
        free(message);
        if (rc != AG_OK)
            ag_error_prefix(err, "packument of %s@%s: ", art->name, art->version);
    }
    json_decref(keys);
    return rc;
}

/* Verify reads the bytes itself: the integrity and shasum they call for,
 * whatever the row or the writer say. */
struct npm_bytes {
    char integrity[NPM_INTEGRITY_MAX];
    char sha1[41];
};

static int npm_read_bytes(const char *out_root, const struct artifact *art, struct npm_bytes *b,
                          struct ag_error *err)
{
    char *path = xasprintf("%s/%s", out_root, art->path);
    struct digest_set d;
    uint64_t bytes = 0;
    int rc =
        digest_file(path, DIGEST_BIT(DIGEST_SHA1) | DIGEST_BIT(DIGEST_SHA512), &d, &bytes, err);
    free(path);
    if (rc != AG_OK)
        return rc;
    char sha512[129];
    digest_hex(d.value[DIGEST_SHA512], 64, sha512);
    digest_hex(d.value[DIGEST_SHA1], 20, b->sha1);
    digest_set_free(&d);
    npm_integrity_of(sha512, b->integrity);
    return AG_OK;
}

/* The packument's dist for the row's version (a reference into *doc). */
static int npm_read_dist(const char *out_root, const char *base_url, const struct artifact *art,
                         json_t **doc, json_t **dist, struct ag_error *err)
{
    char *path = xasprintf("%s/npm/%s/index.json", out_root, art->name);
    int rc = json_read_file(path, doc, err);
    free(path);
    if (rc != AG_OK)
        return rc;
    *dist =
        json_object_get(json_object_get(json_object_get(*doc, "versions"), art->version), "dist");
    const char *got_url = json_string_value(json_object_get(*dist, "tarball"));
    char *url = xasprintf("%s%s", base_url, art->path);
    if (*dist == NULL)
        rc = ag_error_set(err, AG_FAIL, "packument of %s does not list version %s", art->name,
                          art->version);
    else if (got_url == NULL || strcmp(got_url, url) != 0)
        rc = ag_error_set(err, AG_FAIL, "packument tarball URL of %s@%s is %s, expected %s",
                          art->name, art->version, got_url ? got_url : "(none)", url);
    free(url);
    if (rc != AG_OK) {
        json_decref(*doc);
        *doc = NULL;
    }
    return rc;
}

/* The packument's dist for the row, set against the bytes. */
struct npm_listing {
    json_t *doc; /* the packument, released by the caller */
    json_t *dist;
    int integrity_true; /* dist.integrity is the bytes' */
    int shasum_true;    /* dist.shasum is the bytes' */
    char integrity[NPM_INTEGRITY_MAX];
};

static int npm_compare_listing(const char *out_root, const char *base_url,
                               const struct artifact *art, struct npm_listing *l,
                               struct ag_error *err)
{
    struct npm_bytes bytes;
    l->doc = NULL;
    if (npm_read_bytes(out_root, art, &bytes, err) != AG_OK ||
        npm_read_dist(out_root, base_url, art, &l->doc, &l->dist, err) != AG_OK)
        return err->status;
    const char *integrity = json_string_value(json_object_get(l->dist, "integrity"));
    const char *shasum = json_string_value(json_object_get(l->dist, "shasum"));
    l->integrity_true = integrity != NULL && strcmp(integrity, bytes.integrity) == 0;
    l->shasum_true = shasum != NULL && strcmp(shasum, bytes.sha1) == 0;
    strcpy(l->integrity, bytes.integrity);
    return AG_OK;
}

static int npm_verify_packument(const char *out_root, const char *base_url,
                                const struct artifact *art, struct ag_error *err)
{
    struct npm_listing l;
    if (npm_compare_listing(out_root, base_url, art, &l, err) != AG_OK)
        return err->status;
    int rc = AG_OK;
    if (!l.integrity_true)
        rc = ag_error_set(err, AG_FAIL, "packument integrity of %s@%s does not match the bytes",
                          art->name, art->version);
    else if (!l.shasum_true)
        rc = ag_error_set(err, AG_FAIL, "packument shasum of %s@%s does not match the bytes",
                          art->name, art->version);
    json_t *signatures = json_object_get(l.dist, "signatures");
    char *keys = xasprintf("%s/npm/-/npm/v1/keys", out_root);
    if (rc == AG_OK && art->signer != NULL) {
        free(keys);
        rc = npm_check_persona(out_root, art, l.integrity, signatures, err);
        json_decref(l.doc);
        return rc;
    }
    /* A published key list means every packument version is signed. */
    if (rc == AG_OK && signatures == NULL && path_exists(keys))
        rc = ag_error_set(err, AG_FAIL,
                          "packument of %s@%s has no dist.signatures, but the registry "
                          "publishes signing keys",
                          art->name, art->version);
    free(keys);
    if (rc == AG_OK && signatures != NULL)
        rc = npm_verify_signature(out_root, art, l.integrity, signatures, err);
    json_decref(l.doc);
    return rc;
}

/* The tarball alone: gzip, package.json naming the row, every entry
 * under package/, the data file's digest. */
static int npm_verify_tarball(const char *out_root, const struct artifact *art,
                              struct ag_error *err)
{
    char *path = xasprintf("%s/%s", out_root, art->path);
    struct archive_scan scan;
    int rc = archive_scan_file(path, ARCHIVE_SCAN_DIGESTS, &scan, err);
    free(path);
    if (rc != AG_OK)
        return rc;
    const struct archive_member *pj = archive_scan_find(&scan, "package/package.json");
    json_t *meta = pj && pj->content ? json_loads(pj->content, 0, NULL) : NULL;
    const char *name = json_string_value(json_object_get(meta, "name"));
    const char *version = json_string_value(json_object_get(meta, "version"));
    if (strcmp(scan.filter, "gzip") != 0)
        rc = ag_error_set(err, AG_FAIL, "%s is not gzip-compressed (%s)", art->path, scan.filter);
    else if (meta == NULL)
        rc = ag_error_set(err, AG_FAIL, "%s: package/package.json missing or not JSON", art->path);
    else if (!name || strcmp(name, art->name) != 0 || !version ||
             strcmp(version, art->version) != 0)
        rc =
            ag_error_set(err, AG_FAIL, "%s: package.json says %s@%s, the manifest %s@%s", art->path,
                         name ? name : "?", version ? version : "?", art->name, art->version);
    for (size_t i = 0; rc == AG_OK && i < scan.count; i++)
        if (strncmp(scan.members[i].path, "package/", 8) != 0)
            rc = ag_error_set(err, AG_FAIL, "%s: entry %s is outside package/", art->path,
                              scan.members[i].path);
    if (rc == AG_OK && art->data_path) {
        char *entry = xasprintf("package/%s", art->data_path);
        rc = archive_scan_check_entry(&scan, entry, art->data_sha256, art->path, err);
        free(entry);
    }
    json_decref(meta);
    archive_scan_free(&scan);
    return rc;
}

static int npm_verify_artifact(const char *out_root, const char *base_url,
                               const struct artifact *art, struct ag_error *err)
{
    if (npm_verify_tarball(out_root, art, err) != AG_OK)
        return err->status;
    /* A republished copy is listed nowhere. */
    return art->unlisted ? AG_OK : npm_verify_packument(out_root, base_url, art, err);
}

/* bad-integrity: the tarball is whole and valid and the packument lists
 * it, but both its integrity and its shasum name other bytes. */
static int npm_bad_integrity_present(const char *out_root, const char *base_url,
                                     const struct artifact *art, struct ag_error *err)
{
    if (npm_verify_tarball(out_root, art, err) != AG_OK)
        return ag_error_prefix(err, "the tarball itself is broken, not only its integrity: ");
    struct npm_listing l;
    if (npm_compare_listing(out_root, base_url, art, &l, err) != AG_OK)
        return err->status;
    json_decref(l.doc);
    if (l.integrity_true)
        return ag_error_set(err, AG_FAIL, "the packument's integrity matches the bytes");
    if (l.shasum_true)
        return ag_error_set(err, AG_FAIL, "the packument's shasum matches the bytes");
    return AG_OK;
}

/* truncated-tarball: the packument describes the cut bytes truly, and
 * the cut tarball does not read. */
static int npm_truncated_present(const char *out_root, const char *base_url,
                                 const struct artifact *art, struct ag_error *err)
{
    struct npm_listing l;
    if (npm_compare_listing(out_root, base_url, art, &l, err) != AG_OK)
        return err->status;
    json_decref(l.doc);
    if (!l.integrity_true || !l.shasum_true)
        return ag_error_set(err, AG_FAIL,
                            "the packument's integrity or shasum does not match the cut bytes, "
                            "so a client would refuse the digest, not the truncation");
    struct ag_error whole = {0};
    if (npm_verify_tarball(out_root, art, &whole) == AG_OK)
        return ag_error_set(err, AG_FAIL, "the tarball reads whole");
    return AG_OK;
}

const struct generator npm_generator = {
    .name = "npm",
    .summary = "npm tarball (.tgz) and packument",
    .container_overhead = 64 * 1024,
    .kinds = npm_kinds,
    .kind_count = sizeof npm_kinds / sizeof npm_kinds[0],
    .sign_modes = SIGN_REGISTRY,
    .fields = npm_fields,
    .field_count = sizeof npm_fields / sizeof npm_fields[0],
    .defects = npm_defects,
    .defect_count = sizeof npm_defects / sizeof npm_defects[0],
    .sets = &npm_set_support,
    .purl = npm_purl,
    .check_package = npm_check_package,
    .check_templates = npm_check_templates,
    .generate = npm_generate,
    .write_index = npm_write_index,
    .verify_artifact = npm_verify_artifact,
};
