#include <criterion/criterion.h>
#include <string.h>

#include "common/suggest.h"

static const char *const keys[] = {"seed", "sourceDateEpoch", "baseUrl",
                                   "size", "format",          "sizesDir"};
#define KEY_COUNT (sizeof keys / sizeof keys[0])

Test(suggest, transposed_letters_suggest_the_key)
{
    const char *near = suggest_nearest("fromat", keys, KEY_COUNT);
    cr_assert_not_null(near);
    cr_assert_str_eq(near, "format");
}

Test(suggest, single_typos_suggest_the_nearest_key)
{
    cr_assert_str_eq(suggest_nearest("sede", keys, KEY_COUNT), "seed");
    cr_assert_str_eq(suggest_nearest("baseURL", keys, KEY_COUNT), "baseUrl");
    cr_assert_str_eq(suggest_nearest("sizes_dir", keys, KEY_COUNT), "sizesDir");
    cr_assert_str_eq(suggest_nearest("size", keys, KEY_COUNT), "size", "an exact match wins");
}

Test(suggest, far_word_suggests_nothing)
{
    cr_assert_null(suggest_nearest("zzzzzz", keys, KEY_COUNT));
    cr_assert_null(suggest_nearest("completelyunrelated", keys, KEY_COUNT));
    cr_assert_null(suggest_nearest("x", keys, KEY_COUNT));
}

Test(suggest, no_candidates_suggest_nothing)
{
    cr_assert_null(suggest_nearest("format", keys, 0));
}

Test(suggest, overlong_words_suggest_nothing)
{
    char word[80];
    memset(word, 's', sizeof word - 1);
    word[sizeof word - 1] = '\0';
    cr_assert_null(suggest_nearest(word, keys, KEY_COUNT));
}

Test(suggest, ties_go_to_the_first_candidate)
{
    static const char *const two[] = {"cat", "car"};
    cr_assert_str_eq(suggest_nearest("ca", two, 2), "cat");
}

Test(suggest, join_lists_candidates_with_commas)
{
    static const char *const abc[] = {"a", "b", "c"};
    char out[32];
    suggest_join(abc, 3, out, sizeof out);
    cr_assert_str_eq(out, "a, b, c");
    suggest_join(abc, 0, out, sizeof out);
    cr_assert_str_eq(out, "");
}

Test(suggest, join_truncates_within_the_buffer)
{
    char out[8];
    memset(out, 'X', sizeof out);
    suggest_join(keys, KEY_COUNT, out + 1, 6);
    cr_assert_eq(out[0], 'X', "wrote before the buffer");
    cr_assert_eq(out[7], 'X', "wrote past the buffer");
    cr_assert_str_eq(out + 1, "seed,");
    char untouched = 'Y';
    suggest_join(keys, KEY_COUNT, &untouched, 0);
    cr_assert_eq(untouched, 'Y');
}
