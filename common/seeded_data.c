#include "common/seeded_data.h"

#include <stdlib.h>

#include "common/data_stream.h"
#include "common/fsutil.h"

#define PUMP_CHUNK (1u << 20)

int seeded_data_pump(const struct seeded_data *data, const struct byte_sink *sink,
                     struct ag_error *err)
{
    struct data_stream stream;
    if (data_stream_init(&stream, data->seed, data->format, data->name, data->version, err) !=
        AG_OK)
        return err->status;
    unsigned char *chunk = xmalloc(PUMP_CHUNK);
    int rc = AG_OK;
    for (uint64_t left = data->size; left > 0 && rc == AG_OK;) {
        size_t n = left < PUMP_CHUNK ? (size_t)left : PUMP_CHUNK;
        rc = data_stream_read(&stream, chunk, n, err);
        if (rc == AG_OK)
            rc = byte_sink_write(sink, chunk, n, err);
        left -= n;
    }
    free(chunk);
    data_stream_free(&stream);
    return rc;
}
