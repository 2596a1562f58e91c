/* verify and the defect predicates: the .deb as deb_read finds it, and
 * the repository files read as apt reads them (Packages, Release and its
 * signatures), never the writer's state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/fsutil.h"
#include "common/openpgp.h"
#include "common/strbuf.h"
#include "generators/deb.h"

/* ---- the repository, read as apt reads it ---- */

static int file_digest_hex(const char *path, enum digest_kind kind, char *hex, uint64_t *bytes,
                           struct ag_error *err)
{
    struct digest_set d;
    if (digest_file(path, DIGEST_BIT(kind), &d, bytes, err) != AG_OK)
        return err->status;
    digest_hex(d.value[kind], d.length[kind], hex);
    digest_set_free(&d);
    return AG_OK;
}

/* The stanza of Packages (of suite, for the row's architecture or
 * amd64) that names the row's name and version; with found NULL its
 * absence is an error, else *found says whether it is there (a suite
 * not written lists nothing). */
static int find_stanza_in(const char *out_root, const char *suite, const struct artifact *art,
                          struct deb_paragraph *out, char **packages_path, int *found_out,
                          struct ag_error *err)
{
    memset(out, 0, sizeof *out);
    const char *arch = artifact_fact(art, "architecture");
    if (arch == NULL || strcmp(arch, "all") == 0)
        arch = deb_default_archs[0];
    char *rel = xasprintf("deb/dists/%s/%s/binary-%s/Packages", suite, DEB_COMPONENT, arch);
    char *path = xasprintf("%s/%s", out_root, rel);
    char *text = NULL;
    size_t len = 0;
    int rc = AG_OK;
    if (found_out == NULL || path_exists(path))
        rc = read_file(path, &text, &len, err);
    free(path);
    int found = 0;
    for (size_t at = 0; rc == AG_OK && at < len;) {
        struct deb_paragraph p;
        size_t used = 0;
        rc = deb_paragraph_parse(text + at, len - at, rel, &p, &used, err);
        if (rc != AG_OK || used == 0 || p.count == 0) {
            if (rc == AG_OK)
                deb_paragraph_free(&p);
            break;
        }
        at += used;
        const char *n = deb_paragraph_get(&p, "Package");
        const char *v = deb_paragraph_get(&p, "Version");
        if (n && v && strcmp(n, art->name) == 0 && strcmp(v, art->version) == 0) {
            if (found) {
                deb_paragraph_free(out);
                deb_paragraph_free(&p);
                rc = ag_error_set(err, AG_FAIL, "%s lists %s %s twice", rel, art->name,
                                  art->version);
                break;
            }
            *out = p;
            found = 1;
        } else {
            deb_paragraph_free(&p);
        }
    }
    free(text);
    if (rc == AG_OK && !found && found_out == NULL)
        rc = ag_error_set(err, AG_FAIL, "%s does not list %s %s", rel, art->name, art->version);
    if (found_out != NULL)
        *found_out = found;
    if (rc == AG_OK && packages_path != NULL)
        *packages_path = rel;
    else
        free(rel);
    return rc;
}

static int find_stanza(const char *out_root, const struct artifact *art, struct deb_paragraph *out,
                       char **packages_path, struct ag_error *err)
{
    char *suite = deb_suite_of(art);
    int rc = find_stanza_in(out_root, suite, art, out, packages_path, NULL, err);
    free(suite);
    return rc;
}

/* The stanza's Filename, Size, SHA256 and MD5sum against the file. */
static int stanza_true(const char *out_root, const struct artifact *art, int *is_true,
                       struct ag_error *err)
{
    struct deb_paragraph p;
    char *rel = NULL;
    if (find_stanza(out_root, art, &p, &rel, err) != AG_OK)
        return err->status;
    char *path = xasprintf("%s/%s", out_root, art->path);
    char sha[65] = {0}, md5[33] = {0};
    uint64_t bytes = 0;
    int rc = file_digest_hex(path, DIGEST_SHA256, sha, &bytes, err);
    if (rc == AG_OK)
        rc = file_digest_hex(path, DIGEST_MD5, md5, &bytes, err);
    free(path);
    const char *filename = deb_paragraph_get(&p, "Filename");
    const char *size = deb_paragraph_get(&p, "Size");
    const char *s256 = deb_paragraph_get(&p, "SHA256");
    const char *m5 = deb_paragraph_get(&p, "MD5sum");
    char want_size[32];
    snprintf(want_size, sizeof want_size, "%llu", (unsigned long long)bytes);
    if (rc == AG_OK && (!filename || strcmp(filename, art->path + 4) != 0))
        rc = ag_error_set(err, AG_FAIL, "%s: Filename of %s %s is %s, not %s", rel, art->name,
                          art->version, filename ? filename : "(none)", art->path + 4);
    *is_true = rc == AG_OK && size && strcmp(size, want_size) == 0 && s256 &&
               strcmp(s256, sha) == 0 && m5 && strcmp(m5, md5) == 0;
    deb_paragraph_free(&p);
    free(rel);
    return rc;
}

/* Release's SHA256 line for each index file of the suite against the
 * served file; *all_true says whether every line holds. */
static int release_true(const char *out_root, const char *suite, int *all_true,
                        struct ag_error *err)
{
    char *path = xasprintf("%s/deb/dists/%s/Release", out_root, suite);
    char *text = NULL;
    size_t len = 0;
    int rc = read_file(path, &text, &len, err);
    free(path);
    if (rc != AG_OK)
        return rc;
    *all_true = 1;
    const char *sec = strstr(text, "\nSHA256:\n");
    int lines = 0;
    for (const char *c = sec ? sec + 9 : NULL; rc == AG_OK && c && *c == ' ';) {
        const char *nl = strchr(c, '\n');
        char hex[65] = {0}, file[512] = {0};
        unsigned long long size = 0;
        if (sscanf(c, " %64s %llu %511s", hex, &size, file) != 3 || deb_has_dotdot(file)) {
            rc = ag_error_set(err, AG_FAIL,
                              "dists/%s/Release: a SHA256 line is not '<hex> "
                              "<size> <path>'",
                              suite);
            break;
        }
        char *served = xasprintf("%s/deb/dists/%s/%s", out_root, suite, file);
        char got[65];
        uint64_t bytes = 0;
        rc = file_digest_hex(served, DIGEST_SHA256, got, &bytes, err);
        free(served);
        if (rc == AG_OK && (strcmp(got, hex) != 0 || bytes != size))
            *all_true = 0;
        lines++;
        c = nl ? nl + 1 : NULL;
    }
    if (rc == AG_OK && lines == 0)
        rc = ag_error_set(err, AG_FAIL, "dists/%s/Release has no SHA256 section", suite);
    free(text);
    return rc;
}

/* Whether Release.gpg verifies Release with the published keyring; -1
 * when the tree is unsigned (no keyring). */
static int release_signed_true(const char *out_root, const char *suite, struct ag_error *err)
{
    char *key = xasprintf("%s/%s", out_root, DEB_KEYRING);
    char *rel = xasprintf("%s/deb/dists/%s/Release", out_root, suite);
    char *sig = xasprintf("%s/deb/dists/%s/Release.gpg", out_root, suite);
    int result = -1;
    struct verifier *v = NULL;
    if (path_exists(key) && verifier_open(&v, key, err) == AG_OK) {
        struct ag_error why = {0};
        result = verifier_check_file(v, rel, sig, &why) == AG_OK;
        verifier_close(v);
    } else if (path_exists(key)) {
        result = -2;
    }
    free(key);
    free(rel);
    free(sig);
    return result;
}

/* InRelease's signed text, dash-escapes undone, against Release. */
static int inrelease_body_is_release(const char *out_root, const char *suite, int *same,
                                     struct ag_error *err)
{
    char *ip = xasprintf("%s/deb/dists/%s/InRelease", out_root, suite);
    char *rp = xasprintf("%s/deb/dists/%s/Release", out_root, suite);
    char *in = NULL, *re = NULL;
    size_t in_len = 0, re_len = 0;
    int rc = read_file(ip, &in, &in_len, err);
    if (rc == AG_OK)
        rc = read_file(rp, &re, &re_len, err);
    free(ip);
    free(rp);
    const char *body = in ? strstr(in, "\n\n") : NULL;
    const char *end = body ? strstr(body, "\n-----BEGIN PGP SIGNATURE-----") : NULL;
    if (rc == AG_OK && (strncmp(in, "-----BEGIN PGP SIGNED MESSAGE-----\n", 35) != 0 || !end))
        rc = ag_error_set(err, AG_FAIL, "dists/%s/InRelease is not a clear-signed message", suite);
    if (rc == AG_OK) {
        struct strbuf text = {0};
        for (const char *c = body + 2; c < end + 1;) {
            const char *nl = memchr(c, '\n', (size_t)(end + 1 - c));
            size_t n = nl ? (size_t)(nl - c) + 1 : (size_t)(end + 1 - c);
            if (n >= 2 && c[0] == '-' && c[1] == ' ')
                strbuf_add(&text, c + 2, n - 2);
            else
                strbuf_add(&text, c, n);
            c += n;
        }
        *same = text.len == re_len && memcmp(text.data, re, re_len) == 0;
        strbuf_free(&text);
    }
    free(in);
    free(re);
    return rc;
}

/* The value of a Release field, from the text before the first digest
 * section; a fresh string or NULL. */
static char *release_field(const char *text, const char *key)
{
    size_t klen = strlen(key);
    for (const char *line = text; line && *line && *line != ' ';) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n > klen + 1 && strncmp(line, key, klen) == 0 && line[klen] == ':' &&
            line[klen + 1] == ' ')
            return xasprintf("%.*s", (int)(n - klen - 2), line + klen + 2);
        line = nl ? nl + 1 : NULL;
    }
    return NULL;
}

/* A pre-release is listed in the experimental suite alone, whose Release
 * tells apt not to take it by itself (NotAutomatic), and a release in the
 * main suite alone, which says no such thing: else apt's candidate is not
 * the newest release. The sources file names the row's suite. */
static int suite_policy_true(const char *out_root, const struct artifact *art, const char *suite,
                             struct ag_error *err)
{
    int experimental = strcmp(suite, DEB_EXPERIMENTAL) == 0;
    char *path = xasprintf("%s/deb/dists/%s/Release", out_root, suite);
    char *text = NULL;
    size_t len = 0;
    int rc = read_file(path, &text, &len, err);
    free(path);
    if (rc != AG_OK)
        return rc;
    static const char *const keys[] = {"Suite", "Codename", "NotAutomatic", "ButAutomaticUpgrades"};
    for (size_t k = 0; rc == AG_OK && k < sizeof keys / sizeof keys[0]; k++) {
        char *value = release_field(text, keys[k]);
        const char *want = k < 2 ? suite : experimental ? "yes" : NULL;
        if (want ? value == NULL || strcmp(value, want) != 0 : value != NULL)
            rc = ag_error_set(err, AG_FAIL, "dists/%s/Release: %s is %s, %s %s", suite, keys[k],
                              value ? value : "absent", want ? "want" : "a suite of releases has",
                              want ? want : "none");
        free(value);
    }
    free(text);
    const char *other = experimental ? DEB_SUITE : DEB_EXPERIMENTAL;
    struct deb_paragraph p;
    int found = 0;
    if (rc == AG_OK && (experimental || strcmp(suite, DEB_SUITE) == 0)) {
        rc = find_stanza_in(out_root, other, art, &p, NULL, &found, err);
        if (found)
            deb_paragraph_free(&p);
        if (rc == AG_OK && found)
            rc = ag_error_set(err, AG_FAIL, "dists/%s lists %s %s too, which belongs in %s alone",
                              other, art->name, art->version, suite);
        char *sources = xasprintf("%s/clients/apt.sources", out_root);
        char *body = NULL;
        size_t body_len = 0;
        if (rc == AG_OK)
            rc = read_file(sources, &body, &body_len, err);
        char *line = body ? release_field(body, "Suites") : NULL;
        int named = 0;
        size_t slen = strlen(suite);
        for (const char *tok = line; tok && *tok; tok += strcspn(tok, " ")) {
            tok += strspn(tok, " ");
            named = named || (strncmp(tok, suite, slen) == 0 && (tok[slen] == ' ' || !tok[slen]));
        }
        if (rc == AG_OK && !named)
            rc = ag_error_set(err, AG_FAIL, "clients/apt.sources: Suites (%s) does not name %s",
                              line ? line : "absent", suite);
        free(line);
        free(body);
        free(sources);
    }
    return rc;
}

/* ---- verify ---- */

static int check_view(const struct artifact *art, const struct deb_view *v, int want_name,
                      struct ag_error *err)
{
    struct deb_paragraph p;
    if (deb_paragraph_parse(v->control, strlen(v->control), "control", &p, NULL, err) != AG_OK)
        return ag_error_prefix(err, "%s: ", art->path);
    const char *name = deb_paragraph_get(&p, "Package");
    const char *version = deb_paragraph_get(&p, "Version");
    const char *arch = deb_paragraph_get(&p, "Architecture");
    const char *want_arch = artifact_fact(art, "architecture");
    int rc = AG_OK;
    struct ag_error why = {0};
    if (!name || deb_check_name(name, "package name", &why) != AG_OK)
        rc = ag_error_set(err, AG_FAIL, "%s: control names no valid package", art->path);
    else if (want_name && strcmp(name, art->name) != 0)
        rc = ag_error_set(err, AG_FAIL, "%s: control's Package is %s, the manifest's %s", art->path,
                          name, art->name);
    else if (!want_name && strcmp(name, art->name) == 0)
        rc = ag_error_set(err, AG_FAIL, "%s: control's Package is the row's own (%s)", art->path,
                          name);
    else if (!version || strcmp(version, art->version) != 0)
        rc = ag_error_set(err, AG_FAIL, "%s: control's Version is %s, the manifest's %s", art->path,
                          version ? version : "(none)", art->version);
    else if (!arch || !want_arch || strcmp(arch, want_arch) != 0)
        rc = ag_error_set(err, AG_FAIL, "%s: control's Architecture is %s, the row's %s", art->path,
                          arch ? arch : "(none)", want_arch ? want_arch : "(none)");
    else if (!deb_paragraph_get(&p, "Maintainer") || !deb_paragraph_get(&p, "Description"))
        rc = ag_error_set(err, AG_FAIL, "%s: control lacks Maintainer or Description", art->path);
    deb_paragraph_free(&p);
    if (rc == AG_OK && v->irregular)
        rc = ag_error_set(err, AG_FAIL, "%s: data.tar entry %s is neither file nor directory",
                          art->path, v->irregular);
    else if (rc == AG_OK && v->md5sums == NULL)
        rc = ag_error_set(err, AG_FAIL, "%s: control.tar has no md5sums", art->path);
    else if (rc == AG_OK && v->md5_absent)
        rc = ag_error_set(err, AG_FAIL, "%s: md5sums and data.tar disagree on %s", art->path,
                          v->md5_absent);
    else if (rc == AG_OK && art->data_path && !v->data_found)
        rc = ag_error_set(err, AG_FAIL, "%s: data file %s missing", art->path, art->data_path);
    else if (rc == AG_OK && art->data_path && strcmp(v->data_sha256, art->data_sha256) != 0)
        rc = ag_error_set(err, AG_FAIL, "%s: data file %s has sha256 %s, the manifest %s",
                          art->path, art->data_path, v->data_sha256, art->data_sha256);
    return rc;
}

static int read_row(const char *out_root, const struct artifact *art, struct deb_view *v,
                    struct ag_error *err)
{
    char *path = xasprintf("%s/%s", out_root, art->path);
    int rc = deb_read(path, art->data_path, v, err);
    free(path);
    return rc;
}

static int verify_listing(const char *out_root, const struct artifact *art, struct ag_error *err)
{
    int is_true = 0;
    if (stanza_true(out_root, art, &is_true, err) != AG_OK)
        return err->status;
    if (!is_true)
        return ag_error_set(err, AG_FAIL,
                            "Packages' Size, MD5sum or SHA256 of %s %s are not the "
                            "file's",
                            art->name, art->version);
    char *suite = deb_suite_of(art);
    int all_true = 0;
    int rc = release_true(out_root, suite, &all_true, err);
    if (rc == AG_OK && !all_true)
        rc = ag_error_set(err, AG_FAIL, "dists/%s/Release lists a digest that is not its file's",
                          suite);
    int signed_true = rc == AG_OK ? release_signed_true(out_root, suite, err) : 1;
    if (rc == AG_OK && signed_true == 0)
        rc = ag_error_set(err, AG_FAIL, "dists/%s/Release.gpg does not verify with %s", suite,
                          DEB_KEYRING);
    int same = 1;
    if (rc == AG_OK && signed_true == 1)
        rc = inrelease_body_is_release(out_root, suite, &same, err);
    if (rc == AG_OK && !same)
        rc = ag_error_set(err, AG_FAIL, "dists/%s/InRelease does not carry Release's text", suite);
    if (rc == AG_OK)
        rc = suite_policy_true(out_root, art, suite, err);
    free(suite);
    return rc;
}

int deb_verify_artifact(const char *out_root, const char *base_url, const struct artifact *art,
                        struct ag_error *err)
{
    (void)base_url;
    if (strcmp(art->kind, DEB_KIND) != 0)
        return ag_error_set(err, AG_FAIL, "%s: deb has no kind '%s'", art->path, art->kind);
    struct deb_view v;
    if (read_row(out_root, art, &v, err) != AG_OK)
        return err->status;
    int rc = check_view(art, &v, 1, err);
    if (rc == AG_OK && v.md5_wrong)
        rc = ag_error_set(err, AG_FAIL, "%s: md5sums gives a wrong MD5 for %s", art->path,
                          v.md5_wrong);
    else if (rc == AG_OK && v.traversal)
        rc = ag_error_set(err, AG_FAIL, "%s: data.tar entry %s leaves the root", art->path,
                          v.traversal);
    deb_view_free(&v);
    /* A republished copy is listed nowhere. */
    return rc == AG_OK && !art->unlisted ? verify_listing(out_root, art, err) : rc;
}

/* ---- the defects ---- */

/* A defect variant whose .deb must read whole and be listed truly. */
static int whole_and_listed(const char *out_root, const struct artifact *art, struct deb_view *v,
                            struct ag_error *err)
{
    int is_true = 0;
    if (stanza_true(out_root, art, &is_true, err) != AG_OK)
        return err->status;
    if (!is_true)
        return ag_error_set(err, AG_FAIL, "Packages does not list the file's own digests");
    if (read_row(out_root, art, v, err) != AG_OK)
        return ag_error_prefix(err, "the .deb itself does not read: ");
    return AG_OK;
}

static int clean_deb(const char *out_root, const struct artifact *art, struct ag_error *err)
{
    struct deb_view v;
    if (whole_and_listed(out_root, art, &v, err) != AG_OK)
        return err->status;
    int rc = check_view(art, &v, 1, err);
    if (rc == AG_OK && (v.md5_wrong || v.traversal))
        rc = ag_error_set(err, AG_FAIL, "the .deb is broken too (%s)",
                          v.md5_wrong ? "md5sums" : "traversal");
    deb_view_free(&v);
    return rc;
}

int deb_release_hash_present(const char *out_root, const char *base_url, const struct artifact *art,
                             struct ag_error *err)
{
    (void)base_url;
    if (clean_deb(out_root, art, err) != AG_OK)
        return err->status;
    char *suite = deb_suite_of(art);
    int all_true = 1;
    int rc = release_true(out_root, suite, &all_true, err);
    if (rc == AG_OK && all_true)
        rc = ag_error_set(err, AG_FAIL, "dists/%s/Release lists the served files' own digests",
                          suite);
    if (rc == AG_OK && release_signed_true(out_root, suite, err) == 0)
        rc = ag_error_set(err, AG_FAIL, "dists/%s/Release.gpg does not verify either", suite);
    free(suite);
    return rc;
}

int deb_bad_signature_present(const char *out_root, const char *base_url,
                              const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    if (clean_deb(out_root, art, err) != AG_OK)
        return err->status;
    char *suite = deb_suite_of(art);
    int all_true = 0, same = 1;
    int rc = release_true(out_root, suite, &all_true, err);
    if (rc == AG_OK && !all_true)
        rc = ag_error_set(err, AG_FAIL, "dists/%s/Release lists wrong digests too", suite);
    if (rc == AG_OK && release_signed_true(out_root, suite, err) != 1)
        rc = ag_error_set(err, AG_FAIL,
                          "dists/%s/Release.gpg does not verify Release with %s, so the "
                          "refusal would not be InRelease's alone",
                          suite, DEB_KEYRING);
    if (rc == AG_OK)
        rc = inrelease_body_is_release(out_root, suite, &same, err);
    if (rc == AG_OK && same)
        rc = ag_error_set(err, AG_FAIL, "dists/%s/InRelease carries Release's text unchanged",
                          suite);
    free(suite);
    return rc;
}

int deb_wrong_signer_present(const char *out_root, const char *base_url, const struct artifact *art,
                             struct ag_error *err)
{
    (void)base_url;
    if (clean_deb(out_root, art, err) != AG_OK)
        return err->status;
    char *suite = deb_suite_of(art);
    int all_true = 0, same = 0;
    int rc = release_true(out_root, suite, &all_true, err);
    if (rc == AG_OK && !all_true)
        rc = ag_error_set(err, AG_FAIL, "dists/%s/Release lists wrong digests too", suite);
    char *sig = xasprintf("%s/deb/dists/%s/Release.gpg", out_root, suite);
    if (rc == AG_OK && !path_exists(sig))
        rc = ag_error_set(err, AG_FAIL, "dists/%s has no Release.gpg (signed by no key)", suite);
    free(sig);
    int signed_true = rc == AG_OK ? release_signed_true(out_root, suite, err) : 0;
    if (rc == AG_OK && signed_true != 0)
        rc = ag_error_set(err, AG_FAIL, "dists/%s/Release.gpg %s", suite,
                          signed_true == 1 ? "verifies with the published keyring"
                                           : "cannot be checked: the tree has no keyring");
    if (rc == AG_OK)
        rc = inrelease_body_is_release(out_root, suite, &same, err);
    if (rc == AG_OK && !same)
        rc = ag_error_set(err, AG_FAIL, "dists/%s/InRelease's text is not Release's", suite);
    free(suite);
    return rc;
}

int deb_md5sums_present(const char *out_root, const char *base_url, const struct artifact *art,
                        struct ag_error *err)
{
    (void)base_url;
    struct deb_view v;
    if (whole_and_listed(out_root, art, &v, err) != AG_OK)
        return err->status;
    int rc = check_view(art, &v, 1, err);
    if (rc == AG_OK && v.md5_wrong == NULL)
        rc = ag_error_set(err, AG_FAIL, "every md5sums line is its file's MD5");
    else if (rc == AG_OK && v.traversal)
        rc = ag_error_set(err, AG_FAIL, "data.tar has a '..' entry too");
    deb_view_free(&v);
    return rc;
}

int deb_truncated_present(const char *out_root, const char *base_url, const struct artifact *art,
                          struct ag_error *err)
{
    (void)base_url;
    int is_true = 0;
    if (stanza_true(out_root, art, &is_true, err) != AG_OK)
        return err->status;
    if (!is_true)
        return ag_error_set(err, AG_FAIL,
                            "Packages does not list the cut file's digests, so apt "
                            "would refuse the digest, not the truncation");
    struct deb_view v;
    struct ag_error why = {0};
    if (read_row(out_root, art, &v, &why) == AG_OK) {
        deb_view_free(&v);
        return ag_error_set(err, AG_FAIL, "the .deb reads whole");
    }
    return AG_OK;
}

int deb_name_mismatch_present(const char *out_root, const char *base_url,
                              const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    struct deb_view v;
    if (whole_and_listed(out_root, art, &v, err) != AG_OK)
        return err->status;
    int rc = check_view(art, &v, 0, err);
    if (rc == AG_OK && (v.md5_wrong || v.traversal))
        rc = ag_error_set(err, AG_FAIL, "the .deb is broken beyond its name");
    deb_view_free(&v);
    return rc;
}

int deb_traversal_present(const char *out_root, const char *base_url, const struct artifact *art,
                          struct ag_error *err)
{
    (void)base_url;
    struct deb_view v;
    if (whole_and_listed(out_root, art, &v, err) != AG_OK)
        return err->status;
    int rc = check_view(art, &v, 1, err);
    if (rc == AG_OK && v.md5_wrong)
        rc = ag_error_set(err, AG_FAIL, "md5sums is wrong too");
    else if (rc == AG_OK && v.traversal == NULL)
        rc = ag_error_set(err, AG_FAIL, "no data.tar entry has a '..' component");
    deb_view_free(&v);
    return rc;
}
