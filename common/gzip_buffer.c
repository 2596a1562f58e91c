#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/gzip_buffer.h"
#include "common/fsutil.h"

/* zlib's own gzip header: MTIME 0, no name, the same bytes on every
 * build of zlib at one level. */
int gzip_buffer(const char *data, size_t len, struct strbuf *out, struct ag_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return ag_error_set(err, AG_FAIL, "zlib: cannot start a gzip stream");
    size_t cap = deflateBound(&z, (uLong)len) + 32;
    unsigned char *buf = xmalloc(cap);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    int zr = deflate(&z, Z_FINISH);
    deflateEnd(&z);
    if (zr != Z_STREAM_END) {
        free(buf);
        return ag_error_set(err, AG_FAIL, "zlib: gzip failed");
    }
    strbuf_add(out, (const char *)buf, cap - z.avail_out);
    free(buf);
    return AG_OK;
}
