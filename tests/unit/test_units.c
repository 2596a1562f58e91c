#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "common/units.h"

static uint64_t size_of(const char *text)
{
    uint64_t bytes = 0;
    struct ag_error err = {0};
    cr_assert_eq(parse_size(text, "maxSize", &bytes, &err), AG_OK, "'%s' rejected: %s", text,
                 err.message);
    return bytes;
}

static void assert_size_rejected(const char *text, const char *expect_in_message)
{
    uint64_t bytes = 12345;
    struct ag_error err = {0};
    cr_assert_eq(parse_size(text, "tiers.yaml:2: maxSize", &bytes, &err), AG_USAGE,
                 "'%s' accepted as %llu bytes", text, (unsigned long long)bytes);
    cr_assert_eq(bytes, 12345u, "'%s' changed the output on failure", text);
    cr_assert(strncmp(err.message, "tiers.yaml:2: maxSize: ", 23) == 0,
              "the message names the field: %s", err.message);
    cr_assert(strstr(err.message, expect_in_message) != NULL, "'%s': %s", text, err.message);
}

Test(units, parse_size_binary_units_are_powers_of_1024)
{
    cr_assert_eq(size_of("1KiB"), 1024u);
    cr_assert_eq(size_of("1MiB"), 1048576u);
    cr_assert_eq(size_of("10MiB"), 10485760u);
    cr_assert_eq(size_of("1.5GiB"), 1610612736u);
    cr_assert_eq(size_of("2TiB"), UINT64_C(2199023255552));
}

Test(units, parse_size_decimal_units_are_powers_of_1000)
{
    cr_assert_eq(size_of("10MB"), 10000000u);
    cr_assert_eq(size_of("1kB"), 1000u);
    cr_assert_eq(size_of("1KB"), 1000u);
    cr_assert_eq(size_of("3GB"), UINT64_C(3000000000));
    cr_assert_eq(size_of("1TB"), UINT64_C(1000000000000));
}

Test(units, parse_size_plain_number_is_bytes)
{
    cr_assert_eq(size_of("512"), 512u);
    cr_assert_eq(size_of("512B"), 512u);
    cr_assert_eq(size_of("1 MiB"), 1048576u);
}

Test(units, parse_size_beyond_4_gib_fits)
{
    cr_assert_eq(size_of("5GiB"), UINT64_C(5368709120));
    cr_assert_gt(size_of("5GiB"), (uint64_t)UINT32_MAX);
}

Test(units, parse_size_above_2_pow_63_is_exact)
{
    /* Between 2^63 and 2^64 a signed rounding would overflow. */
    cr_assert_eq(size_of("10000000TB"), UINT64_C(10000000000000000000));
    cr_assert_eq(size_of("15000000TB"), UINT64_C(15000000000000000000));
}

Test(units, parse_size_rejects_zero_and_negative)
{
    assert_size_rejected("0", "greater than zero");
    assert_size_rejected("0MiB", "greater than zero");
    assert_size_rejected("-1", "greater than zero");
    assert_size_rejected("-5GiB", "greater than zero");
}

Test(units, parse_size_rejects_a_size_that_rounds_to_zero_bytes)
{
    assert_size_rejected("0.4", "at least 1 byte");
    assert_size_rejected("0.0001KiB", "at least 1 byte");
}

Test(units, parse_size_rejects_unknown_units)
{
    assert_size_rejected("10XB", "unknown unit 'XB'");
    assert_size_rejected("10mib", "unknown unit");
    assert_size_rejected("10 MiB extra", "unknown unit");
}

Test(units, parse_size_rejects_empty_and_non_numbers)
{
    assert_size_rejected("", "empty size");
    assert_size_rejected("abc", "'abc' is not a size");
    assert_size_rejected("MiB", "is not a size");
    assert_size_rejected("inf", "is not a size");
    assert_size_rejected("nan", "is not a size");
}

Test(units, parse_size_rejects_overflow)
{
    assert_size_rejected("99999999TiB", "too large");
    assert_size_rejected("18446744073709551616", "too large");
    assert_size_rejected("1e300", "too large");
}

static uint64_t duration_of(const char *text)
{
    uint64_t seconds = 0;
    struct ag_error err = {0};
    cr_assert_eq(parse_duration(text, "targetDuration", &seconds, &err), AG_OK, "'%s' rejected: %s",
                 text, err.message);
    return seconds;
}

Test(units, parse_duration_units)
{
    cr_assert_eq(duration_of("5m"), 300u);
    cr_assert_eq(duration_of("90s"), 90u);
    cr_assert_eq(duration_of("2h"), 7200u);
    cr_assert_eq(duration_of("45"), 45u);
    cr_assert_eq(duration_of("1.5m"), 90u);
}

Test(units, parse_duration_rejects_bad_input)
{
    static const char *const bad[] = {"", "abc", "0s", "-5m", "5d", "5 m", "inf", "1e30h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t seconds = 777;
        struct ag_error err = {0};
        cr_assert_eq(parse_duration(bad[i], "tier1 targetDuration", &seconds, &err), AG_USAGE,
                     "'%s' accepted as %llu", bad[i], (unsigned long long)seconds);
        cr_assert_eq(seconds, 777u);
        cr_assert(strncmp(err.message, "tier1 targetDuration: ", 22) == 0, "%s", err.message);
    }
    uint64_t seconds = 0;
    struct ag_error err = {0};
    cr_assert_eq(parse_duration(NULL, "x", &seconds, &err), AG_USAGE);
}

Test(units, format_size_for_people)
{
    char out[32];
    format_size(512, out, sizeof out);
    cr_assert_str_eq(out, "512 B");
    format_size(10485760, out, sizeof out);
    cr_assert_str_eq(out, "10.0 MiB");
    format_size(1610612736, out, sizeof out);
    cr_assert_str_eq(out, "1.5 GiB");
    format_size(UINT64_C(5) << 40, out, sizeof out);
    cr_assert_str_eq(out, "5.0 TiB");
}
