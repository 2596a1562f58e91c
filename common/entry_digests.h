#ifndef ASSETGEN_ENTRY_DIGESTS_H
#define ASSETGEN_ENTRY_DIGESTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/error.h"

/* Size and digests of each regular entry an archive writer wrote, taken
 * as the bytes went by: the lists formats keep of their own files (a
 * wheel's RECORD, a .deb's md5sums, rpm file digests, conda's
 * paths.json, a Go module's dirhash) need no second read. */
struct entry_digest {
    char *path;
    uint64_t size;
    unsigned mask;
    unsigned char value[DIGEST_KINDS][DIGEST_MAX_BYTES];
    unsigned length[DIGEST_KINDS];
};

struct entry_digest_list {
    struct entry_digest *items;
    size_t count;
    size_t cap;
};

/* Finalises pending (initialised with the list's mask, fed the entry's
 * bytes) and appends it under path. */
int entry_digest_list_add(struct entry_digest_list *list, const char *path, uint64_t size,
                          struct digest_set *pending, struct ag_error *err);
/* Appends the values of a set already final (a spool's), for the kinds
 * in mask. */
void entry_digest_list_add_final(struct entry_digest_list *list, const char *path, uint64_t size,
                                 unsigned mask, const struct digest_set *final);
/* The last entry recorded under path, or NULL. */
const struct entry_digest *entry_digest_list_find(const struct entry_digest_list *list,
                                                  const char *path);
void entry_digest_list_free(struct entry_digest_list *list);

#endif
