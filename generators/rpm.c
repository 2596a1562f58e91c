/* rpm: signed binary .rpm packages (written with librpm's header API,
 * no rpmbuild) and a signed yum repository that dnf installs from. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <rpm/header.h>
#include <rpm/rpmio.h>
#include <rpm/rpmkeyring.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmpgp.h>
#include <rpm/rpmfiles.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmts.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/digest.h"
#include "common/fsutil.h"
#include "common/generator.h"
#include "common/package.h"
#include "common/strbuf.h"
#include "common/template.h"
#include "generators/rpm.h"

static int rpm_bad_signature_present(const char *out_root, const char *base_url,
                                     const struct artifact *art, struct ag_error *err);
static int rpm_wrong_signer_present(const char *out_root, const char *base_url,
                                    const struct artifact *art, struct ag_error *err);
static int rpm_unsigned_present(const char *out_root, const char *base_url,
                                const struct artifact *art, struct ag_error *err);
static int rpm_payload_digest_present(const char *out_root, const char *base_url,
                                      const struct artifact *art, struct ag_error *err);
static int rpm_truncated_present(const char *out_root, const char *base_url,
                                 const struct artifact *art, struct ag_error *err);
static int rpm_repomd_digest_present(const char *out_root, const char *base_url,
                                     const struct artifact *art, struct ag_error *err);
static int rpm_name_mismatch_present(const char *out_root, const char *base_url,
                                     const struct artifact *art, struct ag_error *err);

static const struct defect rpm_defects[] = {
    {RPM_BAD_SIGNATURE, "the RSA header signature is the project key's over other bytes",
     "dnf install: Problem opening package <file>.rpm, GPG check FAILED / rpm -K: Header V4 "
     "RSA/SHA256 Signature, key ID <id>: BAD",
     "header digests true, the signature made by the published key, and it does not verify",
     rpm_bad_signature_present},
    {RPM_WRONG_SIGNER, "signed by a key that keys/ does not publish",
     "dnf install: Public key for <file>.rpm is not installed / rpm -K: Header V4 RSA/SHA256 "
     "Signature, key ID <id>: NOKEY",
     "header digests true, the signature from a key the published one is not",
     rpm_wrong_signer_present},
    {RPM_UNSIGNED, "the package carries no header signature",
     "dnf install: Package <file>.rpm is not signed", "header digests true, no RSA/DSA header",
     rpm_unsigned_present},
    {RPM_PAYLOAD_DIGEST, "PAYLOADDIGEST in the signed header is not the payload's sha256",
     "dnf install: Problem opening package <file>.rpm / rpm -K: Payload SHA256 digest: BAD",
     "signature verifies, payload digest differs from the payload's bytes",
     rpm_payload_digest_present},
    {RPM_TRUNCATED, "the .rpm is cut to half its length (primary's checksum is the cut bytes')",
     "dnf install: error: <file>.rpm: signature hdr blob(<n>): BAD, read returned 0 (cut in "
     "the headers) / rpm -K: Payload SHA256 digest: BAD (cut in the payload)",
     "primary pkgid is the cut file's sha256, the package does not read whole",
     rpm_truncated_present},
    {RPM_REPOMD_DIGEST, "repomd.xml names a primary checksum that is not the served file's",
     "dnf (librepo): repodata/<sha256>-primary.xml.gz - Downloading successful, but checksum "
     "doesn't match",
     "package and primary true, its own repository's repomd lists primary with another sha256",
     rpm_repomd_digest_present},
    {RPM_NAME_MISMATCH, "primary.xml names the package otherwise than its header",
     "dnf does not check it: it installs <name>-other (the header's name) for <name>; only a "
     "client check of the installed name refuses it",
     "package signed and whole, header NAME is not the primary's name (the row's)",
     rpm_name_mismatch_present},
};

static const struct artifact_kind rpm_kinds[] = {{RPM_KIND, 1, 0}};

static const struct package_field rpm_fields[] = {
    {"release", "the rpm Release (letters, digits, '._+~^')", "1"},
    {"epoch", "the rpm Epoch (a decimal number; empty for none)", ""},
    {"arch", "the rpm architecture (noarch, x86_64, aarch64, ...)", "noarch"},
    {"compression", "payload compression: none, gzip, xz or zstd", "none"},
    {"license", "the License tag", "MIT"},
    {"group", "the Group tag", "Development/Tools"},
    {"url", "the URL tag (empty for none)", ""},
    {"summary", "the Summary tag (empty: the description's first line)", ""},
};

/* ---- names and versions ---- */

int rpm_defect_has_own_repo(const char *defect)
{
    return defect &&
           (strcmp(defect, RPM_REPOMD_DIGEST) == 0 || strcmp(defect, RPM_NAME_MISMATCH) == 0);
}

char *rpm_repo_dir(const struct artifact *art)
{
    return rpm_defect_has_own_repo(art->defect) ? xasprintf("rpm/defect/%s", art->defect)
                                                : xstrdup("rpm");
}

int rpm_check_name(const char *name, struct ag_error *err)
{
    size_t len = strlen(name);
    if (len == 0 || len > 128)
        return ag_error_set(err, AG_USAGE, "invalid rpm name '%s': must be 1 to 128 characters",
                            name);
    if (!isalnum((unsigned char)name[0]) || (unsigned char)name[0] >= 0x80)
        return ag_error_set(
            err, AG_USAGE, "invalid rpm name '%s': must start with an ASCII letter or digit", name);
    for (const char *c = name; *c; c++)
        if ((unsigned char)*c >= 0x80 || !(isalnum((unsigned char)*c) || strchr("-._+", *c)))
            return ag_error_set(err, AG_USAGE,
                                "invalid rpm name '%s': character '%c' not allowed (valid: ASCII "
                                "letters, digits, '-', '.', '_' and '+')",
                                name, *c);
    return AG_OK;
}

int rpm_check_version_field(const char *value, const char *what, struct ag_error *err)
{
    if (value == NULL || *value == '\0' || strlen(value) > 128)
        return ag_error_set(err, AG_USAGE, "invalid rpm %s '%s': must be 1 to 128 characters", what,
                            value ? value : "");
    if (!isalnum((unsigned char)value[0]) || (unsigned char)value[0] >= 0x80)
        return ag_error_set(err, AG_USAGE,
                            "invalid rpm %s '%s': must start with an ASCII letter or digit", what,
                            value);
    for (const char *c = value; *c; c++)
        if ((unsigned char)*c >= 0x80 || !(isalnum((unsigned char)*c) || strchr("._+~^", *c)))
            return ag_error_set(err, AG_USAGE,
                                "invalid rpm %s '%s': character '%c' not allowed (valid: ASCII "
                                "letters, digits, '.', '_', '+', '~' and '^'; no '-', which "
                                "separates version and release)",
                                what, value, *c);
    return AG_OK;
}

int rpm_check_epoch(const char *value, struct ag_error *err)
{
    if (value == NULL || *value == '\0')
        return AG_OK;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(value, &end, 10);
    if (!isdigit((unsigned char)value[0]) || *end != '\0' || errno != 0 || v > UINT32_MAX)
        return ag_error_set(err, AG_USAGE,
                            "invalid rpm epoch '%s': a decimal number from 0 to 4294967295, or "
                            "empty for none",
                            value);
    return AG_OK;
}

/* UTF-8 that is well formed, and no control characters: header strings
 * reach XML (primary) and terminals (rpm -qi). */
int rpm_check_text(const char *value, const char *what, int multiline, struct ag_error *err)
{
    const unsigned char *s = (const unsigned char *)value;
    while (*s) {
        size_t extra = *s < 0x80             ? 0
                       : (*s & 0xe0) == 0xc0 ? 1
                       : (*s & 0xf0) == 0xe0 ? 2
                       : (*s & 0xf8) == 0xf0 ? 3
                                             : 9;
        if (extra == 9 || (*s >= 0xc0 && *s < 0xc2) || *s > 0xf4)
            return ag_error_set(err, AG_USAGE, "rpm %s: not valid UTF-8", what);
        for (size_t k = 1; k <= extra; k++)
            if ((s[k] & 0xc0) != 0x80)
                return ag_error_set(err, AG_USAGE, "rpm %s: not valid UTF-8", what);
        if (extra == 0 && (*s < 0x20 || *s == 0x7f) && !(multiline && *s == '\n'))
            return ag_error_set(err, AG_USAGE, "rpm %s: control character 0x%02x not allowed (%s)",
                                what, *s, multiline ? "only line breaks" : "one line of text");
        s += extra + 1;
    }
    return AG_OK;
}

static int check_arch(const char *arch, struct ag_error *err)
{
    int ok = arch && *arch && strlen(arch) <= 32;
    for (const char *c = arch; ok && *c; c++)
        ok = (unsigned char)*c < 0x80 && (isalnum((unsigned char)*c) || *c == '_');
    return ok ? AG_OK
              : ag_error_set(err, AG_USAGE,
                             "invalid rpm arch '%s': letters, digits and '_' such as noarch, "
                             "x86_64, aarch64",
                             arch ? arch : "");
}

static int check_compression(const char *value, struct ag_error *err)
{
    static const char *const valid[] = {"none", "gzip", "xz", "zstd"};
    for (size_t i = 0; i < 4; i++)
        if (value && strcmp(value, valid[i]) == 0)
            return AG_OK;
    return ag_error_set(err, AG_USAGE,
                        "invalid rpm compression '%s': valid are none, gzip, xz and zstd",
                        value ? value : "");
}

static const char *field_or(const struct package_spec *spec, const char *key, const char *dflt)
{
    const char *v = package_spec_field(spec, key);
    return v ? v : dflt;
}

static int rpm_check_package(const struct package_spec *spec, struct ag_error *err)
{
    if (rpm_check_name(spec->name, err) != AG_OK ||
        rpm_check_version_field(spec->version, "version", err) != AG_OK ||
        rpm_check_version_field(field_or(spec, "release", "1"), "release", err) != AG_OK ||
        rpm_check_epoch(field_or(spec, "epoch", ""), err) != AG_OK ||
        check_arch(field_or(spec, "arch", "noarch"), err) != AG_OK ||
        check_compression(field_or(spec, "compression", "none"), err) != AG_OK)
        return err->status;
    const char *texts[][2] = {
        {"license", "license"}, {"group", "group"}, {"url", "url"}, {"summary", "summary"}};
    for (size_t i = 0; i < 4; i++)
        if (rpm_check_text(field_or(spec, texts[i][0], ""), texts[i][1], 0, err) != AG_OK)
            return err->status;
    if (*field_or(spec, "license", "MIT") == '\0')
        return ag_error_set(err, AG_USAGE, "rpm license: must not be empty (e.g. MIT)");
    if (rpm_check_text(spec->description ? spec->description : "", "description", 1, err) != AG_OK)
        return err->status;
    for (size_t i = 0; i < spec->dependency_count; i++)
        if (rpm_check_name(spec->dependencies[i].name, err) != AG_OK)
            return ag_error_prefix(err, "%s %s: dependency: ", spec->name, spec->version);
    for (size_t i = 0; i < spec->provide_count; i++)
        if (rpm_check_name(spec->provides[i], err) != AG_OK)
            return ag_error_prefix(err, "%s %s: provides: ", spec->name, spec->version);
    for (size_t i = 0; i < spec->conflict_count; i++) {
        const struct spec_dependency *c = &spec->conflicts[i];
        if (rpm_check_name(c->name, err) != AG_OK)
            return ag_error_prefix(err, "%s %s: conflict: ", spec->name, spec->version);
        /* Each Conflicts entry conflicts on its own, so "a >= 1, a < 2"
         * would conflict with every a: one bound, or none, and no "!=". */
        if (!version_range_one_bound(c->range))
            return ag_error_set(err, AG_USAGE,
                                "%s %s: conflicts with %s %s, which rpm Conflicts cannot say "
                                "(each entry conflicts on its own: one bound, no '!=')",
                                spec->name, spec->version, c->name,
                                c->range->text ? c->range->text : "");
    }
    return AG_OK;
}

/* ---- templates ---- */

static int rpm_load_templates(const struct package_spec *spec, struct template_set *files,
                              struct ag_error *err)
{
    struct template_vars vars = {0};
    char scratch[256];
    package_template_vars(spec, &vars, scratch, sizeof scratch);
    template_vars_set(&vars, "release", field_or(spec, "release", "1"));
    template_vars_set(&vars, "arch", field_or(spec, "arch", "noarch"));
    if (template_load_dir_as(spec->template_dir, &vars, NULL, 0, files, err) != AG_OK)
        return err->status;
    for (size_t i = 0; i < files->count; i++)
        if (strchr(files->files[i].path, '/') != NULL ||
            strcmp(files->files[i].path, RPM_DATA_FILE) == 0) {
            ag_error_set(err, AG_USAGE,
                         "%s/%s: rpm templates are files directly in the template directory "
                         "(installed under /usr/share/<name>/), not in subdirectories, and not "
                         "named %s",
                         spec->template_dir, files->files[i].path, RPM_DATA_FILE);
            template_set_free(files);
            return err->status;
        }
    return AG_OK;
}

static int rpm_check_templates(const struct package_spec *spec, struct ag_error *err)
{
    struct template_set files;
    if (rpm_load_templates(spec, &files, err) != AG_OK)
        return err->status;
    template_set_free(&files);
    return AG_OK;
}

/* ---- generate ---- */

static int rpm_generate(const struct package_spec *spec, struct artifact_list *list,
                        struct ag_error *err)
{
    struct template_set files;
    if (rpm_load_templates(spec, &files, err) != AG_OK)
        return err->status;
    struct rpm_meta_fields f = {0};
    int mismatch = spec->defect && strcmp(spec->defect, RPM_NAME_MISMATCH) == 0;
    char *other = mismatch ? xasprintf("%s-other", spec->name) : NULL;
    f.header_name = mismatch ? other : spec->name;
    f.release = field_or(spec, "release", "1");
    f.epoch = *field_or(spec, "epoch", "") ? field_or(spec, "epoch", "") : NULL;
    f.arch = field_or(spec, "arch", "noarch");
    f.license = field_or(spec, "license", "MIT");
    f.group = field_or(spec, "group", "Development/Tools");
    f.url = *field_or(spec, "url", "") ? field_or(spec, "url", "") : NULL;
    f.compression = field_or(spec, "compression", "none");
    f.description = spec->description && *spec->description ? spec->description : spec->name;
    const char *nl = strchr(f.description, '\n');
    size_t cut = nl ? (size_t)(nl - f.description) : strlen(f.description);
    /* At most 80 bytes, cut before a UTF-8 continuation byte, never in
     * a character. */
    if (cut > 80) {
        cut = 80;
        while (cut > 0 && ((unsigned char)f.description[cut] & 0xc0) == 0x80)
            cut--;
    }
    char *summary = *field_or(spec, "summary", "") ? xstrdup(field_or(spec, "summary", ""))
                                                   : xasprintf("%.*s", (int)cut, f.description);
    /* A summary made from the description starts with a capital, as
     * rpmlint wants (summary-not-capitalized); one given is kept as is. */
    if (!*field_or(spec, "summary", "") && summary[0] >= 'a' && summary[0] <= 'z')
        summary[0] = (char)(summary[0] - 'a' + 'A');
    f.summary = summary;

    struct artifact row;
    struct artifact probe = {0};
    probe.defect = (char *)spec->defect;
    char *dir = rpm_repo_dir(&probe);
    char *rel =
        xasprintf("%s/Packages/%s-%s-%s.%s.rpm", dir, spec->name, spec->version, f.release, f.arch);
    free(dir);
    package_row(&row, spec, RPM_KIND, package_path(spec, rel));
    row.purl =
        rpm_package_purl(spec->name, field_or(spec, "epoch", ""), spec->version, f.release, f.arch);
    int rc = rpm_write_package(spec, &f, &files, &row, err);
    if (rc == AG_OK)
        artifact_list_add(list, &row);
    package_row_release(&row);
    free(summary);
    free(other);
    template_set_free(&files);
    return rc;
}

/* ---- reading a package back (librpm's reader, not the writer) ---- */

struct rpm_read {
    rpmRC rc;          /* rpmReadPackageFile's verdict with the published key */
    rpmRC digests_rc;  /* with signature checks off: the header digests alone */
    int has_signature; /* RSAHEADER or DSAHEADER present */
    char *name;
    char *version;
    char *payload_digest; /* PAYLOADDIGEST[0] */
    char *data_digest;    /* FILEDIGESTS of the data file, or NULL */
    uint64_t header_end;  /* where the payload starts */
    char payload_sha256[65];
    int payload_whole; /* the file holds the whole payload's bytes to its end */
};

static void rpm_read_free(struct rpm_read *r)
{
    free(r->name);
    free(r->version);
    free(r->payload_digest);
    free(r->data_digest);
    memset(r, 0, sizeof *r);
}

static rpmKeyring published_keyring(const char *out_root)
{
    char *path = xasprintf("%s/keys/gpg-signing.asc", out_root);
    char *text = NULL;
    size_t len = 0;
    struct ag_error ignored = {0};
    rpmKeyring ring = rpmKeyringNew();
    if (read_file(path, &text, &len, &ignored) == AG_OK) {
        uint8_t *pkt = NULL;
        size_t pktlen = 0;
        if (pgpParsePkts(text, &pkt, &pktlen) == PGPARMOR_PUBKEY) {
            rpmPubkey key = rpmPubkeyNew(pkt, pktlen);
            if (key) {
                rpmKeyringAddKey(ring, key);
                rpmPubkeyFree(key);
            }
        }
        free(pkt);
    }
    free(text);
    free(path);
    return ring;
}

static rpmRC read_header(const char *path, rpmKeyring ring, rpmVSFlags flags, Header *h)
{
    rpmts ts = rpmtsCreate();
    rpmtsSetKeyring(ts, ring);
    rpmtsSetVSFlags(ts, flags);
    FD_t fd = Fopen(path, "r.ufdio");
    rpmRC rc = RPMRC_FAIL;
    if (fd && !Ferror(fd))
        rc = rpmReadPackageFile(ts, fd, path, h);
    if (fd)
        Fclose(fd);
    rpmtsFree(ts);
    return rc;
}

/* The sha256 of the bytes from offset to the end of the file. */
static int tail_sha256(const char *path, uint64_t offset, char *hex, struct ag_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ag_error_set(err, AG_FAIL, "%s: %s", path, strerror(errno));
    struct digest_set d;
    int rc = digest_set_init(&d, DIGEST_BIT(DIGEST_SHA256), err);
    if (rc == AG_OK && lseek(fd, (off_t)offset, SEEK_SET) < 0)
        rc = ag_error_set(err, AG_FAIL, "%s: %s", path, strerror(errno));
    unsigned char *buf = xmalloc(1u << 20);
    while (rc == AG_OK) {
        ssize_t got = read(fd, buf, 1u << 20);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = ag_error_set(err, AG_FAIL, "%s: %s", path, strerror(errno));
        if (got <= 0)
            break;
        digest_set_update(&d, buf, (size_t)got);
    }
    free(buf);
    close(fd);
    if (rc == AG_OK && digest_set_final(&d, err) == AG_OK)
        digest_hex(d.value[DIGEST_SHA256], 32, hex);
    digest_set_free(&d);
    return rc != AG_OK ? rc : err->status;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Where the payload starts, from the file's own framing: the lead, the
 * signature header padded to 8, the main header. 0 when it does not
 * frame (cut short, or not an rpm). */
static uint64_t payload_offset(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    unsigned char b[16];
    uint64_t at = RPM_LEAD_SIZE, result = 0;
    for (int k = 0; k < 2; k++) {
        if (pread(fd, b, 16, (off_t)at) != 16 || be32(b) != 0x8eade801u)
            break;
        uint64_t size = 16 + 16ull * be32(b + 8) + be32(b + 12);
        at += k == 0 ? (size + 7) & ~7ull : size;
        if (k == 1)
            result = at;
    }
    close(fd);
    return result;
}

static int rpm_read(const char *out_root, const struct artifact *art, struct rpm_read *r,
                    struct ag_error *err)
{
    memset(r, 0, sizeof *r);
    /* librpm logs a refused package on stderr; verify reports it as an
     * error of its own instead (the same mask on every call). */
    rpmlogSetMask(RPMLOG_UPTO(RPMLOG_CRIT));
    char *path = xasprintf("%s/%s", out_root, art->path);
    rpmKeyring ring = published_keyring(out_root);
    Header h = NULL;
    r->rc = read_header(path, ring, 0, &h);
    if (h)
        headerFree(h);
    h = NULL;
    r->digests_rc = read_header(path, ring, RPMVSF_MASK_NOSIGNATURES, &h);
    rpmKeyringFree(ring);
    int rc = AG_OK;
    if (h) {
        r->has_signature = headerIsEntry(h, RPMTAG_RSAHEADER) || headerIsEntry(h, RPMTAG_DSAHEADER);
        const char *s = headerGetString(h, RPMTAG_NAME);
        r->name = s ? xstrdup(s) : NULL;
        s = headerGetString(h, RPMTAG_VERSION);
        r->version = s ? xstrdup(s) : NULL;
        struct rpmtd_s td;
        if (headerGet(h, RPMTAG_PAYLOADDIGEST, &td, HEADERGET_MINMEM)) {
            s = rpmtdNextString(&td);
            r->payload_digest = s ? xstrdup(s) : NULL;
            rpmtdFreeData(&td);
        }
        if (art->data_path) {
            rpmfiles fi = rpmfilesNew(NULL, h, RPMTAG_BASENAMES, RPMFI_KEEPHEADER);
            char *want = xasprintf("/%s", art->data_path);
            int ix = fi ? rpmfilesFindFN(fi, want) : -1;
            int algo = 0;
            size_t dlen = 0;
            const unsigned char *raw = ix >= 0 ? rpmfilesFDigest(fi, ix, &algo, &dlen) : NULL;
            if (raw && dlen <= 32) {
                r->data_digest = xmalloc(2 * dlen + 1);
                digest_hex(raw, dlen, r->data_digest);
            }
            free(want);
            rpmfilesFree(fi);
        }
        headerFree(h);
        r->header_end = payload_offset(path);
        if (r->header_end > 0)
            rc = tail_sha256(path, r->header_end, r->payload_sha256, err);
    }
    free(path);
    return rc;
}

static const char *rpmrc_name(rpmRC rc)
{
    switch (rc) {
    case RPMRC_OK:
        return "OK";
    case RPMRC_NOKEY:
        return "NOKEY";
    case RPMRC_NOTTRUSTED:
        return "NOTTRUSTED";
    case RPMRC_NOTFOUND:
        return "NOTFOUND";
    default:
        return "FAIL";
    }
}

static int signing_published(const char *out_root)
{
    char *path = xasprintf("%s/keys/gpg-signing.asc", out_root);
    int yes = path_exists(path);
    free(path);
    return yes;
}

/* The package reads, its digests hold, and its header names the row. */
static int check_package_body(const struct artifact *art, const struct rpm_read *r,
                              const char *want_name, struct ag_error *err)
{
    if (r->digests_rc != RPMRC_OK)
        return ag_error_set(err, AG_FAIL, "%s: rpm does not read the header (%s)", art->path,
                            rpmrc_name(r->digests_rc));
    if (!r->name || strcmp(r->name, want_name) != 0 || !r->version ||
        strcmp(r->version, art->version) != 0)
        return ag_error_set(err, AG_FAIL, "%s: the header names %s %s, expected %s %s", art->path,
                            r->name ? r->name : "?", r->version ? r->version : "?", want_name,
                            art->version);
    if (r->header_end == 0 || !r->payload_digest ||
        strcmp(r->payload_digest, r->payload_sha256) != 0)
        return ag_error_set(err, AG_FAIL, "%s: PAYLOADDIGEST %s, the payload's sha256 %s",
                            art->path, r->payload_digest ? r->payload_digest : "(none)",
                            r->payload_sha256);
    if (art->data_path && (!r->data_digest || strcmp(r->data_digest, art->data_sha256) != 0))
        return ag_error_set(err, AG_FAIL, "%s: the header's digest of /%s is %s, the manifest %s",
                            art->path, art->data_path, r->data_digest ? r->data_digest : "(none)",
                            art->data_sha256);
    return AG_OK;
}

static int check_signature(const char *out_root, const struct artifact *art,
                           const struct rpm_read *r, struct ag_error *err)
{
    const char *persona = art->signer ? art->signer : "";
    if (strcmp(persona, "unsigned") == 0)
        return r->has_signature ? ag_error_set(err, AG_FAIL,
                                               "%s: signer persona unsigned, but signed", art->path)
                                : AG_OK;
    if (!signing_published(out_root))
        return AG_OK; /* an unsigned run */
    if (!r->has_signature)
        return ag_error_set(err, AG_FAIL, "%s: the run was signed, the package is not", art->path);
    rpmRC want = strcmp(persona, "wrong-signer") == 0  ? RPMRC_NOKEY
                 : strcmp(persona, "other-bytes") == 0 ? RPMRC_FAIL
                                                       : RPMRC_OK;
    if (r->rc != want)
        return ag_error_set(err, AG_FAIL,
                            "%s: rpm's signature check says %s with the published key, "
                            "expected %s",
                            art->path, rpmrc_name(r->rc), rpmrc_name(want));
    return AG_OK;
}

/* The primary entry against the row: name, version, pkgid, location. */
static int check_listing(const char *out_root, const struct artifact *art, struct ag_error *err)
{
    struct rpm_primary_entry p;
    if (rpm_read_primary(out_root, art, &p, err) != AG_OK)
        return err->status;
    char *dir = rpm_repo_dir(art);
    char *location = xasprintf("%s/%s", dir, p.location ? p.location : "");
    int rc = AG_OK;
    if (!p.name || strcmp(p.name, art->name) != 0 || !p.version ||
        strcmp(p.version, art->version) != 0)
        rc = ag_error_set(err, AG_FAIL, "%s: primary lists %s %s, the manifest %s %s", art->path,
                          p.name ? p.name : "?", p.version ? p.version : "?", art->name,
                          art->version);
    else if (!p.checksum || strcmp(p.checksum, art->sha256) != 0)
        rc = ag_error_set(err, AG_FAIL, "%s: primary's checksum %s is not the file's sha256 %s",
                          art->path, p.checksum ? p.checksum : "(none)", art->sha256);
    else if (strcmp(location, art->path) != 0)
        rc = ag_error_set(err, AG_FAIL, "%s: primary's location is %s", art->path, location);
    else if (p.size != art->bytes)
        rc = ag_error_set(err, AG_FAIL, "%s: primary's size %llu, the file %llu bytes", art->path,
                          (unsigned long long)p.size, (unsigned long long)art->bytes);
    free(location);
    free(dir);
    rpm_primary_entry_free(&p);
    if (rc != AG_OK)
        return rc;
    int repomd_true = 0;
    if (rpm_repomd_primary_true(out_root, art, &repomd_true, err) != AG_OK)
        return err->status;
    return repomd_true
               ? AG_OK
               : ag_error_set(err, AG_FAIL,
                              "%s: repomd.xml's checksum of primary is not the file's", art->path);
}

static int rpm_verify_artifact(const char *out_root, const char *base_url,
                               const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    if (strcmp(art->kind, RPM_KIND) != 0)
        return ag_error_set(err, AG_FAIL, "%s: rpm has no kind '%s'", art->path, art->kind);
    struct rpm_read r;
    int rc = rpm_read(out_root, art, &r, err);
    if (rc == AG_OK)
        rc = check_package_body(art, &r, art->name, err);
    if (rc == AG_OK)
        rc = check_signature(out_root, art, &r, err);
    rpm_read_free(&r);
    if (rc == AG_OK && !art->unlisted)
        rc = check_listing(out_root, art, err);
    return rc;
}

/* ---- the defects ---- */

static int variant_read(const char *out_root, const struct artifact *art, struct rpm_read *r,
                        const char *want_name, struct ag_error *err)
{
    if (rpm_read(out_root, art, r, err) != AG_OK)
        return err->status;
    if (check_package_body(art, r, want_name, err) != AG_OK) {
        rpm_read_free(r);
        return ag_error_prefix(err, "broken beyond the defect: ");
    }
    return AG_OK;
}

static int want_signature(const struct rpm_read *r, rpmRC want, const char *defect,
                          struct ag_error *err)
{
    if (!r->has_signature)
        return ag_error_set(err, AG_FAIL, "%s: the package carries no signature", defect);
    if (r->rc != want)
        return ag_error_set(err, AG_FAIL, "%s: the signature check says %s, not %s", defect,
                            rpmrc_name(r->rc), rpmrc_name(want));
    return AG_OK;
}

static int rpm_bad_signature_present(const char *out_root, const char *base_url,
                                     const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    struct rpm_read r;
    if (variant_read(out_root, art, &r, art->name, err) != AG_OK)
        return err->status;
    int rc = want_signature(&r, RPMRC_FAIL, RPM_BAD_SIGNATURE, err);
    rpm_read_free(&r);
    return rc;
}

static int rpm_wrong_signer_present(const char *out_root, const char *base_url,
                                    const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    struct rpm_read r;
    if (variant_read(out_root, art, &r, art->name, err) != AG_OK)
        return err->status;
    int rc = want_signature(&r, RPMRC_NOKEY, RPM_WRONG_SIGNER, err);
    rpm_read_free(&r);
    return rc;
}

static int rpm_unsigned_present(const char *out_root, const char *base_url,
                                const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    struct rpm_read r;
    if (variant_read(out_root, art, &r, art->name, err) != AG_OK)
        return err->status;
    int rc = r.has_signature ? ag_error_set(err, AG_FAIL, "the package is signed") : AG_OK;
    rpm_read_free(&r);
    return rc;
}

static int rpm_payload_digest_present(const char *out_root, const char *base_url,
                                      const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    struct rpm_read r;
    if (rpm_read(out_root, art, &r, err) != AG_OK)
        return err->status;
    int rc = AG_OK;
    if (r.digests_rc != RPMRC_OK || (signing_published(out_root) && r.rc != RPMRC_OK))
        rc = ag_error_set(err, AG_FAIL, "the header does not verify (%s)", rpmrc_name(r.rc));
    else if (r.header_end == 0 || !r.payload_digest)
        rc = ag_error_set(err, AG_FAIL, "no payload digest, or the file does not frame");
    else if (strcmp(r.payload_digest, r.payload_sha256) == 0)
        rc = ag_error_set(err, AG_FAIL, "PAYLOADDIGEST is the payload's sha256");
    rpm_read_free(&r);
    return rc;
}

static int primary_checksum_true(const char *out_root, const struct artifact *art,
                                 struct ag_error *err)
{
    struct rpm_primary_entry p;
    if (rpm_read_primary(out_root, art, &p, err) != AG_OK)
        return err->status;
    int rc = p.checksum && strcmp(p.checksum, art->sha256) == 0
                 ? AG_OK
                 : ag_error_set(err, AG_FAIL, "primary's checksum is not the file's sha256");
    rpm_primary_entry_free(&p);
    return rc;
}

static int rpm_truncated_present(const char *out_root, const char *base_url,
                                 const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    if (primary_checksum_true(out_root, art, err) != AG_OK)
        return err->status;
    struct rpm_read r;
    if (rpm_read(out_root, art, &r, err) != AG_OK)
        return err->status;
    struct ag_error why = {0};
    int whole = check_package_body(art, &r, art->name, &why) == AG_OK;
    rpm_read_free(&r);
    return whole ? ag_error_set(err, AG_FAIL, "the package reads whole") : AG_OK;
}

static int rpm_repomd_digest_present(const char *out_root, const char *base_url,
                                     const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    struct rpm_read r;
    if (variant_read(out_root, art, &r, art->name, err) != AG_OK)
        return err->status;
    rpm_read_free(&r);
    if (primary_checksum_true(out_root, art, err) != AG_OK)
        return err->status;
    int is_true = 1;
    if (rpm_repomd_primary_true(out_root, art, &is_true, err) != AG_OK)
        return err->status;
    return is_true ? ag_error_set(err, AG_FAIL, "repomd's primary checksum is the file's") : AG_OK;
}

static int rpm_name_mismatch_present(const char *out_root, const char *base_url,
                                     const struct artifact *art, struct ag_error *err)
{
    (void)base_url;
    const char *inner = artifact_fact(art, "header_name");
    if (inner == NULL || strcmp(inner, art->name) == 0)
        return ag_error_set(err, AG_FAIL, "the facts name no other header name");
    struct rpm_read r;
    if (variant_read(out_root, art, &r, inner, err) != AG_OK)
        return err->status;
    int rc =
        signing_published(out_root) && r.rc != RPMRC_OK
            ? ag_error_set(err, AG_FAIL, "the signature does not verify (%s)", rpmrc_name(r.rc))
            : AG_OK;
    rpm_read_free(&r);
    struct rpm_primary_entry p;
    if (rc == AG_OK && rpm_read_primary(out_root, art, &p, err) == AG_OK) {
        if (!p.name || strcmp(p.name, art->name) != 0)
            rc = ag_error_set(err, AG_FAIL, "primary names %s, not the row's %s",
                              p.name ? p.name : "?", art->name);
        rpm_primary_entry_free(&p);
    } else if (rc == AG_OK) {
        rc = err->status;
    }
    return rc;
}

const struct generator rpm_generator = {
    .name = "rpm",
    .summary = "signed .rpm packages, a signed yum repository (repodata)",
    .container_overhead = 64 * 1024,
    .kinds = rpm_kinds,
    .kind_count = sizeof rpm_kinds / sizeof rpm_kinds[0],
    .sign_modes = SIGN_EMBEDDED | SIGN_METADATA,
    .fields = rpm_fields,
    .field_count = sizeof rpm_fields / sizeof rpm_fields[0],
    .defects = rpm_defects,
    .defect_count = sizeof rpm_defects / sizeof rpm_defects[0],
    .sets = &rpm_set_support,
    .purl = rpm_purl,
    .check_package = rpm_check_package,
    .check_templates = rpm_check_templates,
    .generate = rpm_generate,
    .write_index = rpm_write_index,
    .verify_artifact = rpm_verify_artifact,
};
