#include <criterion/criterion.h>
#include <string.h>

#include "common/error.h"

Test(error, the_first_error_is_kept_and_context_is_prefixed)
{
    struct ag_error err = {0};
    cr_assert_eq(ag_error_set(&err, AG_FAIL, "cannot write %s", "x.tgz"), AG_FAIL);
    cr_assert_eq(ag_error_set(&err, AG_USAGE, "later"), AG_FAIL, "the innermost cause wins");
    ag_error_prefix(&err, "npm %s: ", "demo");
    cr_assert_str_eq(err.message, "npm demo: cannot write x.tgz");
}

Test(error, replace_rewrites_every_occurrence_of_a_path)
{
    struct ag_error err = {0};
    ag_error_set(&err, AG_FAIL, "cannot move out/.staging.tmp-1-ab/a to out/.staging.tmp-1-ab/b");
    ag_error_replace(&err, "out/.staging.tmp-1-ab", "out/small");
    cr_assert_str_eq(err.message, "cannot move out/small/a to out/small/b");
    ag_error_replace(&err, "absent", "x");
    cr_assert_str_eq(err.message, "cannot move out/small/a to out/small/b");
}

Test(error, replace_that_grows_the_message_past_its_capacity_stays_terminated)
{
    struct ag_error err = {0};
    char big[900];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ag_error_set(&err, AG_FAIL, "%s", big);
    ag_error_replace(&err, "a", "bb");
    cr_assert_eq(strlen(err.message), sizeof err.message - 1);
    cr_assert_eq(err.message[0], 'b');
}
