/* libFuzzer target: the configuration loader (YAML parse + schema). The
 * first byte picks the document kind: main configuration or sizes file. */
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    struct config config;
    struct ag_error err = {0};
    enum config_text kind = (data[0] & 1) ? CONFIG_TEXT_SIZES : CONFIG_TEXT_MAIN;
    if (config_parse_text(&config, "fuzz.yaml", (const char *)data + 1, size - 1, kind, &err) ==
        AG_OK)
        config_free(&config);
    return 0;
}
