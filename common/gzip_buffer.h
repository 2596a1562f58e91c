#ifndef ASSETGEN_GZIP_BUFFER_H
#define ASSETGEN_GZIP_BUFFER_H

#include <stddef.h>

#include "common/error.h"
#include "common/strbuf.h"

/* data[0..len) gzipped onto out, with MTIME 0 and no name in the header:
 * the same bytes on every run, for compressed indexes that a repository
 * lists by digest. */
int gzip_buffer(const char *data, size_t len, struct strbuf *out, struct ag_error *err);

#endif
