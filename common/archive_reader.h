#ifndef ASSETGEN_ARCHIVE_READER_H
#define ASSETGEN_ARCHIVE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* One entry of an archive read back with libarchive: an independent
 * reader, not the writer's state. */
struct archive_member {
    char *path;
    uint64_t size;
    unsigned mode;
    int is_dir;
    unsigned char sha256[32];
    char *content; /* NUL-terminated copy when size <= ARCHIVE_SCAN_KEEP */
};

#define ARCHIVE_SCAN_KEEP (256u * 1024u)

struct archive_scan {
    struct archive_member *members;
    size_t count;
    char format[64]; /* libarchive's name of the container */
    char filter[32]; /* outermost compression filter */
};

enum archive_scan_mode {
    ARCHIVE_SCAN_DIGESTS, /* sha256 of every entry */
    ARCHIVE_SCAN_SMALL,   /* only keep the small entries; skip the rest */
};

/* Reads every entry of path (any format libarchive knows, any filter),
 * keeping small ones and, in DIGESTS mode, digesting all. */
int archive_scan_file(const char *path, enum archive_scan_mode mode, struct archive_scan *scan,
                      struct ag_error *err);
const struct archive_member *archive_scan_find(const struct archive_scan *scan, const char *path);
void archive_scan_free(struct archive_scan *scan);
/* Checks that the data file entry exists in the scan with the given
 * sha256 (hex); the error names the archive (what) and the entry. */
int archive_scan_check_entry(const struct archive_scan *scan, const char *entry,
                             const char *sha256_hex, const char *what, struct ag_error *err);

#endif
