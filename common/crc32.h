#ifndef ASSETGEN_CRC32_H
#define ASSETGEN_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The zip/gzip CRC-32 (zlib's) of data appended to what crc covers; start
 * from 0. Takes any length: zlib's own call stops at 4 GiB. */
uint32_t crc32_extend(uint32_t crc, const void *data, size_t len);

#endif
