#include "common/byte_sink.h"

#include "common/atomic_file.h"
#include "common/spool.h"

int byte_sink_write(const struct byte_sink *sink, const void *buf, size_t len, struct ag_error *err)
{
    if (len == 0)
        return AG_OK;
    return sink->write(sink->ctx, buf, len, err);
}

static int write_atomic_file(void *ctx, const void *buf, size_t len, struct ag_error *err)
{
    return atomic_file_write(ctx, buf, len, err);
}

static int write_spool(void *ctx, const void *buf, size_t len, struct ag_error *err)
{
    return spool_write(ctx, buf, len, err);
}

struct byte_sink byte_sink_for_atomic_file(struct atomic_file *file)
{
    struct byte_sink sink = {write_atomic_file, file};
    return sink;
}

struct byte_sink byte_sink_for_spool(struct spool *spool)
{
    struct byte_sink sink = {write_spool, spool};
    return sink;
}
