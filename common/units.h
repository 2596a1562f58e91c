#ifndef ASSETGEN_UNITS_H
#define ASSETGEN_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Parses "10MiB", "1.5GB", "512" (bytes). kB/MB/GB/TB are powers of 1000,
 * KiB/MiB/GiB/TiB powers of 1024. Zero, negative and overflowing sizes are
 * errors; what names the field for the message. */
int parse_size(const char *text, const char *what, uint64_t *bytes, struct ag_error *err);
/* Parses "90s", "5m", "2h" into seconds. */
int parse_duration(const char *text, const char *what, uint64_t *seconds, struct ag_error *err);
/* "10.0 MiB" style rendering for people. */
void format_size(uint64_t bytes, char *out, unsigned cap);
/* An epoch in UTC, for machines ("2023-11-14T22:13:20Z", ISO 8601) or
 * for people ("2023-11-14 22:13:20 UTC"). A time gmtime cannot convert
 * prints as the epoch's start. */
void format_iso8601(int64_t epoch, char *out, size_t cap);
void format_utc_readable(int64_t epoch, char *out, size_t cap);

#endif
