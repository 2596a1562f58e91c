#include "common/json_file.h"

#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "common/fsutil.h"

int json_write_atomic(const char *path, const json_t *value, struct ag_error *err)
{
    char *text = json_dumps(value, JSON_SORT_KEYS | JSON_INDENT(2));
    if (text == NULL)
        return ag_error_set(err, AG_FAIL, "cannot serialise JSON for %s", path);
    char *with_newline = xasprintf("%s\n", text);
    free(text);
    int rc = atomic_write_buffer(path, with_newline, strlen(with_newline), err);
    free(with_newline);
    return rc;
}

int json_read_file(const char *path, json_t **value, struct ag_error *err)
{
    json_error_t jerr;
    *value = json_load_file(path, 0, &jerr);
    if (*value == NULL)
        return ag_error_set(err, AG_FAIL, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
    return AG_OK;
}
