/* The yum repository: repodata/ written by libcreaterepo_c from the
 * rows' facts (never the packages), repomd.xml signed, and the dnf
 * .repo file. A defect in repository metadata has a repository of its
 * own, so the good one stays clean. */
#include <createrepo_c/createrepo_c.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/gzip_buffer.h"
#include "common/fsutil.h"
#include "common/openpgp.h"
#include "common/strbuf.h"
#include "generators/rpm.h"

static const char *fact_str(json_t *facts, const char *key, const char *dflt)
{
    const char *v = json_string_value(json_object_get(facts, key));
    return v ? v : dflt;
}

static gint64 fact_int(json_t *facts, const char *key)
{
    return (gint64)json_integer_value(json_object_get(facts, key));
}

static GSList *deps_of(cr_Package *pkg, json_t *list)
{
    GSList *out = NULL;
    size_t i;
    json_t *d;
    json_array_foreach(list, i, d)
    {
        cr_Dependency *dep = cr_dependency_new();
        dep->name = cr_safe_string_chunk_insert(pkg->chunk, fact_str(d, "name", ""));
        dep->flags = cr_safe_string_chunk_insert(pkg->chunk, fact_str(d, "flags", NULL));
        dep->epoch = cr_safe_string_chunk_insert(pkg->chunk, fact_str(d, "epoch", NULL));
        dep->version = cr_safe_string_chunk_insert(pkg->chunk, fact_str(d, "ver", NULL));
        dep->release = cr_safe_string_chunk_insert(pkg->chunk, fact_str(d, "rel", NULL));
        out = g_slist_append(out, dep);
    }
    return out;
}

/* The package as createrepo would read it from the .rpm, from the row:
 * pkgid is the file's sha256, the name the row's (name-mismatch keeps
 * its other name in the header only). */
static cr_Package *package_of(const struct artifact *art, int64_t epoch, const char *repo_dir)
{
    json_t *f = art->facts;
    cr_Package *pkg = cr_package_new();
    GStringChunk *c = pkg->chunk;
    pkg->pkgId = cr_safe_string_chunk_insert(c, art->sha256);
    pkg->name = cr_safe_string_chunk_insert(c, art->name);
    pkg->arch = cr_safe_string_chunk_insert(c, fact_str(f, "arch", "noarch"));
    pkg->version = cr_safe_string_chunk_insert(c, art->version);
    pkg->epoch = cr_safe_string_chunk_insert(c, fact_str(f, "epoch", "0"));
    pkg->release = cr_safe_string_chunk_insert(c, fact_str(f, "release", "1"));
    pkg->summary = cr_safe_string_chunk_insert(c, fact_str(f, "summary", ""));
    pkg->description = cr_safe_string_chunk_insert(c, fact_str(f, "description", ""));
    pkg->url = cr_safe_string_chunk_insert(c, fact_str(f, "url", NULL));
    pkg->time_file = epoch;
    pkg->time_build = epoch;
    pkg->rpm_license = cr_safe_string_chunk_insert(c, fact_str(f, "license", ""));
    pkg->rpm_group = cr_safe_string_chunk_insert(c, fact_str(f, "group", ""));
    pkg->rpm_packager = cr_safe_string_chunk_insert(c, fact_str(f, "packager", NULL));
    pkg->rpm_buildhost = cr_safe_string_chunk_insert(c, fact_str(f, "buildhost", ""));
    pkg->rpm_sourcerpm = cr_safe_string_chunk_insert(c, fact_str(f, "sourcerpm", ""));
    pkg->rpm_header_start = fact_int(f, "header_start");
    pkg->rpm_header_end = fact_int(f, "header_end");
    pkg->size_package = (gint64)art->bytes;
    pkg->size_installed = fact_int(f, "installed_size");
    pkg->size_archive = fact_int(f, "archive_size");
    size_t skip = strlen(repo_dir) + 1;
    pkg->location_href = cr_safe_string_chunk_insert(c, art->path + skip);
    pkg->checksum_type = cr_safe_string_chunk_insert(c, "sha256");
    pkg->provides = deps_of(pkg, json_object_get(f, "provides"));
    pkg->requires = deps_of(pkg, json_object_get(f, "requires"));
    pkg->recommends = deps_of(pkg, json_object_get(f, "recommends"));
    pkg->conflicts = deps_of(pkg, json_object_get(f, "conflicts"));
    size_t i;
    json_t *file;
    json_array_foreach(json_object_get(f, "files"), i, file)
    {
        const char *path = fact_str(file, "path", "/");
        const char *slash = strrchr(path, '/');
        cr_PackageFile *pf = cr_package_file_new();
        pf->type = cr_safe_string_chunk_insert(
            c, strcmp(fact_str(file, "type", ""), "dir") == 0 ? "dir" : "");
        char *dir = g_strndup(path, (gsize)(slash + 1 - path));
        pf->path = cr_safe_string_chunk_insert(c, dir);
        g_free(dir);
        pf->name = cr_safe_string_chunk_insert(c, slash + 1);
        pkg->files = g_slist_append(pkg->files, pf);
    }
    return pkg;
}

static int compare_rows(const void *a, const void *b)
{
    const struct artifact *x = *(const struct artifact *const *)a;
    const struct artifact *y = *(const struct artifact *const *)b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->path, y->path);
}

static int gerror_fail(struct ag_error *err, GError *gerr, const char *what)
{
    ag_error_set(err, AG_FAIL, "%s: %s", what, gerr ? gerr->message : "createrepo_c failed");
    if (gerr)
        g_error_free(gerr);
    return err->status;
}

/* The opening and closing of each metadata file around its package
 * entries, as createrepo_c writes them. */
static const char *const xml_open[] = {
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata "
    "xmlns=\"http://linux.duke.edu/metadata/common\" "
    "xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\"",
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<filelists "
    "xmlns=\"http://linux.duke.edu/metadata/filelists\" packages=\"",
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<otherdata "
    "xmlns=\"http://linux.duke.edu/metadata/other\" packages=\""};
static const char *const xml_close[] = {"</metadata>", "</filelists>", "</otherdata>"};

/* One repository: repodata/ for rows (all of its repo_dir). Each package
 * entry is createrepo_c's (cr_xml_dump); the files are written through
 * the stage, under their content-addressed names, so a failed write is
 * the run's like any other. */
static int write_repo(const struct index_request *req, const char *repo_dir,
                      const struct artifact **rows, size_t n, int corrupt_primary,
                      struct ag_error *err)
{
    static const char *const types[] = {"primary", "filelists", "other"};
    struct strbuf xml[3] = {{0}, {0}, {0}};
    char *path[3] = {NULL, NULL, NULL};
    GError *gerr = NULL;
    int rc = AG_OK;
    for (int t = 0; t < 3; t++)
        strbuf_addf(&xml[t], "%s%zu\">\n", xml_open[t], n);
    for (size_t i = 0; rc == AG_OK && i < n; i++) {
        cr_Package *pkg = package_of(rows[i], req->epoch, repo_dir);
        struct cr_XmlStruct dumped = cr_xml_dump(pkg, &gerr);
        if (dumped.primary == NULL || dumped.filelists == NULL || dumped.other == NULL)
            rc = gerror_fail(err, gerr, rows[i]->path);
        else {
            strbuf_adds(&xml[0], dumped.primary);
            strbuf_adds(&xml[1], dumped.filelists);
            strbuf_adds(&xml[2], dumped.other);
        }
        g_free(dumped.primary);
        g_free(dumped.filelists);
        g_free(dumped.other);
        cr_package_free(pkg);
    }
    for (int t = 0; rc == AG_OK && t < 3; t++) {
        strbuf_adds(&xml[t], xml_close[t]);
        struct strbuf gz = {0};
        rc = gzip_buffer(xml[t].data, xml[t].len, &gz, err);
        char hex[2 * DIGEST_MAX_BYTES + 1] = "";
        if (rc == AG_OK)
            rc = digest_buffer_hex(DIGEST_SHA256, gz.data, gz.len, hex, err);
        char *rel = xasprintf("%s/repodata/%s-%s.xml.gz", repo_dir, hex, types[t]);
        if (rc == AG_OK)
            rc = repo_stage_put(req->stage, rel, gz.data, gz.len, REPO_LISTING, err);
        if (rc == AG_OK)
            path[t] = repo_stage_path(req->stage, rel);
        free(rel);
        strbuf_free(&gz);
    }

    cr_Repomd *repomd = cr_repomd_new();
    char *revision = xasprintf("%lld", (long long)req->epoch);
    cr_repomd_set_revision(repomd, revision);
    free(revision);
    for (int t = 0; rc == AG_OK && t < 3; t++) {
        cr_RepomdRecord *rec = cr_repomd_record_new(types[t], path[t]);
        if (cr_repomd_record_fill(rec, CR_CHECKSUM_SHA256, &gerr) != CRE_OK) {
            rc = gerror_fail(err, gerr, path[t]);
            cr_repomd_record_free(rec);
            break;
        }
        /* Content-addressed names (given above): a client mid-publish
         * never reads a listing that repomd.xml does not name. */
        rec->timestamp = req->epoch;
        if (corrupt_primary && t == 0) {
            char *wrong = g_strdup(rec->checksum);
            hex_digest_corrupt(wrong);
            rec->checksum = cr_safe_string_chunk_insert(rec->chunk, wrong);
            g_free(wrong);
        }
        cr_repomd_set_record(repomd, rec);
    }
    char *xml_text = rc == AG_OK ? cr_xml_dump_repomd(repomd, &gerr) : NULL;
    if (rc == AG_OK && xml_text == NULL)
        rc = gerror_fail(err, gerr, "repomd.xml");
    cr_repomd_free(repomd);
    char *repomd_rel = xasprintf("%s/repodata/repomd.xml", repo_dir);
    if (rc == AG_OK)
        rc = repo_stage_put(req->stage, repomd_rel, xml_text, strlen(xml_text), REPO_ROOT, err);
    if (rc == AG_OK && req->signer) {
        char *sig = NULL;
        size_t sig_len = 0;
        rc = signer_sign_buffer(req->signer, xml_text, strlen(xml_text), 1, &sig, &sig_len, err);
        char *asc = xasprintf("%s.asc", repomd_rel);
        if (rc == AG_OK)
            rc = repo_stage_put(req->stage, asc, sig, sig_len, REPO_SIGNATURE, err);
        free(asc);
        free(sig);
    }
    free(repomd_rel);
    free(xml_text);
    for (int t = 0; t < 3; t++) {
        strbuf_free(&xml[t]);
        free(path[t]);
    }
    return rc;
}

/* A value on one line of a .repo file (INI): no line break or control
 * character can be carried. */
static int ini_value(const char *value, const char *what, struct ag_error *err)
{
    for (const char *c = value; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return ag_error_set(err, AG_USAGE,
                                "clients/assetgen.repo cannot carry %s '%s': it holds a control "
                                "character (one line of text is valid)",
                                what, value);
    return AG_OK;
}

static int write_repo_file(const struct index_request *req, struct ag_error *err)
{
    int https = strncmp(req->base_url, "https:", 6) == 0;
    int with_ca = https && req->ca_pem != NULL && req->published_root != NULL;
    if (ini_value(req->base_url, "the base URL", err) != AG_OK ||
        (with_ca && ini_value(req->published_root, "the output path", err) != AG_OK))
        return err->status;
    int signed_repo = req->signer != NULL;
    struct strbuf out = {0};
    strbuf_addf(&out,
                "[assetgen]\nname=assetgen test packages\nbaseurl=%srpm/\nenabled=1\n"
                "gpgcheck=%d\nrepo_gpgcheck=%d\n",
                req->base_url, signed_repo, signed_repo);
    if (signed_repo)
        strbuf_addf(&out, "gpgkey=%skeys/gpg-signing.asc\n", req->base_url);
    /* dnf takes the CA as a file: the absolute path the tree lands in. */
    if (with_ca)
        strbuf_addf(&out, "sslcacert=%s/keys/ca.crt\nsslverify=1\n", req->published_root);
    strbuf_adds(&out, "metadata_expire=0\n");
    int rc = repo_stage_put(req->stage, "clients/assetgen.repo", out.data, out.len, REPO_LEAF, err);
    strbuf_free(&out);
    return rc;
}

int rpm_write_index(const struct index_request *req, struct ag_error *err)
{
    if (write_repo_file(req, err) != AG_OK)
        return err->status;
    const struct artifact **rows = xcalloc(req->count + 1, sizeof *rows);
    size_t n = 0;
    for (size_t i = 0; i < req->count; i++)
        if (strcmp(req->artifacts[i].kind, RPM_KIND) == 0)
            rows[n++] = &req->artifacts[i];
    qsort(rows, n, sizeof *rows, compare_rows);
    /* The good repository, then one per repository-level defect. */
    const struct artifact **mine = xcalloc(n + 1, sizeof *mine);
    int rc = AG_OK;
    const char *dirs[] = {NULL, RPM_REPOMD_DIGEST, RPM_NAME_MISMATCH};
    for (size_t d = 0; rc == AG_OK && d < 3; d++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            const char *defect = rpm_defect_has_own_repo(rows[i]->defect) ? rows[i]->defect : NULL;
            if ((dirs[d] == NULL && defect == NULL) ||
                (dirs[d] && defect && strcmp(dirs[d], defect) == 0))
                mine[m++] = rows[i];
        }
        if (m == 0 && d > 0)
            continue;
        char *repo_dir = dirs[d] ? xasprintf("rpm/defect/%s", dirs[d]) : xstrdup("rpm");
        rc = write_repo(req, repo_dir, mine, m, d == 1, err);
        free(repo_dir);
    }
    free(mine);
    free(rows);
    return rc;
}

/* ---- reading the repository back ---- */

struct find_ctx {
    const char *pkgid;
    const char *name;
    struct rpm_primary_entry *entry;
    int found;
};

static int find_pkg_cb(cr_Package *pkg, void *data, GError **gerr)
{
    (void)gerr;
    struct find_ctx *ctx = data;
    int match =
        pkg->location_href && ctx->name && strstr(ctx->name, pkg->location_href) &&
        strlen(pkg->location_href) > 0 &&
        strcmp(ctx->name + strlen(ctx->name) - strlen(pkg->location_href), pkg->location_href) == 0;
    if (match && !ctx->found) {
        struct rpm_primary_entry *e = ctx->entry;
        e->name = xstrdup(pkg->name ? pkg->name : "");
        e->epoch = xstrdup(pkg->epoch ? pkg->epoch : "0");
        e->version = xstrdup(pkg->version ? pkg->version : "");
        e->release = xstrdup(pkg->release ? pkg->release : "");
        e->arch = xstrdup(pkg->arch ? pkg->arch : "");
        e->checksum = xstrdup(pkg->pkgId ? pkg->pkgId : "");
        e->location = xstrdup(pkg->location_href);
        e->size = (uint64_t)pkg->size_package;
        ctx->found = 1;
    }
    cr_package_free(pkg);
    return CR_CB_RET_OK;
}

static cr_Repomd *read_repomd(const char *out_root, const char *repo_dir, struct ag_error *err)
{
    char *path = xasprintf("%s/%s/repodata/repomd.xml", out_root, repo_dir);
    cr_Repomd *repomd = cr_repomd_new();
    GError *gerr = NULL;
    if (cr_xml_parse_repomd(path, repomd, NULL, NULL, &gerr) != CRE_OK) {
        gerror_fail(err, gerr, path);
        cr_repomd_free(repomd);
        repomd = NULL;
    }
    free(path);
    return repomd;
}

int rpm_read_primary(const char *out_root, const struct artifact *art,
                     struct rpm_primary_entry *entry, struct ag_error *err)
{
    memset(entry, 0, sizeof *entry);
    char *repo_dir = rpm_repo_dir(art);
    cr_Repomd *repomd = read_repomd(out_root, repo_dir, err);
    if (repomd == NULL) {
        free(repo_dir);
        return err->status;
    }
    cr_RepomdRecord *rec = cr_repomd_get_record(repomd, "primary");
    int rc = AG_OK;
    if (rec == NULL || rec->location_href == NULL ||
        relative_path_problem(rec->location_href) != NULL)
        rc = ag_error_set(err, AG_FAIL, "%s/repodata/repomd.xml names no primary", repo_dir);
    if (rc == AG_OK) {
        char *path = xasprintf("%s/%s/%s", out_root, repo_dir, rec->location_href);
        struct find_ctx ctx = {art->sha256, art->path, entry, 0};
        GError *gerr = NULL;
        if (cr_xml_parse_primary(path, NULL, NULL, find_pkg_cb, &ctx, NULL, NULL, 0, &gerr) !=
            CRE_OK)
            rc = gerror_fail(err, gerr, path);
        else if (!ctx.found)
            rc = ag_error_set(err, AG_FAIL, "%s/%s does not list %s", repo_dir, rec->location_href,
                              art->path);
        free(path);
    }
    cr_repomd_free(repomd);
    free(repo_dir);
    if (rc != AG_OK)
        rpm_primary_entry_free(entry);
    return rc;
}

void rpm_primary_entry_free(struct rpm_primary_entry *entry)
{
    free(entry->name);
    free(entry->epoch);
    free(entry->version);
    free(entry->release);
    free(entry->arch);
    free(entry->checksum);
    free(entry->location);
    memset(entry, 0, sizeof *entry);
}

int rpm_repomd_primary_true(const char *out_root, const struct artifact *art, int *is_true,
                            struct ag_error *err)
{
    char *repo_dir = rpm_repo_dir(art);
    cr_Repomd *repomd = read_repomd(out_root, repo_dir, err);
    int rc = repomd ? AG_OK : err->status;
    cr_RepomdRecord *rec = repomd ? cr_repomd_get_record(repomd, "primary") : NULL;
    if (rc == AG_OK && (rec == NULL || rec->location_href == NULL || rec->checksum == NULL ||
                        relative_path_problem(rec->location_href) != NULL))
        rc = ag_error_set(err, AG_FAIL, "%s/repodata/repomd.xml names no primary", repo_dir);
    if (rc == AG_OK) {
        char *path = xasprintf("%s/%s/%s", out_root, repo_dir, rec->location_href);
        struct digest_set d;
        uint64_t bytes = 0;
        rc = digest_file(path, DIGEST_BIT(DIGEST_SHA256), &d, &bytes, err);
        if (rc == AG_OK) {
            char hex[65];
            digest_hex(d.value[DIGEST_SHA256], 32, hex);
            *is_true = strcmp(hex, rec->checksum) == 0;
            digest_set_free(&d);
        }
        free(path);
    }
    if (repomd)
        cr_repomd_free(repomd);
    free(repo_dir);
    return rc;
}
