#include <criterion/criterion.h>
#include <string.h>

#include "common/digest.h"

Test(digest, sha256_of_abc_matches_fips_vector)
{
    char hex[2 * DIGEST_MAX_BYTES + 1];
    struct ag_error err = {0};
    cr_assert_eq(digest_buffer_hex(DIGEST_SHA256, "abc", 3, hex, &err), AG_OK);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(digest, one_pass_gives_all_four)
{
    struct digest_set set;
    struct ag_error err = {0};
    cr_assert_eq(digest_set_init(&set, DIGEST_ALL, &err), AG_OK);
    digest_set_update(&set, "a", 1);
    digest_set_update(&set, "bc", 2);
    cr_assert_eq(digest_set_final(&set, &err), AG_OK);
    char hex[129];
    digest_hex(set.value[DIGEST_MD5], set.length[DIGEST_MD5], hex);
    cr_assert_str_eq(hex, "900150983cd24fb0d6963f7d28e17f72");
    digest_hex(set.value[DIGEST_SHA1], set.length[DIGEST_SHA1], hex);
    cr_assert_str_eq(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    digest_hex(set.value[DIGEST_SHA512], set.length[DIGEST_SHA512], hex);
    cr_assert_str_eq(hex, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                          "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    digest_set_free(&set);
}

Test(digest, base64url_drops_padding_and_swaps_alphabet)
{
    const unsigned char bytes[] = {0xfb, 0xff, 0xfe};
    char out[16];
    digest_base64url_nopad(bytes, 3, out);
    cr_assert_str_eq(out, "-__-");
    const unsigned char two[] = {0xfb, 0xff};
    digest_base64url_nopad(two, 2, out);
    cr_assert_str_eq(out, "-_8");
    digest_base64(two, 2, out);
    cr_assert_str_eq(out, "+/8=");
}
