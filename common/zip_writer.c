#include "common/zip_writer.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/crc32.h"
#include "common/fsutil.h"

#define SIG_LOCAL      0x04034b50u
#define SIG_CENTRAL    0x02014b50u
#define SIG_END64      0x06064b50u
#define SIG_END64_LOC  0x07064b50u
#define SIG_END        0x06054b50u
#define LOCAL_FIXED    30u
#define CENTRAL_FIXED  46u
#define END64_BYTES    56u
#define END64_LOC      20u
#define END_BYTES      22u
#define ZIP64_TAG      0x0001u
#define FLAG_UTF8      0x0800u
#define MADE_BY_UNIX   (3u << 8)
#define VERSION_PLAIN  20u
#define VERSION_ZIP64  45u
#define MSDOS_DIR_ATTR 0x10u

struct zip_record {
    char *name;
    uint32_t crc;
    uint64_t size;
    uint64_t offset;
    uint32_t external;
    uint16_t flags;
};

static unsigned char *put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    return p + 2;
}

static unsigned char *put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
    return p + 4;
}

static unsigned char *put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
    return p + 8;
}

/* A 32-bit field, or the zip64 marker when the value lives in the extra. */
static uint32_t field32(uint64_t v, int in_zip64)
{
    return in_zip64 ? 0xFFFFFFFFu : (uint32_t)v;
}

void zip_dos_time(int64_t epoch, uint16_t *dos_time, uint16_t *dos_date)
{
    static const int64_t first = 315532800;   /* 1980-01-01 00:00:00 UTC */
    static const int64_t last = 4354819198LL; /* 2107-12-31 23:59:58 UTC */
    if (epoch < first)
        epoch = first;
    if (epoch > last)
        epoch = last;
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    *dos_time = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
    *dos_date = (uint16_t)((tm.tm_year + 1900 - 1980) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
}

void zip_writer_open(struct zip_writer *zw, struct byte_sink sink, int64_t mtime,
                     unsigned entry_digests)
{
    memset(zw, 0, sizeof *zw);
    zw->sink = sink;
    zw->entry_digests = entry_digests & DIGEST_ALL;
    zw->zip64_limit = ZIP64_LIMIT;
    zip_dos_time(mtime, &zw->dos_time, &zw->dos_date);
}

static int emit(struct zip_writer *zw, const void *buf, size_t len, struct ag_error *err)
{
    if (byte_sink_write(&zw->sink, buf, len, err) != AG_OK)
        return err->status;
    zw->offset += len;
    return AG_OK;
}

static int name_is_ascii(const char *name)
{
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p >= 0x80)
            return 0;
    return 1;
}

/* Writes the local header and remembers the entry for the central
 * directory. */
static int begin_entry(struct zip_writer *zw, const char *path, uint32_t external, uint32_t crc,
                       uint64_t size, struct ag_error *err)
{
    size_t name_len = strlen(path);
    if (zw->closed)
        return ag_error_set(err, AG_FAIL, "entry %s: the zip is already closed", path);
    if (name_len == 0 || name_len > 0xFFFF)
        return ag_error_set(err, AG_USAGE, "zip entry name of %zu bytes (1..65535)", name_len);
    int size64 = size >= zw->zip64_limit;
    int zip64 = size64 || zw->offset >= zw->zip64_limit;
    unsigned flags = name_is_ascii(path) ? 0 : FLAG_UTF8;
    size_t extra = size64 ? 20 : 0;
    unsigned char *hdr = xmalloc(LOCAL_FIXED + name_len + extra);
    unsigned char *p = put32(hdr, SIG_LOCAL);
    p = put16(p, zip64 ? VERSION_ZIP64 : VERSION_PLAIN);
    p = put16(p, flags);
    p = put16(p, 0); /* stored */
    p = put16(p, zw->dos_time);
    p = put16(p, zw->dos_date);
    p = put32(p, crc);
    p = put32(p, field32(size, size64)); /* compressed = uncompressed: stored */
    p = put32(p, field32(size, size64));
    p = put16(p, (unsigned)name_len);
    p = put16(p, (unsigned)extra);
    memcpy(p, path, name_len);
    p += name_len;
    if (size64) {
        /* The local zip64 extra holds both sizes, always. */
        p = put16(p, ZIP64_TAG);
        p = put16(p, 16);
        p = put64(p, size);
        put64(p, size);
    }
    if (zw->count == zw->cap) {
        zw->cap = zw->cap ? 2 * zw->cap : 32;
        zw->records = xrealloc(zw->records, zw->cap * sizeof *zw->records);
    }
    struct zip_record rec = {xstrdup(path), crc, size, zw->offset, external, (uint16_t)flags};
    int rc = emit(zw, hdr, LOCAL_FIXED + name_len + extra, err);
    free(hdr);
    if (rc != AG_OK) {
        free(rec.name);
        return ag_error_prefix(err, "entry %s: ", path);
    }
    zw->records[zw->count++] = rec;
    return AG_OK;
}

static uint32_t regular_attr(unsigned mode)
{
    return (uint32_t)(S_IFREG | (mode & 07777)) << 16;
}

/* One pass over an entry's bytes: digests and CRC, and the bytes
 * themselves into the zip when write is set. */
struct entry_pass {
    struct zip_writer *zw;
    struct digest_set *digests;
    struct digest_set *content;
    uint32_t crc;
    int write;
};

static int pass_write(void *ctx, const void *buf, size_t len, struct ag_error *err)
{
    struct entry_pass *pass = ctx;
    if (pass->digests != NULL)
        digest_set_update(pass->digests, buf, len);
    if (pass->content != NULL)
        digest_set_update(pass->content, buf, len);
    if (!pass->write) {
        pass->crc = crc32_extend(pass->crc, buf, len);
        return AG_OK;
    }
    return emit(pass->zw, buf, len, err);
}

static int start_digests(struct zip_writer *zw, struct digest_set *d, struct ag_error *err)
{
    memset(d, 0, sizeof *d);
    if (zw->entry_digests == 0)
        return AG_OK;
    return digest_set_init(d, zw->entry_digests, err);
}

static int record_digests(struct zip_writer *zw, const char *path, uint64_t size,
                          struct digest_set *d, struct ag_error *err)
{
    if (zw->entry_digests == 0)
        return AG_OK;
    return entry_digest_list_add(&zw->entries, path, size, d, err);
}

int zip_writer_add_dir(struct zip_writer *zw, const char *path, struct ag_error *err)
{
    uint32_t external = (uint32_t)(S_IFDIR | 0755) << 16 | MSDOS_DIR_ATTR;
    return begin_entry(zw, path, external, 0, 0, err);
}

int zip_writer_add_buffer(struct zip_writer *zw, const char *path, unsigned mode, const void *data,
                          size_t len, struct ag_error *err)
{
    struct digest_set d;
    if (start_digests(zw, &d, err) != AG_OK)
        return err->status;
    digest_set_update(&d, data, len);
    if (begin_entry(zw, path, regular_attr(mode), crc32_extend(0, data, len), len, err) != AG_OK ||
        emit(zw, data, len, err) != AG_OK) {
        digest_set_free(&d);
        return err->status;
    }
    return record_digests(zw, path, len, &d, err);
}

int zip_writer_add_data_stream(struct zip_writer *zw, const char *path, unsigned mode,
                               const struct seeded_data *data, struct digest_set *content,
                               struct ag_error *err)
{
    struct digest_set d;
    if (start_digests(zw, &d, err) != AG_OK)
        return err->status;
    struct entry_pass measure = {zw, &d, content, 0, 0};
    struct byte_sink measure_sink = {pass_write, &measure};
    struct entry_pass copy = {zw, NULL, NULL, 0, 1};
    struct byte_sink copy_sink = {pass_write, &copy};
    if (seeded_data_pump(data, &measure_sink, err) != AG_OK ||
        begin_entry(zw, path, regular_attr(mode), measure.crc, data->size, err) != AG_OK ||
        seeded_data_pump(data, &copy_sink, err) != AG_OK) {
        digest_set_free(&d);
        return err->status;
    }
    return record_digests(zw, path, data->size, &d, err);
}

int zip_writer_add_spool(struct zip_writer *zw, const char *path, unsigned mode,
                         const struct spool *spool, struct ag_error *err)
{
    if (!spool->finished)
        return ag_error_set(err, AG_FAIL, "entry %s: its spool is not finished", path);
    /* The spool has the digests already when it was asked for them. */
    int known = (zw->entry_digests & ~spool->digests.mask) == 0;
    struct digest_set d;
    memset(&d, 0, sizeof d);
    if (!known && start_digests(zw, &d, err) != AG_OK)
        return err->status;
    struct entry_pass copy = {zw, known ? NULL : &d, NULL, 0, 1};
    struct byte_sink copy_sink = {pass_write, &copy};
    if (begin_entry(zw, path, regular_attr(mode), spool->crc32, spool->bytes, err) != AG_OK ||
        spool_copy(spool, &copy_sink, err) != AG_OK) {
        digest_set_free(&d);
        return err->status;
    }
    if (!known)
        return record_digests(zw, path, spool->bytes, &d, err);
    if (zw->entry_digests != 0)
        entry_digest_list_add_final(&zw->entries, path, spool->bytes, zw->entry_digests,
                                    &spool->digests);
    return AG_OK;
}

static int write_central(struct zip_writer *zw, const struct zip_record *r, struct ag_error *err)
{
    size_t name_len = strlen(r->name);
    int size64 = r->size >= zw->zip64_limit, offset64 = r->offset >= zw->zip64_limit;
    size_t fields = (size64 ? 2u : 0u) + (offset64 ? 1u : 0u);
    size_t extra = fields ? 4 + 8 * fields : 0;
    unsigned version = size64 || offset64 ? VERSION_ZIP64 : VERSION_PLAIN;
    unsigned char *hdr = xmalloc(CENTRAL_FIXED + name_len + extra);
    unsigned char *p = put32(hdr, SIG_CENTRAL);
    p = put16(p, MADE_BY_UNIX | version);
    p = put16(p, version);
    p = put16(p, r->flags);
    p = put16(p, 0);
    p = put16(p, zw->dos_time);
    p = put16(p, zw->dos_date);
    p = put32(p, r->crc);
    p = put32(p, field32(r->size, size64));
    p = put32(p, field32(r->size, size64));
    p = put16(p, (unsigned)name_len);
    p = put16(p, (unsigned)extra);
    p = put16(p, 0); /* comment */
    p = put16(p, 0); /* disk */
    p = put16(p, 0); /* internal attributes */
    p = put32(p, r->external);
    p = put32(p, field32(r->offset, offset64));
    memcpy(p, r->name, name_len);
    p += name_len;
    if (fields) {
        /* Only the fields whose 32-bit slot holds the marker, in this order. */
        p = put16(p, ZIP64_TAG);
        p = put16(p, (unsigned)(8 * fields));
        if (size64) {
            p = put64(p, r->size);
            p = put64(p, r->size);
        }
        if (offset64)
            put64(p, r->offset);
    }
    int rc = emit(zw, hdr, CENTRAL_FIXED + name_len + extra, err);
    free(hdr);
    return rc;
}

static int write_end_records(struct zip_writer *zw, uint64_t cd_offset, uint64_t cd_size,
                             int any_zip64, struct ag_error *err)
{
    uint64_t count_limit = zw->zip64_limit < 0xFFFF ? zw->zip64_limit : 0xFFFF;
    int count64 = zw->count >= count_limit;
    int size64 = cd_size >= zw->zip64_limit, offset64 = cd_offset >= zw->zip64_limit;
    unsigned char rec[END64_BYTES + END64_LOC + END_BYTES];
    unsigned char *p = rec;
    if (any_zip64 || count64 || size64 || offset64) {
        uint64_t end64_offset = zw->offset;
        p = put32(p, SIG_END64);
        p = put64(p, END64_BYTES - 12); /* size of the rest of the record */
        p = put16(p, MADE_BY_UNIX | VERSION_ZIP64);
        p = put16(p, VERSION_ZIP64);
        p = put32(p, 0); /* this disk */
        p = put32(p, 0); /* disk of the central directory */
        p = put64(p, zw->count);
        p = put64(p, zw->count);
        p = put64(p, cd_size);
        p = put64(p, cd_offset);
        p = put32(p, SIG_END64_LOC);
        p = put32(p, 0);
        p = put64(p, end64_offset);
        p = put32(p, 1); /* disks in all */
    }
    p = put32(p, SIG_END);
    p = put16(p, 0);
    p = put16(p, 0);
    p = put16(p, count64 ? 0xFFFFu : (unsigned)zw->count);
    p = put16(p, count64 ? 0xFFFFu : (unsigned)zw->count);
    p = put32(p, field32(cd_size, size64));
    p = put32(p, field32(cd_offset, offset64));
    p = put16(p, 0); /* comment */
    return emit(zw, rec, (size_t)(p - rec), err);
}

int zip_writer_close(struct zip_writer *zw, struct ag_error *err)
{
    if (zw->closed)
        return AG_OK;
    uint64_t cd_offset = zw->offset;
    int any_zip64 = 0;
    for (size_t i = 0; i < zw->count; i++) {
        const struct zip_record *r = &zw->records[i];
        any_zip64 |= r->size >= zw->zip64_limit || r->offset >= zw->zip64_limit;
        if (write_central(zw, r, err) != AG_OK)
            return ag_error_prefix(err, "zip central directory: ");
    }
    if (write_end_records(zw, cd_offset, zw->offset - cd_offset, any_zip64, err) != AG_OK)
        return ag_error_prefix(err, "zip end record: ");
    zw->closed = 1;
    return AG_OK;
}

void zip_writer_free(struct zip_writer *zw)
{
    for (size_t i = 0; i < zw->count; i++)
        free(zw->records[i].name);
    free(zw->records);
    zw->records = NULL;
    zw->count = zw->cap = 0;
    entry_digest_list_free(&zw->entries);
}
