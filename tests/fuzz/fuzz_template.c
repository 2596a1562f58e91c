/* libFuzzer target: the template renderer on arbitrary text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct template_vars vars = {0};
    template_vars_set(&vars, "name", "assetgen-demo");
    template_vars_set(&vars, "version", "1.0.0");
    template_vars_set(&vars, "description", "a {{fixture}} with braces");
    char *out = NULL;
    size_t out_len = 0;
    struct ag_error err = {0};
    if (template_render((const char *)data, size, &vars, "fuzz.tmpl", &out, &out_len, &err) ==
        AG_OK)
        free(out);
    return 0;
}
