/* The .rpm writer: a lead, a signature header, a main header made with
 * librpm's header API, and a cpio payload. The payload is spooled first
 * (compressed, digested in the same pass), because the header written
 * before it carries its digest and sizes. */
#include <archive.h>
#include <archive_entry.h>
#include <rpm/header.h>
#include <rpm/rpmds.h>
#include <rpm/rpmfiles.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmtd.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "common/digest.h"
#include "common/fsutil.h"
#include "common/openpgp.h"
#include "common/package.h"
#include "common/seeded_data.h"
#include "common/spool.h"
#include "common/template.h"
#include "generators/rpm.h"

#define RPMLIB_FLAGS (RPMSENSE_RPMLIB | RPMSENSE_LESS | RPMSENSE_EQUAL)
/* What rpmbuild reserves in the signature header, so a later rpmsign
 * can add signatures without rewriting the package. */
#define RPM_RESERVED_SPACE 4128

static const unsigned char header_magic[8] = {0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0};

void rpm_lead(unsigned char lead[RPM_LEAD_SIZE], const char *nvr)
{
    memset(lead, 0, RPM_LEAD_SIZE);
    static const unsigned char magic[4] = {0xed, 0xab, 0xee, 0xdb};
    memcpy(lead, magic, 4);
    lead[4] = 3; /* major */
    lead[5] = 0; /* minor */
    /* type 0 (binary) and archnum 0 at 6..9: rpm reads neither */
    size_t len = strlen(nvr);
    memcpy(lead + 10, nvr, len > 65 ? 65 : len);
    lead[76] = 0;
    lead[77] = 1; /* osnum: Linux */
    lead[78] = 0;
    lead[79] = 5; /* signature type: a header */
}

/* ---- one payload entry ---- */

struct rpm_entry {
    char *path; /* absolute, "/usr/share/<name>/..." */
    unsigned mode;
    const char *content; /* a template's bytes, or NULL */
    uint64_t size;
    int is_data;
    uint32_t flags;  /* RPMFILE_DOC, RPMFILE_LICENSE, or none */
    char digest[65]; /* sha256 hex; "" for a directory */
};

/* A template's README or LICENSE is marked as rpmbuild's %doc and
 * %license mark them: rpmlint wants documentation, and rpm -qd / -qL
 * list it. */
static uint32_t template_file_flags(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strncmp(base, "LICENSE", 7) == 0 || strncmp(base, "COPYING", 7) == 0)
        return RPMFILE_LICENSE;
    if (strncmp(base, "README", 6) == 0)
        return RPMFILE_DOC;
    return RPMFILE_NONE;
}

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const struct rpm_entry *)a)->path, ((const struct rpm_entry *)b)->path);
}

/* ---- the payload: cpio through a compressor into a spool ---- */

struct payload {
    struct spool spool;
    struct archive *filter; /* NULL for none */
    uint64_t archive_size;  /* uncompressed cpio bytes */
    struct digest_set data_digest;
    int digesting_data;
    struct ag_error *err;
    int failed;
};

static la_ssize_t payload_filter_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
    (void)a;
    struct payload *p = ctx;
    if (spool_write(&p->spool, buf, len, p->err) != AG_OK) {
        p->failed = 1;
        return -1;
    }
    return (la_ssize_t)len;
}

static int payload_put(struct payload *p, const void *buf, size_t len, struct ag_error *err)
{
    p->archive_size += len;
    if (p->filter == NULL)
        return spool_write(&p->spool, buf, len, err);
    if (archive_write_data(p->filter, buf, len) != (la_ssize_t)len)
        return p->failed ? err->status
                         : ag_error_set(err, AG_FAIL, "compressing the rpm payload: %s",
                                        archive_error_string(p->filter));
    return AG_OK;
}

static int payload_pad(struct payload *p, struct ag_error *err)
{
    static const char zeros[4] = {0};
    size_t pad = (size_t)((4 - (p->archive_size % 4)) % 4);
    return pad ? payload_put(p, zeros, pad, err) : AG_OK;
}

static int payload_sink_write(void *ctx, const void *buf, size_t len, struct ag_error *err)
{
    struct payload *p = ctx;
    if (p->digesting_data)
        digest_set_update(&p->data_digest, buf, len);
    return payload_put(p, buf, len, err);
}

/* libarchive's raw format carries one unnamed stream through its
 * filters: the compressors rpm reads, without a second library each. */
static int payload_open(struct payload *p, const char *dir, const char *compression,
                        struct ag_error *err)
{
    memset(p, 0, sizeof *p);
    p->err = err;
    if (spool_open(&p->spool, dir, DIGEST_BIT(DIGEST_SHA256), err) != AG_OK)
        return err->status;
    if (strcmp(compression, "none") == 0)
        return AG_OK;
    struct archive *a = archive_write_new();
    int ok = archive_write_set_format_raw(a) == ARCHIVE_OK;
    if (strcmp(compression, "gzip") == 0)
        ok = ok && archive_write_add_filter_gzip(a) == ARCHIVE_OK &&
             archive_write_set_options(a, "gzip:!timestamp,gzip:compression-level=6") == ARCHIVE_OK;
    else if (strcmp(compression, "xz") == 0)
        ok = ok && archive_write_add_filter_xz(a) == ARCHIVE_OK &&
             archive_write_set_options(a, "xz:compression-level=2") == ARCHIVE_OK;
    else
        ok = ok && archive_write_add_filter_zstd(a) == ARCHIVE_OK &&
             archive_write_set_options(a, "zstd:compression-level=3") == ARCHIVE_OK;
    archive_write_set_bytes_in_last_block(a, 1);
    ok = ok && archive_write_open2(a, p, NULL, payload_filter_write, NULL, NULL) == ARCHIVE_OK;
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "payload");
    archive_entry_set_filetype(e, AE_IFREG);
    ok = ok && archive_write_header(a, e) == ARCHIVE_OK;
    archive_entry_free(e);
    if (!ok) {
        ag_error_set(err, AG_FAIL, "rpm payload compressor %s: %s", compression,
                     archive_error_string(a));
        archive_write_free(a);
        spool_free(&p->spool);
        return err->status;
    }
    p->filter = a;
    return AG_OK;
}

static int payload_close(struct payload *p, struct ag_error *err)
{
    int rc = AG_OK;
    if (p->filter && archive_write_close(p->filter) != ARCHIVE_OK)
        rc = p->failed ? err->status
                       : ag_error_set(err, AG_FAIL, "closing the rpm payload compressor: %s",
                                      archive_error_string(p->filter));
    if (p->filter)
        archive_write_free(p->filter);
    p->filter = NULL;
    return rc == AG_OK ? spool_finish(&p->spool, err) : rc;
}

/* A newc header, or with stripped set rpm's own "07070X" form that
 * carries only the file's index in the header (files of 4 GiB and more,
 * whose size 8 hex digits cannot hold). */
static int cpio_header(struct payload *p, const struct rpm_entry *e, size_t index, int stripped,
                       int64_t epoch, struct ag_error *err)
{
    char head[128];
    int n;
    if (stripped) {
        n = snprintf(head, sizeof head, "07070X%08x", (unsigned)index);
        return payload_put(p, head, (size_t)n, err) == AG_OK ? payload_pad(p, err) : err->status;
    }
    const char *name = e ? e->path : "TRAILER!!!";
    char *dotted = e ? xasprintf(".%s", name) : xstrdup(name);
    size_t namesize = strlen(dotted) + 1;
    n = snprintf(head, sizeof head, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
                 e ? (unsigned)index + 1 : 0u, e ? e->mode : 0u, 0u, 0u, 1u,
                 e ? (unsigned)epoch : 0u, e ? (unsigned)e->size : 0u, 0u, 0u, 0u, 0u,
                 (unsigned)namesize, 0u);
    int rc = payload_put(p, head, (size_t)n, err);
    if (rc == AG_OK)
        rc = payload_put(p, dotted, namesize, err);
    if (rc == AG_OK)
        rc = payload_pad(p, err);
    free(dotted);
    return rc;
}

static int write_payload(const struct package_spec *spec, struct rpm_entry *entries, size_t n,
                         int stripped, struct payload *p, struct ag_error *err)
{
    int rc = AG_OK;
    for (size_t i = 0; rc == AG_OK && i < n; i++) {
        struct rpm_entry *e = &entries[i];
        rc = cpio_header(p, e, i, stripped, spec->epoch, err);
        if (rc == AG_OK && e->content)
            rc = payload_put(p, e->content, (size_t)e->size, err);
        if (rc == AG_OK && e->is_data) {
            struct seeded_data data = {spec->seed, spec->format, spec->name, spec->version,
                                       spec->data_size};
            struct byte_sink sink = {payload_sink_write, p};
            rc = digest_set_init(&p->data_digest, DIGEST_BIT(DIGEST_SHA256), err);
            p->digesting_data = rc == AG_OK;
            if (rc == AG_OK)
                rc = seeded_data_pump(&data, &sink, err);
            if (rc == AG_OK)
                rc = digest_set_final(&p->data_digest, err);
            if (rc == AG_OK)
                digest_hex(p->data_digest.value[DIGEST_SHA256], 32, e->digest);
            if (p->digesting_data)
                digest_set_free(&p->data_digest);
            p->digesting_data = 0;
        }
        if (rc == AG_OK && e->size > 0)
            rc = payload_pad(p, err);
    }
    if (rc == AG_OK)
        rc = cpio_header(p, NULL, 0, 0, spec->epoch, err);
    return rc;
}

/* ---- headers ---- */

/* headerPut with a filled rpmtd: the typed helpers look the tag up in
 * the main table, where the signature tags 1000-1008 mean other things. */
static int put(Header h, rpmTagVal tag, rpmTagType type, const void *data, rpm_count_t count)
{
    struct rpmtd_s td;
    memset(&td, 0, sizeof td);
    td.tag = tag;
    td.type = type;
    td.count = count;
    td.data = (void *)data;
    return headerPut(h, &td, HEADERPUT_DEFAULT);
}

static int put_string(Header h, rpmTagVal tag, const char *value)
{
    return put(h, tag, RPM_STRING_TYPE, value, 1);
}

static int put_u32(Header h, rpmTagVal tag, uint32_t value)
{
    return put(h, tag, RPM_INT32_TYPE, &value, 1);
}

static int put_u64(Header h, rpmTagVal tag, uint64_t value)
{
    return put(h, tag, RPM_INT64_TYPE, &value, 1);
}

struct dep_list {
    const char **names;
    const char **versions;
    uint32_t *flags;
    size_t count;
};

static void dep_add(struct dep_list *l, const char *name, uint32_t flags, const char *version)
{
    l->names = xrealloc(l->names, (l->count + 1) * sizeof *l->names);
    l->versions = xrealloc(l->versions, (l->count + 1) * sizeof *l->versions);
    l->flags = xrealloc(l->flags, (l->count + 1) * sizeof *l->flags);
    l->names[l->count] = name;
    l->versions[l->count] = version;
    l->flags[l->count] = flags;
    l->count++;
}

static int put_deps(Header h, const struct dep_list *l, rpmTagVal name, rpmTagVal flags,
                    rpmTagVal version)
{
    if (l->count == 0)
        return 1;
    return put(h, name, RPM_STRING_ARRAY_TYPE, l->names, (rpm_count_t)l->count) &&
           put(h, flags, RPM_INT32_TYPE, l->flags, (rpm_count_t)l->count) &&
           put(h, version, RPM_STRING_ARRAY_TYPE, l->versions, (rpm_count_t)l->count);
}

static void dep_list_free(struct dep_list *l)
{
    free(l->names);
    free(l->versions);
    free(l->flags);
    memset(l, 0, sizeof *l);
}

static const char *sense_name(uint32_t flags)
{
    switch (flags & (RPMSENSE_LESS | RPMSENSE_GREATER | RPMSENSE_EQUAL)) {
    case RPMSENSE_LESS:
        return "LT";
    case RPMSENSE_LESS | RPMSENSE_EQUAL:
        return "LE";
    case RPMSENSE_GREATER:
        return "GT";
    case RPMSENSE_GREATER | RPMSENSE_EQUAL:
        return "GE";
    case RPMSENSE_EQUAL:
        return "EQ";
    default:
        return NULL;
    }
}

/* A dependency as createrepo lists it (its facts). */
static json_t *dep_fact(const char *name, uint32_t flags, const char *version)
{
    json_t *d = json_pack("{s:s}", "name", name);
    const char *sense = sense_name(flags);
    if (sense && version && *version) {
        /* EVR split as createrepo_c does: epoch before ':', release after
         * the last '-'. */
        const char *colon = strchr(version, ':');
        const char *ver = colon ? colon + 1 : version;
        const char *dash = strrchr(ver, '-');
        char *epoch = colon ? xasprintf("%.*s", (int)(colon - version), version) : xstrdup("0");
        char *v = dash ? xasprintf("%.*s", (int)(dash - ver), ver) : xstrdup(ver);
        json_object_set_new(d, "flags", json_string(sense));
        json_object_set_new(d, "epoch", json_string(epoch));
        json_object_set_new(d, "ver", json_string(v));
        if (dash)
            json_object_set_new(d, "rel", json_string(dash + 1));
        free(epoch);
        free(v);
    }
    return d;
}

static json_t *deps_fact(const struct dep_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->count; i++)
        if (!(l->flags[i] & RPMSENSE_RPMLIB))
            json_array_append_new(a, dep_fact(l->names[i], l->flags[i], l->versions[i]));
    return a;
}

/* What one package is: the checked strings of its header, and those
 * made of them. */
struct rpm_meta {
    struct rpm_meta_fields f;
    const char *version;
    char *evr;       /* [epoch:]version-release */
    char *sourcerpm; /* <name>-<version>-<release>.src.rpm */
};

#define BUILDHOST    "localhost"
#define RPM_PACKAGER "assetgen <packager@assetgen.invalid>"

static Header main_header(const struct package_spec *spec, const struct rpm_meta *m,
                          const struct rpm_entry *e, size_t n, const struct payload *p, int large,
                          struct dep_list *requires, struct dep_list *provides,
                          struct dep_list *recommends, struct dep_list *conflicts)
{
    Header h = headerNew();
    int ok = headerAddI18NString(h, RPMTAG_SUMMARY, m->f.summary, "C") &&
             headerAddI18NString(h, RPMTAG_DESCRIPTION, m->f.description, "C") &&
             headerAddI18NString(h, RPMTAG_GROUP, m->f.group, "C");
    ok = ok && put_string(h, RPMTAG_NAME, m->f.header_name) &&
         put_string(h, RPMTAG_VERSION, m->version) && put_string(h, RPMTAG_RELEASE, m->f.release);
    if (m->f.epoch)
        ok = ok && put_u32(h, RPMTAG_EPOCH, (uint32_t)strtoul(m->f.epoch, NULL, 10));
    uint64_t installed = 0;
    for (size_t i = 0; i < n; i++)
        installed += e[i].size;
    ok = ok && put_u32(h, RPMTAG_BUILDTIME, (uint32_t)spec->epoch) &&
         put_string(h, RPMTAG_BUILDHOST, BUILDHOST);
    ok = ok && (installed >= UINT32_MAX ? put_u64(h, RPMTAG_LONGSIZE, installed)
                                        : put_u32(h, RPMTAG_SIZE, (uint32_t)installed));
    ok = ok && put_string(h, RPMTAG_LICENSE, m->f.license) &&
         (m->f.url == NULL || put_string(h, RPMTAG_URL, m->f.url)) &&
         put_string(h, RPMTAG_OS, "linux") && put_string(h, RPMTAG_ARCH, m->f.arch) &&
         put_string(h, RPMTAG_SOURCERPM, m->sourcerpm) &&
         put_string(h, RPMTAG_RPMVERSION, "4.18.0") && put_string(h, RPMTAG_ENCODING, "utf-8") &&
         put_string(h, RPMTAG_PACKAGER, RPM_PACKAGER);
    /* One changelog entry, dated at the epoch: rpmlint wants one. */
    char *who = xasprintf("%s - %s", RPM_PACKAGER, m->evr);
    const char *who_array[1] = {who};
    const char *what_array[1] = {"- generated by assetgen"};
    uint32_t when = (uint32_t)spec->epoch;
    ok = ok && put(h, RPMTAG_CHANGELOGTIME, RPM_INT32_TYPE, &when, 1) &&
         put(h, RPMTAG_CHANGELOGNAME, RPM_STRING_ARRAY_TYPE, who_array, 1) &&
         put(h, RPMTAG_CHANGELOGTEXT, RPM_STRING_ARRAY_TYPE, what_array, 1);
    free(who);

    /* The file list, in path order as rpm looks files up. */
    const char **basenames = xcalloc(n, sizeof *basenames);
    const char **dirnames = xcalloc(n, sizeof *dirnames);
    uint32_t *dirindexes = xcalloc(n, sizeof *dirindexes);
    char **dirs = xcalloc(n, sizeof *dirs);
    size_t dir_count = 0;
    uint32_t *sizes32 = xcalloc(n, sizeof *sizes32);
    uint64_t *sizes64 = xcalloc(n, sizeof *sizes64);
    uint16_t *modes = xcalloc(n, sizeof *modes);
    uint16_t *rdevs = xcalloc(n, sizeof *rdevs);
    uint32_t *mtimes = xcalloc(n, sizeof *mtimes);
    uint32_t *fileflags = xcalloc(n, sizeof *fileflags);
    uint32_t *verify = xcalloc(n, sizeof *verify);
    uint32_t *devices = xcalloc(n, sizeof *devices);
    uint32_t *inodes = xcalloc(n, sizeof *inodes);
    const char **digests = xcalloc(n, sizeof *digests);
    const char **empty = xcalloc(n, sizeof *empty);
    const char **root = xcalloc(n, sizeof *root);
    for (size_t i = 0; i < n; i++) {
        const char *slash = strrchr(e[i].path, '/');
        basenames[i] = slash + 1;
        char *dir = xasprintf("%.*s", (int)(slash + 1 - e[i].path), e[i].path);
        size_t d = 0;
        while (d < dir_count && strcmp(dirs[d], dir) != 0)
            d++;
        if (d == dir_count)
            dirs[dir_count++] = dir;
        else
            free(dir);
        dirindexes[i] = (uint32_t)d;
        sizes32[i] = (uint32_t)e[i].size;
        sizes64[i] = e[i].size;
        modes[i] = (uint16_t)e[i].mode;
        mtimes[i] = (uint32_t)spec->epoch;
        fileflags[i] = e[i].flags;
        verify[i] = 0xffffffffu;
        devices[i] = 1;
        inodes[i] = (uint32_t)i + 1;
        digests[i] = e[i].digest;
        empty[i] = "";
        root[i] = "root";
    }
    for (size_t d = 0; d < dir_count; d++)
        dirnames[d] = dirs[d];
    rpm_count_t c = (rpm_count_t)n;
    ok = ok &&
         (large ? put(h, RPMTAG_LONGFILESIZES, RPM_INT64_TYPE, sizes64, c)
                : put(h, RPMTAG_FILESIZES, RPM_INT32_TYPE, sizes32, c)) &&
         put(h, RPMTAG_FILEMODES, RPM_INT16_TYPE, modes, c) &&
         put(h, RPMTAG_FILERDEVS, RPM_INT16_TYPE, rdevs, c) &&
         put(h, RPMTAG_FILEMTIMES, RPM_INT32_TYPE, mtimes, c) &&
         put(h, RPMTAG_FILEDIGESTS, RPM_STRING_ARRAY_TYPE, digests, c) &&
         put(h, RPMTAG_FILELINKTOS, RPM_STRING_ARRAY_TYPE, empty, c) &&
         put(h, RPMTAG_FILEFLAGS, RPM_INT32_TYPE, fileflags, c) &&
         put(h, RPMTAG_FILEUSERNAME, RPM_STRING_ARRAY_TYPE, root, c) &&
         put(h, RPMTAG_FILEGROUPNAME, RPM_STRING_ARRAY_TYPE, root, c) &&
         put(h, RPMTAG_FILEVERIFYFLAGS, RPM_INT32_TYPE, verify, c) &&
         put(h, RPMTAG_FILEDEVICES, RPM_INT32_TYPE, devices, c) &&
         put(h, RPMTAG_FILEINODES, RPM_INT32_TYPE, inodes, c) &&
         put(h, RPMTAG_FILELANGS, RPM_STRING_ARRAY_TYPE, empty, c) &&
         put(h, RPMTAG_DIRINDEXES, RPM_INT32_TYPE, dirindexes, c) &&
         put(h, RPMTAG_BASENAMES, RPM_STRING_ARRAY_TYPE, basenames, c) &&
         put(h, RPMTAG_DIRNAMES, RPM_STRING_ARRAY_TYPE, dirnames, (rpm_count_t)dir_count) &&
         put_u32(h, RPMTAG_FILEDIGESTALGO, 8);

    /* rpmlib() features the package uses, as rpmbuild states them. */
    dep_add(requires, "rpmlib(CompressedFileNames)", RPMLIB_FLAGS, "3.0.4-1");
    dep_add(requires, "rpmlib(FileDigests)", RPMLIB_FLAGS, "4.6.0-1");
    if (large)
        dep_add(requires, "rpmlib(LargeFiles)", RPMLIB_FLAGS, "4.12.0-1");
    dep_add(requires, "rpmlib(PayloadFilesHavePrefix)", RPMLIB_FLAGS, "4.0-1");
    if (strcmp(m->f.compression, "xz") == 0)
        dep_add(requires, "rpmlib(PayloadIsXz)", RPMLIB_FLAGS, "5.2-1");
    if (strcmp(m->f.compression, "zstd") == 0)
        dep_add(requires, "rpmlib(PayloadIsZstd)", RPMLIB_FLAGS, "5.4.18-1");
    ok = ok &&
         put_deps(h, provides, RPMTAG_PROVIDENAME, RPMTAG_PROVIDEFLAGS, RPMTAG_PROVIDEVERSION) &&
         put_deps(h, requires, RPMTAG_REQUIRENAME, RPMTAG_REQUIREFLAGS, RPMTAG_REQUIREVERSION) &&
         put_deps(h, recommends, RPMTAG_RECOMMENDNAME, RPMTAG_RECOMMENDFLAGS,
                  RPMTAG_RECOMMENDVERSION) &&
         put_deps(h, conflicts, RPMTAG_CONFLICTNAME, RPMTAG_CONFLICTFLAGS, RPMTAG_CONFLICTVERSION);

    char digest_hex_text[65];
    digest_hex(p->spool.digests.value[DIGEST_SHA256], 32, digest_hex_text);
    if (spec->defect && strcmp(spec->defect, RPM_PAYLOAD_DIGEST) == 0)
        hex_digest_corrupt(digest_hex_text);
    const char *digest_array[1] = {digest_hex_text};
    const char *compressor = strcmp(m->f.compression, "none") == 0 ? NULL : m->f.compression;
    const char *level = strcmp(m->f.compression, "gzip") == 0   ? "6"
                        : strcmp(m->f.compression, "xz") == 0   ? "2"
                        : strcmp(m->f.compression, "zstd") == 0 ? "3"
                                                                : "0";
    ok = ok && put_string(h, RPMTAG_PAYLOADFORMAT, "cpio") &&
         (compressor == NULL || put_string(h, RPMTAG_PAYLOADCOMPRESSOR, compressor)) &&
         put_string(h, RPMTAG_PAYLOADFLAGS, level) &&
         put(h, RPMTAG_PAYLOADDIGEST, RPM_STRING_ARRAY_TYPE, digest_array, 1) &&
         put_u32(h, RPMTAG_PAYLOADDIGESTALGO, 8);

    for (size_t d = 0; d < dir_count; d++)
        free(dirs[d]);
    free(dirs);
    free(basenames);
    free(dirnames);
    free(dirindexes);
    free(sizes32);
    free(sizes64);
    free(modes);
    free(rdevs);
    free(mtimes);
    free(fileflags);
    free(verify);
    free(devices);
    free(inodes);
    free(digests);
    free(empty);
    free(root);
    if (!ok) {
        headerFree(h);
        return NULL;
    }
    /* The immutable region is what signatures and digests cover. */
    return headerReload(h, RPMTAG_HEADERIMMUTABLE);
}

/* A header's bytes as the file holds them: the magic, then the blob. */
static unsigned char *header_bytes(Header h, size_t *len)
{
    unsigned int size = 0;
    void *blob = headerExport(h, &size);
    if (blob == NULL)
        return NULL;
    unsigned char *out = xmalloc(sizeof header_magic + size);
    memcpy(out, header_magic, sizeof header_magic);
    memcpy(out + sizeof header_magic, blob, size);
    free(blob);
    *len = sizeof header_magic + size;
    return out;
}

static unsigned char *signature_header(const struct package_spec *spec, const unsigned char *hdr,
                                       size_t hdr_len, const struct payload *p, size_t *len,
                                       struct ag_error *err)
{
    char sha256[65], sha1[41];
    if (digest_buffer_hex(DIGEST_SHA256, hdr, hdr_len, sha256, err) != AG_OK ||
        digest_buffer_hex(DIGEST_SHA1, hdr, hdr_len, sha1, err) != AG_OK)
        return NULL;
    char *sig = NULL;
    size_t sig_len = 0;
    if (spec->signer && !(spec->defect && strcmp(spec->defect, RPM_UNSIGNED) == 0)) {
        /* bad-signature and the other-bytes persona: the project key over
         * bytes that are not this header, so rpm finds the signature BAD. */
        int other = (spec->defect && strcmp(spec->defect, RPM_BAD_SIGNATURE) == 0) ||
                    spec->persona == PERSONA_OTHER_BYTES;
        unsigned char *signed_bytes = xmalloc(hdr_len);
        memcpy(signed_bytes, hdr, hdr_len);
        if (other)
            signed_bytes[hdr_len - 1] ^= 0x01;
        int rc = signer_sign_buffer(spec->signer, signed_bytes, hdr_len, 0, &sig, &sig_len, err);
        free(signed_bytes);
        if (rc != AG_OK)
            return NULL;
    }
    uint64_t total = hdr_len + p->spool.bytes;
    int long_sizes = total >= UINT32_MAX || p->archive_size >= UINT32_MAX;
    unsigned char reserved[RPM_RESERVED_SPACE] = {0};
    Header h = headerNew();
    int ok = put(h, RPMSIGTAG_SHA1, RPM_STRING_TYPE, sha1, 1) &&
             put(h, RPMSIGTAG_SHA256, RPM_STRING_TYPE, sha256, 1) &&
             (sig == NULL || put(h, RPMSIGTAG_RSA, RPM_BIN_TYPE, sig, (rpm_count_t)sig_len));
    uint32_t size32 = (uint32_t)total, payload32 = (uint32_t)p->archive_size;
    if (long_sizes)
        ok = ok && put_u64(h, RPMSIGTAG_LONGSIZE, total) &&
             put_u64(h, RPMSIGTAG_LONGARCHIVESIZE, p->archive_size);
    else
        ok = ok && put(h, RPMSIGTAG_SIZE, RPM_INT32_TYPE, &size32, 1) &&
             put(h, RPMSIGTAG_PAYLOADSIZE, RPM_INT32_TYPE, &payload32, 1);
    /* The 64-bit sizes take 8 bytes more data and two more entries
     * than the 32-bit ones: rpmbuild shrinks the reserve to match. */
    ok = ok && put(h, RPMSIGTAG_RESERVEDSPACE, RPM_BIN_TYPE, reserved,
                   long_sizes ? RPM_RESERVED_SPACE - 8 : RPM_RESERVED_SPACE);
    free(sig);
    h = ok ? headerReload(h, RPMTAG_HEADERSIGNATURES) : (headerFree(h), NULL);
    unsigned char *out = h ? header_bytes(h, len) : NULL;
    if (h)
        headerFree(h);
    if (out == NULL) {
        ag_error_set(err, AG_FAIL, "librpm refused the signature header of %s %s", spec->name,
                     spec->version);
        return NULL;
    }
    /* Padded to 8 bytes: the main header starts aligned. */
    size_t padded = (*len + 7) & ~(size_t)7;
    out = xrealloc(out, padded);
    memset(out + *len, 0, padded - *len);
    *len = padded;
    return out;
}

/* ---- the package ---- */

static int spool_into_file(const struct spool *s, struct atomic_file *out, struct ag_error *err)
{
    struct byte_sink sink = byte_sink_for_atomic_file(out);
    return spool_copy(s, &sink, err);
}

static json_t *files_fact(const struct rpm_entry *e, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s,s:s}", "path", e[i].path, "type",
                                           (e[i].mode & 0170000) == 0040000 ? "dir" : "file"));
    return a;
}

int rpm_write_package(const struct package_spec *spec, const struct rpm_meta_fields *fields,
                      const struct template_set *files, struct artifact *row, struct ag_error *err)
{
    struct rpm_meta m = {0};
    m.f = *fields;
    m.version = spec->version;
    m.evr = m.f.epoch ? xasprintf("%s:%s-%s", m.f.epoch, m.version, m.f.release)
                      : xasprintf("%s-%s", m.version, m.f.release);
    m.sourcerpm = xasprintf("%s-%s-%s.src.rpm", m.f.header_name, m.version, m.f.release);

    /* The entries: /usr/share/<name>/ owned by the package, the
     * templates in it, and the data file. */
    size_t n = 0;
    struct rpm_entry *e = xcalloc(files->count + 2, sizeof *e);
    e[n].path = xasprintf("/usr/share/%s", spec->name);
    e[n++].mode = 0040755;
    for (size_t i = 0; i < files->count; i++) {
        e[n].path = xasprintf("/usr/share/%s/%s", spec->name, files->files[i].path);
        e[n].mode = 0100000 | (files->files[i].mode & 0777);
        e[n].content = files->files[i].content;
        e[n].size = files->files[i].length;
        e[n].flags = template_file_flags(files->files[i].path);
        digest_buffer_hex(DIGEST_SHA256, e[n].content, (size_t)e[n].size, e[n].digest, err);
        n++;
    }
    if (spec->data_size > 0) {
        e[n].path = xasprintf("/usr/share/%s/%s", spec->name, RPM_DATA_FILE);
        e[n].mode = 0100644;
        e[n].size = spec->data_size;
        e[n++].is_data = 1;
    }
    qsort(e, n, sizeof *e, compare_entries);
    int large = 0;
    for (size_t i = 0; i < n; i++)
        large = large || e[i].size >= UINT32_MAX;

    struct payload p;
    int rc = payload_open(&p, spec->out_root, m.f.compression, err);
    int opened = rc == AG_OK;
    if (rc == AG_OK)
        rc = write_payload(spec, e, n, large, &p, err);
    if (opened) {
        int closed = payload_close(&p, err);
        rc = rc == AG_OK ? closed : rc;
    }

    struct dep_list requires = {0}, provides = {0}, recommends = {0}, conflicts = {0};
    dep_add(&provides, m.f.header_name, RPMSENSE_EQUAL, m.evr);
    /* A virtual name at the package's own EVR, as rpmbuild writes a
     * "Provides: name = version" of a spec file. */
    for (size_t i = 0; i < spec->provide_count; i++)
        dep_add(&provides, spec->provides[i], RPMSENSE_EQUAL, m.evr);
    struct rpm_dep deps[64];
    size_t dep_count = 0;
    for (size_t i = 0; i < spec->dependency_count && dep_count < 60; i++) {
        const struct spec_dependency *d = &spec->dependencies[i];
        if (d->kind == DEPENDENCY_DEV)
            continue;
        size_t got = rpm_range_deps(d->name, d->range, deps + dep_count, 64 - dep_count);
        for (size_t k = dep_count; k < dep_count + got; k++)
            dep_add(d->kind == DEPENDENCY_OPTIONAL ? &recommends : &requires, deps[k].name,
                    deps[k].flags, deps[k].version);
        dep_count += got;
    }
    for (size_t i = 0; i < spec->conflict_count && dep_count < 60; i++) {
        const struct spec_dependency *d = &spec->conflicts[i];
        size_t got = rpm_range_deps(d->name, d->range, deps + dep_count, 64 - dep_count);
        for (size_t k = dep_count; k < dep_count + got; k++)
            dep_add(&conflicts, deps[k].name, deps[k].flags, deps[k].version);
        dep_count += got;
    }

    Header h = NULL;
    unsigned char *hdr = NULL, *sig = NULL;
    size_t hdr_len = 0, sig_len = 0;
    if (rc == AG_OK) {
        h = main_header(spec, &m, e, n, &p, large, &requires, &provides, &recommends, &conflicts);
        hdr = h ? header_bytes(h, &hdr_len) : NULL;
        if (hdr == NULL)
            rc = ag_error_set(err, AG_FAIL, "librpm refused the header of %s %s", spec->name,
                              spec->version);
    }
    if (rc == AG_OK && (sig = signature_header(spec, hdr, hdr_len, &p, &sig_len, err)) == NULL)
        rc = err->status;

    struct atomic_file out;
    char *path = rc == AG_OK ? package_output_path(spec, row->path) : NULL;
    if (rc == AG_OK)
        rc = atomic_file_open(&out, path, DIGEST_ALL, err);
    if (rc == AG_OK) {
        unsigned char lead[RPM_LEAD_SIZE];
        char *nvr = xasprintf("%s-%s-%s", m.f.header_name, m.version, m.f.release);
        rpm_lead(lead, nvr);
        free(nvr);
        rc = atomic_file_write(&out, lead, sizeof lead, err);
        if (rc == AG_OK)
            rc = atomic_file_write(&out, sig, sig_len, err);
        if (rc == AG_OK)
            rc = atomic_file_write(&out, hdr, hdr_len, err);
        if (rc == AG_OK)
            rc = spool_into_file(&p.spool, &out, err);
        if (rc == AG_OK && spec->defect && strcmp(spec->defect, RPM_TRUNCATED) == 0)
            rc = atomic_file_truncate(&out, out.bytes / 2, err);
        out.keep_sha256_state = 1;
        if (rc == AG_OK)
            rc = atomic_file_commit(&out, err);
        else
            atomic_file_abort(&out);
    }
    free(path);
    if (rc == AG_OK) {
        artifact_take_digests(row, &out);
        for (size_t i = 0; i < n; i++)
            if (e[i].is_data) {
                unsigned char sha[32];
                hex_decode(e[i].digest, sha, sizeof sha);
                artifact_set_data(row, e[i].path + 1, e[i].size, sha);
            }
        uint64_t start = RPM_LEAD_SIZE + sig_len;
        uint64_t installed = 0;
        for (size_t i = 0; i < n; i++)
            installed += e[i].size;
        char payload_hex[65];
        digest_hex(p.spool.digests.value[DIGEST_SHA256], 32, payload_hex);
        json_t *facts = json_object();
        json_object_set_new(facts, "header_name", json_string(m.f.header_name));
        json_object_set_new(facts, "epoch", json_string(m.f.epoch ? m.f.epoch : "0"));
        json_object_set_new(facts, "release", json_string(m.f.release));
        json_object_set_new(facts, "arch", json_string(m.f.arch));
        json_object_set_new(facts, "summary", json_string(m.f.summary));
        json_object_set_new(facts, "description", json_string(m.f.description));
        json_object_set_new(facts, "license", json_string(m.f.license));
        json_object_set_new(facts, "group", json_string(m.f.group));
        if (m.f.url)
            json_object_set_new(facts, "url", json_string(m.f.url));
        json_object_set_new(facts, "buildhost", json_string(BUILDHOST));
        json_object_set_new(facts, "packager", json_string(RPM_PACKAGER));
        json_object_set_new(facts, "sourcerpm", json_string(m.sourcerpm));
        json_object_set_new(facts, "compression", json_string(m.f.compression));
        json_object_set_new(facts, "header_start", json_integer((json_int_t)start));
        json_object_set_new(facts, "header_end", json_integer((json_int_t)(start + hdr_len)));
        json_object_set_new(facts, "installed_size", json_integer((json_int_t)installed));
        json_object_set_new(facts, "archive_size", json_integer((json_int_t)p.archive_size));
        json_object_set_new(facts, "payload_sha256", json_string(payload_hex));
        json_object_set_new(facts, "files", files_fact(e, n));
        json_object_set_new(facts, "provides", deps_fact(&provides));
        json_object_set_new(facts, "requires", deps_fact(&requires));
        json_object_set_new(facts, "recommends", deps_fact(&recommends));
        json_object_set_new(facts, "conflicts", deps_fact(&conflicts));
        artifact_set_facts(row, facts);
    }
    if (opened)
        spool_free(&p.spool);
    if (h)
        headerFree(h);
    free(hdr);
    free(sig);
    for (size_t k = 0; k < dep_count; k++) {
        free(deps[k].name);
        free(deps[k].version);
    }
    dep_list_free(&requires);
    dep_list_free(&provides);
    dep_list_free(&recommends);
    dep_list_free(&conflicts);
    for (size_t i = 0; i < n; i++)
        free(e[i].path);
    free(e);
    free(m.evr);
    free(m.sourcerpm);
    return rc;
}
