#include <criterion/criterion.h>
#include <string.h>

#include "common/generator.h"
#include "common/package_set.h"
#include "support.h"

/* Debian's and rpm's conflict fields conflict on each entry alone: a
 * range of two bounds would conflict with every version, and "!=" has
 * no relation, so both are refused; any version and one bound are
 * written. A provided name must be one the format can carry. */
Test(relations, conflict_fields_refuse_what_they_cannot_say)
{
    static const struct {
        const char *format;
        const char *bad_provide; /* a name the format refuses */
        const char *provide_says;
    } formats[] = {{"deb", "Virtual", "provided name"}, {"rpm", "a b", "provides"}};
    static const char *const refused[] = {">=1.0, <2", "!=1.0"};
    static const char *const written[] = {"*", "<2", ">=1.0"};
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        const struct generator *gen = test_generator(formats[f].format);
        cr_assert_not_null(gen, "%s is not built", formats[f].format);
        for (size_t i = 0;
             i < sizeof refused / sizeof refused[0] + sizeof written / sizeof written[0]; i++) {
            int bad = i < sizeof refused / sizeof refused[0];
            const char *text = bad ? refused[i] : written[i - sizeof refused / sizeof refused[0]];
            struct version_range range = test_range(text);
            struct spec_dependency conflict = {"ag-old", &range, DEPENDENCY_RUNTIME, 1};
            struct package_spec spec = {.format = formats[f].format,
                                        .name = "demo",
                                        .version = "1.0",
                                        .conflicts = &conflict,
                                        .conflict_count = 1};
            struct ag_error err = {0};
            int rc = gen->check_package(&spec, &err);
            if (bad) {
                cr_expect_eq(rc, AG_USAGE, "%s: conflict %s accepted", formats[f].format, text);
                cr_expect(strstr(err.message, "ag-old") && strstr(err.message, "one bound"),
                          "%s: %s", formats[f].format, err.message);
            } else {
                cr_expect_eq(rc, AG_OK, "%s: conflict %s: %s", formats[f].format, text,
                             err.message);
            }
            version_range_free(&range);
        }
        const char *const provides[] = {formats[f].bad_provide};
        struct package_spec spec = {.format = formats[f].format,
                                    .name = "demo",
                                    .version = "1.0",
                                    .provides = provides,
                                    .provide_count = 1};
        struct ag_error err = {0};
        cr_expect_eq(gen->check_package(&spec, &err), AG_USAGE, "%s: provides '%s' accepted",
                     formats[f].format, formats[f].bad_provide);
        cr_expect(strstr(err.message, formats[f].provide_says) != NULL, "%s: %s", formats[f].format,
                  err.message);
    }
}
