/* The apt repository: Packages (plain and gzip) per suite and
 * architecture with by-hash copies, Release, InRelease and Release.gpg,
 * the archive keyring, and the client settings. */
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/fsutil.h"
#include "common/gzip_buffer.h"
#include "common/openpgp.h"
#include "common/strbuf.h"
#include "generators/deb.h"

/* Where apt clients run: an "all" package is listed in each. */
const char *const deb_default_archs[] = {"amd64", "arm64"};
const size_t deb_default_arch_count = sizeof deb_default_archs / sizeof deb_default_archs[0];

struct deb_row {
    const struct artifact *art;
    char *suite;
    const char *arch;
};

static int compare_rows(const void *a, const void *b)
{
    const struct deb_row *x = a, *y = b;
    int c = strcmp(x->suite, y->suite);
    if (c == 0)
        c = strcmp(x->art->name, y->art->name);
    if (c == 0)
        c = deb_version_compare(x->art->version, y->art->version);
    return c;
}

/* A row's facts, checked: read back from the tree, they are input. */
static int check_row(const struct artifact *art, const char **arch, struct ag_error *err)
{
    json_t *control = json_object_get(art->facts, "control");
    const char *a = artifact_fact(art, "architecture");
    const char *package = json_string_value(json_object_get(control, "Package"));
    const char *version = json_string_value(json_object_get(control, "Version"));
    const char *carch = json_string_value(json_object_get(control, "Architecture"));
    struct ag_error why = {0};
    if (!json_is_object(control) || a == NULL || deb_check_architecture(a, &why) != AG_OK ||
        package == NULL || strcmp(package, art->name) != 0 || version == NULL ||
        strcmp(version, art->version) != 0 || carch == NULL || strcmp(carch, a) != 0)
        return ag_error_set(err, AG_FAIL,
                            "%s: the manifest row's facts hold no control fields naming %s %s "
                            "for architecture %s",
                            art->path, art->name, art->version, a ? a : "?");
    if (deb_check_name(art->name, "package name", err) != AG_OK ||
        deb_check_version(art->version, "version", err) != AG_OK)
        return ag_error_prefix(err, "%s: ", art->path);
    if (strncmp(art->path, "deb/pool/", 9) != 0 || strstr(art->path, "..") != NULL ||
        strpbrk(art->path, " \t\n\r") != NULL)
        return ag_error_set(err, AG_FAIL, "%s: a .deb row must lie under deb/pool/", art->path);
    *arch = a;
    return AG_OK;
}

static int packages_stanza(struct strbuf *out, const struct artifact *art, struct ag_error *err)
{
    if (deb_control_paragraph(out, json_object_get(art->facts, "control"), err) != AG_OK)
        return ag_error_prefix(err, "%s: ", art->path);
    char md5[33];
    snprintf(md5, sizeof md5, "%s", art->md5);
    if (strlen(md5) != 32)
        return ag_error_set(err, AG_FAIL, "%s: the manifest row has no md5", art->path);
    strbuf_addf(out, "Filename: %s\nSize: %llu\nMD5sum: %s\nSHA256: %s\n",
                art->path + strlen("deb/"), (unsigned long long)art->bytes, md5, art->sha256);
    return AG_OK;
}

struct index_file {
    char *relative; /* below dists/<suite>/ */
    struct strbuf clean, served;
};

struct suite_build {
    const char *suite;
    const char *defect; /* NULL for the clean suite */
    struct index_file *files;
    size_t count;
};

static void add_index_file(struct suite_build *s, const char *relative, const struct strbuf *clean,
                           const struct strbuf *served)
{
    s->files = realloc(s->files, (s->count + 1) * sizeof *s->files);
    if (s->files == NULL)
        abort();
    struct index_file *f = &s->files[s->count++];
    memset(f, 0, sizeof *f);
    f->relative = xstrdup(relative);
    strbuf_add(&f->clean, clean->data ? clean->data : "", clean->len);
    strbuf_add(&f->served, served->data ? served->data : "", served->len);
}

static void suite_build_free(struct suite_build *s)
{
    for (size_t i = 0; i < s->count; i++) {
        free(s->files[i].relative);
        strbuf_free(&s->files[i].clean);
        strbuf_free(&s->files[i].served);
    }
    free(s->files);
}

static int hex_of(enum digest_kind kind, const struct strbuf *b, char *hex, struct ag_error *err)
{
    return digest_buffer_hex(kind, b->data ? b->data : "", b->len, hex, err);
}

/* Release: what the suite is, then every index file's size and digests
 * (of the clean bytes: the release-hash defect serves others). */
static int deb_release_text(const struct suite_build *s, const char *const *archs,
                            size_t arch_count, int64_t epoch, struct strbuf *out,
                            struct ag_error *err)
{
    char date[64];
    deb_rfc2822_date(epoch, date, sizeof date);
    strbuf_addf(out, "Origin: assetgen\nLabel: assetgen\nSuite: %s\nCodename: %s\nDate: %s\n",
                s->suite, s->suite, date);
    /* As Debian's experimental: pin priority 1, so apt's candidate stays
     * the newest release; an installed pre-release still upgrades to a
     * newer one from here (ButAutomaticUpgrades: priority 100). */
    int experimental = strcmp(s->suite, DEB_EXPERIMENTAL) == 0;
    if (experimental)
        strbuf_adds(out, "NotAutomatic: yes\nButAutomaticUpgrades: yes\n");
    strbuf_adds(out, "Architectures:");
    for (size_t i = 0; i < arch_count; i++)
        strbuf_addf(out, " %s", archs[i]);
    strbuf_addf(out,
                "\nComponents: %s\nDescription: assetgen test repository%s%s%s\n"
                "Acquire-By-Hash: yes\n",
                DEB_COMPONENT, s->defect ? ", known-bad variant " : "", s->defect ? s->defect : "",
                experimental ? ", pre-releases (install with -t " DEB_EXPERIMENTAL " or a pin)"
                             : "");
    static const struct {
        const char *title;
        enum digest_kind kind;
    } sections[] = {{"MD5Sum", DIGEST_MD5}, {"SHA256", DIGEST_SHA256}};
    for (size_t k = 0; k < 2; k++) {
        strbuf_addf(out, "%s:\n", sections[k].title);
        for (size_t i = 0; i < s->count; i++) {
            char hex[2 * DIGEST_MAX_BYTES + 1];
            if (hex_of(sections[k].kind, &s->files[i].clean, hex, err) != AG_OK)
                return err->status;
            strbuf_addf(out, " %s %16zu %s\n", hex, s->files[i].clean.len, s->files[i].relative);
        }
    }
    return AG_OK;
}

/* One byte of the signed text changed, inside a field value, so the
 * file still parses and only the signature fails. */
static void break_clearsigned(char *text, size_t len)
{
    char *at = strstr(text, "\nLabel: assetgen");
    if (at != NULL && (size_t)(at - text) + 16 <= len)
        at[15] = 'N';
}

static int sign_suite(const struct index_request *req, const struct suite_build *s,
                      const struct strbuf *release, const char *dir, struct ag_error *err)
{
    struct signer *signer = req->signer;
    if (s->defect && strcmp(s->defect, DEB_WRONG_SIGNER) == 0) {
        /* A row of an earlier run with --defects, re-indexed by a run
         * without the second key: the suite stays unsigned, which verify
         * reports, rather than signed by the project key, which would
         * make the variant a clean suite. */
        signer = req->wrong_signer;
    }
    if (signer == NULL)
        return AG_OK;
    char *clear = NULL, *detached = NULL;
    size_t clear_len = 0, detached_len = 0;
    int rc = signer_clearsign(signer, release->data, release->len, &clear, &clear_len, err);
    if (rc == AG_OK)
        rc = signer_sign_buffer(signer, release->data, release->len, 1, &detached, &detached_len,
                                err);
    if (rc == AG_OK && s->defect && strcmp(s->defect, DEB_BAD_SIGNATURE) == 0)
        break_clearsigned(clear, clear_len);
    char *path = xasprintf("%s/Release.gpg", dir);
    if (rc == AG_OK)
        rc = repo_stage_put(req->stage, path, detached, detached_len, REPO_SIGNATURE, err);
    free(path);
    /* InRelease last: apt reads it first. */
    path = xasprintf("%s/InRelease", dir);
    if (rc == AG_OK)
        rc = repo_stage_put(req->stage, path, clear, clear_len, REPO_SIGNATURE, err);
    free(path);
    free(clear);
    free(detached);
    return rc;
}

/* One suite of rows (n may be 0: an empty main suite beside the
 * experimental one, so the sources file names no missing suite). */
static int write_suite(const struct index_request *req, const char *suite, const char *defect,
                       const struct deb_row *rows, size_t n, const char *const *archs,
                       size_t arch_count, struct ag_error *err)
{
    struct suite_build s = {suite, defect, NULL, 0};
    int tamper = s.defect && strcmp(s.defect, DEB_RELEASE_HASH) == 0;
    int rc = AG_OK;
    for (size_t a = 0; rc == AG_OK && a < arch_count; a++) {
        struct strbuf clean = {0}, served = {0}, gz_clean = {0}, gz_served = {0};
        for (size_t i = 0; rc == AG_OK && i < n; i++) {
            if (strcmp(rows[i].arch, "all") != 0 && strcmp(rows[i].arch, archs[a]) != 0)
                continue;
            if (clean.len)
                strbuf_adds(&clean, "\n");
            rc = packages_stanza(&clean, rows[i].art, err);
        }
        strbuf_add(&served, clean.data ? clean.data : "", clean.len);
        /* The evil mirror: Release pins these clean bytes, the served
         * ones carry one field more. */
        if (tamper)
            strbuf_adds(&served, "Tag: tampered-by-mirror\n");
        if (rc == AG_OK)
            rc = gzip_buffer(clean.data ? clean.data : "", clean.len, &gz_clean, err);
        if (rc == AG_OK)
            rc = gzip_buffer(served.data ? served.data : "", served.len, &gz_served, err);
        char *plain = xasprintf("%s/binary-%s/Packages", DEB_COMPONENT, archs[a]);
        char *gz = xasprintf("%s.gz", plain);
        if (rc == AG_OK) {
            add_index_file(&s, plain, &clean, &served);
            add_index_file(&s, gz, &gz_clean, &gz_served);
        }
        free(plain);
        free(gz);
        strbuf_free(&clean);
        strbuf_free(&served);
        strbuf_free(&gz_clean);
        strbuf_free(&gz_served);
    }
    char *dir = xasprintf("deb/dists/%s", s.suite);
    for (size_t i = 0; rc == AG_OK && i < s.count; i++) {
        const struct index_file *f = &s.files[i];
        char hex[65];
        char *path = xasprintf("%s/%s", dir, f->relative);
        rc = repo_stage_put(req->stage, path, f->served.data ? f->served.data : "", f->served.len,
                            REPO_LISTING, err);
        free(path);
        /* by-hash under the digest Release names, so a client reading an
         * older Release during a publish still finds its files. */
        char *parent = path_parent(f->relative);
        if (rc == AG_OK)
            rc = hex_of(DIGEST_SHA256, &f->clean, hex, err);
        path = xasprintf("%s/%s/by-hash/SHA256/%s", dir, parent, hex);
        if (rc == AG_OK)
            rc = repo_stage_put(req->stage, path, f->served.data ? f->served.data : "",
                                f->served.len, REPO_LISTING, err);
        free(path);
        free(parent);
    }
    struct strbuf release = {0};
    if (rc == AG_OK)
        rc = deb_release_text(&s, archs, arch_count, req->epoch, &release, err);
    char *path = xasprintf("%s/Release", dir);
    if (rc == AG_OK)
        rc = repo_stage_put(req->stage, path, release.data, release.len, REPO_ROOT, err);
    free(path);
    if (rc == AG_OK)
        rc = sign_suite(req, &s, &release, dir, err);
    strbuf_free(&release);
    free(dir);
    suite_build_free(&s);
    return rc;
}

/* A value for a deb822 or apt.conf line: no white space, quote or
 * control character (neither syntax escapes them). */
static int plain_value(const char *value, const char *what, struct ag_error *err)
{
    for (const char *c = value; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == '"' || *c == 0x7f || *c == '#' || *c == ';')
            return ag_error_set(err, AG_USAGE,
                                "%s '%s' holds a space, quote, '#', ';' or control character, "
                                "which apt's sources and apt.conf files cannot carry",
                                what, value);
    return AG_OK;
}

/* Signed-By as a multi-line deb822 field: each line of the armored key
 * indented by one space, an empty one written as " .". */
static int signed_by_field(struct strbuf *out, const char *armored, size_t len,
                           struct ag_error *err)
{
    strbuf_adds(out, "Signed-By:\n");
    size_t at = 0;
    while (at < len) {
        const char *nl = memchr(armored + at, '\n', len - at);
        size_t n = (nl ? (size_t)(nl - armored) : len) - at;
        if (n > 0 && armored[at + n - 1] == '\r')
            n--;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)armored[at + i] < 0x20 || armored[at + i] == 0x7f)
                return ag_error_set(err, AG_FAIL,
                                    "the armored public key holds a control "
                                    "character, which a deb822 field cannot carry");
        if (n == 0)
            strbuf_adds(out, " .\n");
        else
            strbuf_addf(out, " %.*s\n", (int)n, armored + at);
        at = nl ? (size_t)(nl - armored) + 1 : len;
    }
    return AG_OK;
}

static int write_clients(const struct index_request *req, int experimental, struct ag_error *err)
{
    const char *root = req->published_root ? req->published_root : req->stage->root;
    char *uri = xasprintf("%sdeb/", req->base_url);
    char *ca = xasprintf("%s/keys/ca.crt", root);
    int https = strncmp(req->base_url, "https:", 6) == 0 && req->ca_pem != NULL;
    int rc = plain_value(uri, "the base URL", err);
    struct strbuf sources = {0};
    strbuf_addf(&sources, "Types: deb\nURIs: %s\nSuites: %s%s\nComponents: %s\n", uri, DEB_SUITE,
                experimental ? " " DEB_EXPERIMENTAL : "", DEB_COMPONENT);
    /* The key itself rather than the keyring's path (apt 2.3 reads an
     * armored block in a deb822 Signed-By): the file is the same wherever
     * the tree was made, and works wherever it is copied. Unsigned
     * (--no-sign): apt takes the suite only when told to. */
    if (req->signer && rc == AG_OK) {
        char *armored = NULL;
        size_t armored_len = 0;
        rc = signer_export_public(req->signer, 1, &armored, &armored_len, err);
        if (rc == AG_OK)
            rc = signed_by_field(&sources, armored, armored_len, err);
        free(armored);
    } else if (rc == AG_OK) {
        strbuf_adds(&sources, "Trusted: yes\n");
    }
    if (rc == AG_OK)
        rc = repo_stage_put(req->stage, "clients/apt.sources", sources.data, sources.len, REPO_LEAF,
                            err);
    if (rc == AG_OK && https) {
        rc = plain_value(ca, "the output path", err);
        char *conf = xasprintf("Acquire::https::CAInfo \"%s\";\n", ca);
        if (rc == AG_OK)
            rc = repo_stage_put(req->stage, "clients/apt.conf", conf, strlen(conf), REPO_LEAF, err);
        free(conf);
    }
    if (rc == AG_OK && req->signer) {
        char *key = NULL;
        size_t key_len = 0;
        rc = signer_export_public(req->signer, 0, &key, &key_len, err);
        if (rc == AG_OK)
            rc = repo_stage_put(req->stage, DEB_KEYRING, key, key_len, REPO_LEAF, err);
        free(key);
    }
    strbuf_free(&sources);
    free(uri);
    free(ca);
    return rc;
}

int deb_write_index(const struct index_request *req, struct ag_error *err)
{
    struct deb_row *rows = xcalloc(req->count + 1, sizeof *rows);
    size_t n = 0;
    const char *archs[16];
    size_t arch_count = 0;
    for (size_t i = 0; i < deb_default_arch_count; i++)
        archs[arch_count++] = deb_default_archs[i];
    int rc = AG_OK;
    for (size_t i = 0; rc == AG_OK && i < req->count; i++) {
        const struct artifact *art = &req->artifacts[i];
        if (strcmp(art->kind, DEB_KIND) != 0)
            continue;
        const char *arch = NULL;
        rc = check_row(art, &arch, err);
        if (rc != AG_OK)
            break;
        rows[n++] = (struct deb_row){art, deb_suite_of(art), arch};
        int known = strcmp(arch, "all") == 0;
        for (size_t a = 0; a < arch_count; a++)
            known = known || strcmp(archs[a], arch) == 0;
        if (!known && arch_count == sizeof archs / sizeof archs[0])
            rc = ag_error_set(err, AG_USAGE, "deb: more than %zu architectures in one repository",
                              sizeof archs / sizeof archs[0]);
        else if (!known)
            archs[arch_count++] = arch;
    }
    qsort(rows, n, sizeof *rows, compare_rows);
    int main_rows = 0, experimental = 0;
    for (size_t i = 0; i < n; i++) {
        main_rows = main_rows || strcmp(rows[i].suite, DEB_SUITE) == 0;
        experimental = experimental || strcmp(rows[i].suite, DEB_EXPERIMENTAL) == 0;
    }
    if (rc == AG_OK)
        rc = write_clients(req, experimental, err);
    if (rc == AG_OK && experimental && !main_rows)
        rc = write_suite(req, DEB_SUITE, NULL, rows, 0, archs, arch_count, err);
    for (size_t i = 0; rc == AG_OK && i < n;) {
        size_t j = i;
        while (j < n && strcmp(rows[j].suite, rows[i].suite) == 0)
            j++;
        const char *defect = rows[i].art->defect;
        rc = write_suite(req, rows[i].suite, defect && *defect ? defect : NULL, rows + i, j - i,
                         archs, arch_count, err);
        i = j;
    }
    for (size_t i = 0; i < n; i++)
        free(rows[i].suite);
    free(rows);
    return rc;
}
