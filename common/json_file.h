#ifndef ASSETGEN_JSON_FILE_H
#define ASSETGEN_JSON_FILE_H

#include <jansson.h>

#include "common/error.h"

/* Writes value with sorted keys, two-space indent and a final newline,
 * atomically; the same bytes for the same value on every machine. */
int json_write_atomic(const char *path, const json_t *value, struct ag_error *err);
/* Loads a JSON file, naming path, line and column on a syntax error. */
int json_read_file(const char *path, json_t **value, struct ag_error *err);

#endif
